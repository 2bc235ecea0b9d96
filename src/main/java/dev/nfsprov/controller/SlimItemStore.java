package dev.nfsprov.controller;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;

/**
 * The informer cache, without metadata.managedFields: the controller never reads them, and for every claim and
 * volume of the cluster they are often the larger half of the object (what client-go's transform funcs drop too).
 */
final class SlimItemStore<V extends HasMetadata> extends BasicItemStore<V> {
    SlimItemStore() {
        super(Cache::metaNamespaceKeyFunc);
    }

    @Override
    public V put(String key, V item) {
        item.getMetadata().setManagedFields(null);
        return super.put(key, item);
    }
}
