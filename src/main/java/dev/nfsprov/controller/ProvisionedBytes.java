package dev.nfsprov.controller;

import dev.nfsprov.protocol.Quantities;
import dev.nfsprov.provision.Capacity;
import dev.nfsprov.provision.ShareCatalog;
import dev.nfsprov.provision.VolumeService.RejectedException;
import dev.nfsprov.share.ShareException;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The sum of the requests of this provisioner's volumes, for capacityPolicy: provisioned: the capacities of the
 * volumes in the informer cache, plus what was granted to volumes the cache does not show at their new size yet.
 * Grants are decided one at a time (this object's lock), so two claims cannot both take the last of the share.
 * Only volumes of classes that say capacityPolicy: provisioned share a share's budget: in a class without a policy a
 * size is a label (nfs-subdir's), and a tenant's 7Ei label there must not stop the policed classes. Sums saturate at
 * Long.MAX_VALUE, so no request can wrap them round to room.
 */
final class ProvisionedBytes {

    /** Bytes granted to a volume on a share that the cache will show with at least {@code capacity}. */
    private record Grant(String share, long bytes, long capacity) {}

    private volatile IndexerResourceCache<PersistentVolume> volumes;
    private final Map<String, Grant> granted = new ConcurrentHashMap<>();
    /** Snapshots' copies by id: each counts as its source's capacity, on the share it is kept on. */
    private final Map<String, Held> snapshots = new ConcurrentHashMap<>();

    /** A snapshot's share and bytes, and whether its source's class shares the budget. */
    private record Held(String share, long bytes, boolean budgeted) {}
    /** Whether the class of this name says capacityPolicy: provisioned (its volumes share the budget). */
    private final java.util.function.Predicate<String> budgeted;

    ProvisionedBytes(java.util.function.Predicate<String> budgeted) {
        this.budgeted = budgeted;
    }

    private static final String BY_DIRECTORY = "directory";

    /** shares: to index every volume on them by its directory (the cache keeps every PV's spec.nfs on them). */
    void watch(IndexerResourceCache<PersistentVolume> volumes, ShareCatalog shares) {
        volumes.addIndexers(Map.of(BY_DIRECTORY, v -> {
            var nfs = v.getSpec() == null ? null : v.getSpec().getNfs();
            if (nfs == null) return java.util.List.of();
            return shares.forVolume(nfs.getServer(), nfs.getPath())
                    .flatMap(s -> s.volumes()
                            .location()
                            .directoryOf(nfs.getServer(), nfs.getPath())
                            .map(d -> directoryKey(s, d)))
                    .map(java.util.List::of)
                    .orElse(java.util.List.of());
        }));
        this.volumes = volumes;
    }

    private static String directoryKey(ShareCatalog.Entry share, dev.nfsprov.pathtemplate.RelativePath dir) {
        return share.name() + ":" + dir;
    }

    /** The PersistentVolume (any provisioner's) whose directory this is on the share, or null. */
    String volumeAt(ShareCatalog.Entry share, dev.nfsprov.pathtemplate.RelativePath dir) {
        var cache = volumes;
        if (cache == null) return null;
        return cache.byIndex(BY_DIRECTORY, directoryKey(share, dir)).stream()
                .map(v -> v.getMetadata().getName())
                .sorted()
                .findFirst()
                .orElse(null);
    }

    /**
     * Our volumes' capacities on one share (the cache keeps only identity and nfs source of others) and pending
     * grants there.
     */
    long total(ShareCatalog.Entry share) {
        return Capacity.add(total(share, v -> true), snapshotBytes(share, false));
    }

    /** The same, for the volumes of classes with capacityPolicy: provisioned only: the share's budget in use. */
    long budgeted(ShareCatalog.Entry share) {
        return Capacity.add(
                total(share, v -> budgeted.test(v.getSpec().getStorageClassName())), snapshotBytes(share, true));
    }

    /** Bytes held by snapshots on a share (only those of budgeted classes if {@code budgetedOnly}). */
    long snapshotBytes(ShareCatalog.Entry share, boolean budgetedOnly) {
        return snapshots.values().stream()
                .filter(h -> h.share().equals(share.name()) && (h.budgeted() || !budgetedOnly))
                .mapToLong(Held::bytes)
                .reduce(0, Capacity::add);
    }

    /** How many snapshots a share keeps. */
    long snapshotCount(ShareCatalog.Entry share) {
        return snapshots.values().stream()
                .filter(h -> h.share().equals(share.name()))
                .count();
    }

    /**
     * Takes room on the share for a snapshot of {@code bytes} under its source class's policy (as {@link #grant} does
     * for a volume), or says why not; {@code taken}: it exists already (a restart), so it is counted, never refused.
     */
    synchronized String reserveSnapshot(
            Map<String, String> classParameters,
            String id,
            long bytes,
            boolean taken,
            ShareCatalog.Entry share,
            ShareWork shareWork)
            throws RejectedException, ShareException {
        var policy = Capacity.policy(classParameters);
        var held = snapshots.get(id);
        if (held != null && held.share().equals(share.name())) return null;
        if (policy != Capacity.Policy.NONE && !taken) {
            long[] space = shareWork.step(
                    "measuring the share", () -> share.volumes().share().space());
            long inUse = policy == Capacity.Policy.PROVISIONED ? budgeted(share) : 0;
            String refusal = Capacity.refusal(classParameters, bytes, new Capacity.Space(space[0], space[1], inUse));
            if (refusal != null) return refusal;
        }
        snapshots.put(id, new Held(share.name(), bytes, policy == Capacity.Policy.PROVISIONED));
        return null;
    }

    void releaseSnapshot(String id) {
        snapshots.remove(id);
    }

    /** Forgets the snapshots whose resource is gone (ids not in {@code live}): their copies go with the sweep. */
    void retainSnapshots(java.util.Set<String> live) {
        snapshots.keySet().retainAll(live);
    }

    private long total(ShareCatalog.Entry share, java.util.function.Predicate<PersistentVolume> counted) {
        var cache = volumes;
        if (cache == null) throw new IllegalStateException("the volume cache is not ready");
        granted.entrySet()
                .removeIf(e -> cache.get(new ResourceID(e.getKey()))
                        .map(v -> capacity(v) >= e.getValue().capacity())
                        .orElse(false));
        var location = share.volumes().location();
        long sum = cache.list()
                .filter(v -> v.getSpec() != null && v.getSpec().getNfs() != null)
                .filter(v -> location.directoryOf(
                                v.getSpec().getNfs().getServer(),
                                v.getSpec().getNfs().getPath())
                        .isPresent())
                .filter(counted)
                .mapToLong(ProvisionedBytes::capacity)
                .reduce(0, Capacity::add);
        // grants are made for budgeted classes only (see grant)
        return granted.values().stream()
                .filter(g -> g.share().equals(share.name()))
                .mapToLong(Grant::bytes)
                .reduce(sum, Capacity::add);
    }

    /** This provisioner's volumes, as the cache holds them (others on our shares are kept as stubs, no capacity). */
    java.util.List<PersistentVolume> ours() {
        var cache = volumes;
        if (cache == null) return java.util.List.of();
        return cache.list()
                .filter(v -> v.getSpec() != null && v.getSpec().getCapacity() != null)
                .toList();
    }

    /** The share-relative directories of every PersistentVolume on this share (the cache keeps those nfs sources). */
    java.util.Set<dev.nfsprov.pathtemplate.RelativePath> directories(dev.nfsprov.provision.ShareLocation location) {
        var cache = volumes;
        var out = new java.util.HashSet<dev.nfsprov.pathtemplate.RelativePath>();
        if (cache == null) return out;
        cache.list().forEach(v -> {
            var nfs = v.getSpec() == null ? null : v.getSpec().getNfs();
            if (nfs != null)
                location.directoryOf(nfs.getServer(), nfs.getPath()).ifPresent(out::add);
        });
        return out;
    }

    private static long capacity(PersistentVolume v) {
        return v.getSpec() == null || v.getSpec().getCapacity() == null
                ? 0
                : Quantities.bytes(v.getSpec().getCapacity().get("storage"));
    }

    /**
     * Grants {@code bytes} more to {@code volume} (to reach {@code capacity}) under the class's policy, or says why
     * not. The share is measured only for a class with a policy.
     */
    synchronized String grant(
            Map<String, String> classParameters,
            String volume,
            long bytes,
            long capacity,
            ShareCatalog.Entry share,
            ShareWork shareWork)
            throws RejectedException, ShareException {
        var policy = Capacity.policy(classParameters);
        if (policy == Capacity.Policy.NONE) return null;
        long[] space = shareWork.step(
                "measuring the share", () -> share.volumes().share().space());
        long inUse = policy == Capacity.Policy.PROVISIONED ? budgeted(share) : 0;
        String refusal = Capacity.refusal(classParameters, bytes, new Capacity.Space(space[0], space[1], inUse));
        if (refusal == null && policy == Capacity.Policy.PROVISIONED)
            granted.put(volume, new Grant(share.name(), bytes, capacity));
        return refusal;
    }

    void withdraw(String volume) {
        granted.remove(volume);
    }
}
