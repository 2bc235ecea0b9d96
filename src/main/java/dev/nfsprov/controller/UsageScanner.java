package dev.nfsprov.controller;

import dev.nfsprov.logging.Fields;
import dev.nfsprov.protocol.ApiErrors;
import dev.nfsprov.protocol.Quantities;
import dev.nfsprov.protocol.UsageRules;
import dev.nfsprov.share.ShareException;
import dev.nfsprov.share.Throttle;
import dev.nfsprov.share.Usage;
import dev.nfsprov.usage.ShareFigures;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Measures every volume of this provisioner, pass after pass, on the leader only: on threads of its own and at a
 * bounded rate of entries a second, so provisioning never waits for it. Each measurement becomes gauges, a record on
 * the volume (for {@code nfsprov usage}), and an Event on the claim when it crosses a threshold of its request.
 */
public final class UsageScanner implements AutoCloseable {

    /**
     * interval between passes (zero: never), entries a second (0: no limit), volumes measured at once, operations per
     * volume and pass (entries read and directories re-opened: what bounds one tenant's share of a pass).
     */
    public record Settings(Duration interval, double rate, int workers, long maxEntries, List<Integer> thresholds) {
        static final Settings DEFAULT = new Settings(Duration.ofMinutes(10), 5000, 1, 1_000_000, List.of(80, 100));
    }

    private static final Logger LOG = Logger.getLogger(UsageScanner.class.getName());
    static final Duration FIRST_PASS_DELAY = Duration.ofSeconds(10);

