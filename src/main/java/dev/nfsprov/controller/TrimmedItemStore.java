package dev.nfsprov.controller;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * The informer cache of claims or volumes: the full object, compacted ({@link Compaction}), only for those this
 * provisioner works on; of every other object only what its stub keeps, or nothing at all when the stub is null. Without this a cluster of 10,000 claims of other classes filled the heap at start-up,
 * and a tenant could do the same with a few hundred claims carrying large annotations; with identity stubs for
 * every object, 50,000 claims and 50,000 volumes of others still did (docs/performance.md). An object that is not
 * stored comes back to the informer as an add on its next change, which the reconcilers' filters drop; one that
 * becomes ours is stored in full on the update that makes it so.
 */
final class TrimmedItemStore<V extends HasMetadata> extends BasicItemStore<V> {
    private final Predicate<V> ours;
    private final Consumer<V> fit;
    private final UnaryOperator<V> stub;

    /**
     * fit trims an object of ours in place to what may be kept of it; stub makes what is kept of an object that is
     * not ours, or null to keep nothing; {@link #identity} keeps its metadata's identity.
     */
    TrimmedItemStore(Predicate<V> ours, Consumer<V> fit, UnaryOperator<V> stub) {
        super(Cache::metaNamespaceKeyFunc);
        this.ours = ours;
        this.fit = fit;
        this.stub = stub;
    }

    /** A store that keeps nothing of ours beyond what compaction leaves. */
    TrimmedItemStore(Predicate<V> ours, UnaryOperator<V> stub) {
        this(ours, v -> {}, stub);
    }

    @Override
    public V put(String key, V item) {
        if (ours.test(item)) {
            fit.accept(item);
            Compaction.compact(item);
            return super.put(key, item);
        }
        V kept = stub.apply(item);
        // The informer hands this same object to the event handlers, which drop it; until they have, its queue holds
        // it. Only its identity there too, so a start among thousands of others' objects does not hold them whole.
        item.setMetadata(identityOf(item.getMetadata()));
        return kept == null ? super.remove(key) : super.put(key, kept);
    }

    /** The object's name, namespace, uid, resourceVersion and deletion time, on an empty object of its kind. */
    static <V extends HasMetadata> V identity(V item, V empty) {
        empty.setMetadata(identityOf(item.getMetadata()));
        return empty;
    }

    private static ObjectMeta identityOf(ObjectMeta m) {
        return new ObjectMetaBuilder()
                .withName(m.getName())
                .withNamespace(m.getNamespace())
                .withUid(m.getUid())
                .withResourceVersion(m.getResourceVersion())
                .withDeletionTimestamp(m.getDeletionTimestamp())
                .build();
    }
}
