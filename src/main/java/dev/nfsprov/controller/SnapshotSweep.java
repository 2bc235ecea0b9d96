package dev.nfsprov.controller;

import dev.nfsprov.api.ClaimSnapshot;
import dev.nfsprov.logging.Fields;
import dev.nfsprov.protocol.ApiErrors;
import dev.nfsprov.provision.ShareCatalog;
import dev.nfsprov.share.ShareException;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Deletes the copies of snapshots that are gone, on the leader, every {@link #EVERY}: a ClaimSnapshot has no
 * finalizer (see {@link SnapshotReconciler}), so its copy outlives it until this pass finds no resource of its uid.
 * A copy is deleted only when neither the cache nor the API server (asked by the namespace and name its record names)
 * has its snapshot, and no copy into it runs. Also publishes how many snapshots each share keeps, and their bytes.
 */
final class SnapshotSweep implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(SnapshotSweep.class.getName());

    static final Duration EVERY = Duration.ofSeconds(10);

    /** Entries read from one share's snapshot directory in a pass: ids are uids, one per snapshot. */
    static final long BUDGET = 1_000_000;

    private final Wiring w;
    private final SnapshotReconciler snapshots;
    private final Gauge count;
    private final Gauge bytes;
    private ScheduledExecutorService timer;

    SnapshotSweep(Wiring w, SnapshotReconciler snapshots, PrometheusRegistry registry) {
        this.w = w;
        this.snapshots = snapshots;
        count = Gauge.builder()
                .name("nfsprov_share_snapshots")
                .help("ClaimSnapshots ready on the share")
                .labelNames("share")
                .register(registry);
        bytes = Gauge.builder()
                .name("nfsprov_share_snapshot_bytes")
                .help("Bytes of the files the share's ready snapshots hold, as copied")
                .labelNames("share")
                .register(registry);
    }

    synchronized void start() {
        if (timer != null) return;
        timer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("nfsprov-snapshot-sweep").daemon().factory());
        timer.scheduleWithFixedDelay(this::pass, 0, EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    void pass() {
        var cache = snapshots.cache();
        if (cache == null) return;
        try {
            var live = new HashSet<String>();
            var perShare = new HashMap<String, long[]>();
            cache.list().forEach(s -> {
                live.add(s.getMetadata().getUid());
                var st = s.getStatus();
                if (st != null && st.ready() && w.provisionerName().equals(st.provisioner()) && st.share() != null)
                    perShare.merge(st.share(), new long[] {1, st.bytes() == null ? 0 : st.bytes()}, (a, b) -> {
                        a[0] += b[0];
                        a[1] += b[1];
                        return a;
                    });
            });
            w.provisioned().retainSnapshots(live);
            for (ShareCatalog.Entry share : w.shares().all()) {
                long[] n = perShare.getOrDefault(share.name(), new long[2]);
                count.labelValues(share.name()).set(n[0]);
                bytes.labelValues(share.name()).set(n[1]);
                sweep(share, live);
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "snapshot sweep failed; trying again in " + EVERY.toSeconds() + " s", e);
        }
    }

    /** Deletes on one share the copies whose snapshot is gone; ids listed before {@code live} was read. */
    private void sweep(ShareCatalog.Entry share, java.util.Set<String> live) {
        var store = share.volumes().snapshots();
        var work = w.work(share);
        try {
            for (String id : store.ids(BUDGET)) {
                if (live.contains(id) || !work.idle(SnapshotReconciler.key(id))) continue;
                String owner = store.owner(id).orElse(null);
                if (owner != null && exists(owner, id)) continue;
                var deleted = work.reclaim(SnapshotReconciler.key(id), () -> store.delete(id));
                if (deleted.isEmpty()) continue; // runs on the delete pool; collected by a later pass
                w.provisioned().releaseSnapshot(id);
                Fields.of("share", share.name(), "snapshot", owner == null ? "(no record)" : owner, "uid", id)
                        .log(LOG, Level.INFO, "copy of a deleted snapshot removed");
            }
        } catch (ShareException | dev.nfsprov.provision.VolumeService.RejectedException e) {
            Fields.of("share", share.name(), "reason", e.getMessage())
                    .log(LOG, Level.WARNING, "snapshot sweep could not finish on the share");
        }
    }

    /** Whether the API server still has the snapshot {@code owner} (namespace/name) with this uid. */
    private boolean exists(String owner, String id) {
        int slash = owner.indexOf('/');
        if (slash <= 0) return false;
        try {
            ClaimSnapshot s = w.client()
                    .resources(ClaimSnapshot.class)
                    .inNamespace(owner.substring(0, slash))
                    .withName(owner.substring(slash + 1))
                    .get();
            return s != null && Objects.equals(s.getMetadata().getUid(), id);
        } catch (KubernetesClientException e) {
            LOG.warning("snapshot sweep: cannot look " + owner + " up (" + ApiErrors.describe(e)
                    + "); its copy is kept for now");
            return true;
        }
    }

    @Override
    public synchronized void close() {
        if (timer != null) timer.shutdownNow();
    }
}