    private final Wiring w;
    private final UsageMetrics metrics;
    private final Settings settings;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("usage-scan").daemon().factory());
    private final ExecutorService walkers;
    private final Map<String, List<String>> series = new ConcurrentHashMap<>();
    private final Rejections said = new Rejections();
    private final AtomicBoolean started = new AtomicBoolean();
    private final Consumer<List<ShareFigures>> status;
    private final ArchivePass archives;

    UsageScanner(Wiring w, UsageMetrics metrics, Settings settings, Consumer<List<ShareFigures>> status) {
        this.w = w;
        this.metrics = metrics;
        this.status = status;
        this.archives = new ArchivePass(w, metrics);
        this.settings = settings;
        this.walkers = Executors.newFixedThreadPool(
                settings.workers(),
                Thread.ofPlatform().name("usage-walk-", 0).daemon().factory());
    }

    /** Starts passing over the volumes (once; on the leader, when it starts leading). */
    void start() {
        if (settings.interval().isZero() || !started.compareAndSet(false, true)) return;
        // The first pass waits a little (at most 10 s): a new leader has claims to catch up on first.
        long first = Math.min(settings.interval().toMillis(), FIRST_PASS_DELAY.toMillis());
        timer.scheduleWithFixedDelay(this::pass, first, settings.interval().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One pass over every volume; failures are per volume, logged once per reason, and never stop the pass. */
    void pass() {
        long start = System.nanoTime();
        Throttle base = Throttle.perSecond(settings.rate());
        Object lock = new Object();
        Throttle shared = n -> {
            synchronized (lock) { // one rate for all walkers
                base.entries(n);
            }
        };
        try {
            List<PersistentVolume> volumes = w.provisioned().ours();
            List<Future<?>> running = new ArrayList<>();
            for (PersistentVolume v : volumes) running.add(walkers.submit(() -> measure(v, shared)));
            for (Future<?> f : running) f.get();
            var present = new HashSet<String>();
            volumes.forEach(v -> present.add(v.getMetadata().getName()));
            series.entrySet().removeIf(e -> {
                if (present.contains(e.getKey())) return false;
                metrics.forget(e.getValue());
                return true;
            });
            var figures = new ArrayList<ShareFigures>();
            for (var share : w.shares().all()) {
                try { // a share that fails does not keep the others from their retention and figures
                    var kept = archives.pass(share, shared);
                    long[] space = share.volumes().share().space();
                    long provisioned = w.provisioned().total(share);
                    metrics.share(share.mount().where(), space[0], space[1], provisioned);
                    figures.add(new ShareFigures(
                            share.name(),
                            share.mount().where(),
                            space[0],
                            space[1],
                            provisioned,
                            kept.count(),
                            kept.bytes(),
                            kept.oldest(),
                            Instant.now()));
                } catch (ShareException | RuntimeException e) {
                    LOG.warning("share " + share.name() + ": retention and share figures not done this pass: "
                            + ApiErrors.describeAny(e));
                }
            }
            status.accept(figures);
            double seconds = (System.nanoTime() - start) / 1e9;
            metrics.pass(seconds);
            Fields.of("volumes", String.valueOf(volumes.size()), "seconds", "%.1f".formatted(seconds))
                    .log(LOG, Level.FINE, "usage scan done");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | RuntimeException e) {
            LOG.warning("usage scan pass failed (the next one tries again): " + ApiErrors.describeAny(e));
        }
    }

    private Void measure(PersistentVolume v, Throttle throttle) throws InterruptedException {
        var ref = v.getSpec().getClaimRef();
        var nfs = v.getSpec().getNfs();
        String name = v.getMetadata().getName();
        if (ref == null || nfs == null || v.getMetadata().getDeletionTimestamp() != null) return null;
        var share = w.shares().forVolume(nfs.getServer(), nfs.getPath());
        if (share.isEmpty()) return null;
        var directory = share.get().volumes().location().directoryOf(nfs.getServer(), nfs.getPath());
        try {
            if (directory.isEmpty()) return null;
            // a volume taken over from nfs-subdir has no marker: written here, so nothing is ever nested into it
            if (share.get().volumes().share().markIfUnmarked(directory.get(), name))
                Fields.of("volume", name, "directory", directory.get().toString())
                        .log(LOG, Level.INFO, "marker written for a volume that had none");
            Usage usage = share.get().volumes().share().usage(directory.get(), throttle, settings.maxEntries());
            long capacity = Quantities.bytes(v.getSpec().getCapacity().get("storage"));
            var labels = List.of(
                    ref.getNamespace(),
                    ref.getName(),
                    name,
                    v.getSpec().getStorageClassName() == null ? "" : v.getSpec().getStorageClassName());
            var now = new UsageRules.Recorded(usage.bytes(), usage.files(), Instant.now(), usage.partial());
            metrics.volume(
                    labels,
                    usage.bytes(),
                    capacity,
                    usage.files(),
                    now.scanned().toEpochMilli());
            series.put(name, labels);
            if (usage.partial() && said.isNew(name + "/partial", "partial"))
                Fields.of("volume", name)
                        .log(
                                LOG,
                                Level.WARNING,
                                "usage measured in part: some entries could not"
                                        + " be read (permissions, or a tree beyond the walk's bounds); the figures are a minimum");
            record(v, now, capacity);
        } catch (ShareException e) {
            if (said.isNew(name, e.getMessage()))
                Fields.of("volume", name, "reason", e.getMessage()).log(LOG, Level.WARNING, "usage not measured");
        } catch (KubernetesClientException e) {
            LOG.warning("usage of " + name + " not recorded: " + ApiErrors.describe(e));
        }
        return null;
    }

    /** Events on a crossing, and the record on the volume when it changed (or is an hour old). */
    private void record(PersistentVolume v, UsageRules.Recorded now, long capacity) {
        var a = v.getMetadata().getAnnotations();
        int before = UsageRules.level(a);
        int level = UsageRules.level(now.bytes(), capacity, settings.thresholds());
        String[] crossing = UsageRules.crossing(before, level, now.bytes(), capacity, now.files());
        if (crossing != null) {
            w.events().post(VolumeRecords.claimOf(v), Events.WARNING, crossing[0], crossing[1]);
        }
        if (level == before && !UsageRules.worthRecording(UsageRules.recorded(a), now)) return;
        var annotations = Map.of(UsageRules.ANN_USAGE, now.format(), UsageRules.ANN_LEVEL, String.valueOf(level));
        VolumeRecords.annotate(w.client(), v, annotations);
    }

    @Override
    public void close() {
        timer.shutdownNow();
        walkers.shutdownNow();
    }
}
