package dev.nfsprov.controller;

import dev.nfsprov.protocol.ApiErrors;
import dev.nfsprov.protocol.Names;
import dev.nfsprov.provision.Capacity;
import dev.nfsprov.provision.ShareCatalog;
import dev.nfsprov.provision.ShareMount;
import dev.nfsprov.provision.VolumeService;
import dev.nfsprov.share.Share;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Lister;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.processing.event.rate.RateLimiter;
import io.javaoperatorsdk.operator.processing.retry.GenericRetry;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/** Wires the reconcilers, the StorageClass cache, leader election and the probe/metrics server together. */
public final class ProvisionerApp implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ProvisionerApp.class.getName());
    /** Volumes per page of an informer's initial list: bounds the memory a list of 10,000 volumes takes at once. */
    static final long LIST_PAGE = 250;
    /**
     * Claims and Pods per page: tenants write them, with up to 256 KiB of annotations each, so a page of 250 could be
     * 62 MB, parsed whole (a restart among 400 such claims never got ready in a 96 MiB heap); 100 such are 26 MB. Among
     * 20,000 claims that costs ~0.7 s of start-up, pages of 50 ~2.9 s (docs/performance.md). Objects of 1.5 MiB
     * (thousands of labels) no page size short of a few makes safe: docs/reliability.md.
     */
    static final long TENANT_LIST_PAGE = 100;

    private final ProvisionerSettings settings;
    private final KubernetesClient client;
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private SharedIndexInformer<StorageClass> storageClassInformer;
    private Operator operator;
    private Events events;
    private final Map<String, ShareWork> works = new LinkedHashMap<>();
    private ProbeServer probes;
    private UsageScanner usage;
    private SnapshotSweep snapshotSweep;
    private volatile boolean closing;

    public ProvisionerApp(ProvisionerSettings settings, KubernetesClient client) {
        this.settings = settings;
        this.client = client;
    }

    public void start() throws IOException {
        var entries = new ArrayList<ShareCatalog.Entry>();
        for (ShareMount m : settings.shares()) {
            entries.add(new ShareCatalog.Entry(
                    m, new VolumeService(new Share(m.mountPath()), m.location(), settings.directoryDefaults())));
            var work = new ShareWork(m.mountPath());
            works.put(m.name(), work);
            work.startWatching();
        }
        var shares = new ShareCatalog(entries);
        var metrics = new ProvisionMetrics(registry);
        events = new Events(client, "nfsprov/" + settings.provisionerName(), settings.identity());
        storageClassInformer = client.storage().v1().storageClasses().runnableInformer(0);
        storageClassInformer
                .start()
                .toCompletableFuture()
                .orTimeout(60, TimeUnit.SECONDS)
                .join();
        Lister<StorageClass> classes = new Lister<>(storageClassInformer.getIndexer());

        operator = new Operator(o -> {
            o.withKubernetesClient(client)
                    .withCloseClientOnStop(false)
                    .withConcurrentReconciliationThreads(settings.workers())
                    .withReconciliationTerminationTimeout(Duration.ofSeconds(3))
                    .withUseSSAToPatchPrimaryResource(false);
            if (settings.leaderElection()) {
                o.withLeaderElectionConfiguration(new LeaderElectionConfiguration(
                        Names.leaseName(settings.provisionerName()),
                        settings.leaseNamespace(),
                        LeaderElectionConfiguration.LEASE_DURATION_DEFAULT_VALUE,
                        LeaderElectionConfiguration.RENEW_DEADLINE_DEFAULT_VALUE,
                        LeaderElectionConfiguration.RETRY_PERIOD_DEFAULT_VALUE,
                        settings.identity(),
                        new LeaderCallbacks(this::startLeading, this::lostLease, leader -> {}),
                        false));
            }
        });
        var wiring = new Wiring(
                settings.provisionerName(),
                shares,
                Map.copyOf(works),
                classes,
                client,
                events,
                metrics,
                new ProvisionedBytes(name -> policed(classes, name)));
        usage = new UsageScanner(
                wiring,
                new UsageMetrics(registry),
                settings.usage(),
                new ShareStatus(client, settings.leaseNamespace(), settings.provisionerName()));
        var claims = new ClaimReconciler(wiring);
        operator.register(
                claims,
                c -> watched(
                        c.withName("claims").withGenerationAware(false).withRetry(retry()),
                        TENANT_LIST_PAGE,
                        claims::wanted,
                        ClaimReconciler::fit,
                        claim -> ClaimReconciler.stub(claim, settings.provisionerName())));
        var pvs = new VolumeReconciler(wiring, settings.leaseNamespace());
        operator.register(
                pvs,
                c -> watched(
                        c.withName("volumes")
                                .withGenerationAware(false)
                                .withRetry(retry())
                                .withFinalizer(Names.FINALIZER),
                        LIST_PAGE,
                        pvs::ours,
                        v -> {},
                        v -> VolumeReconciler.stub(v, shares)));
        if (snapshotsInstalled()) {
            var snapshots = new SnapshotReconciler(wiring);
            operator.register(
                    snapshots,
                    c -> watched(
                            // generation-aware: its own status patches must not start another copy (a refused
                            // copy retried on each of them ran in a loop); spec changes and timers do
                            c.withName("snapshots").withGenerationAware(true).withRetry(retry()),
                            TENANT_LIST_PAGE,
                            s -> true,
                            SnapshotReconciler::fit,
                            s -> null));
            snapshotSweep = new SnapshotSweep(wiring, snapshots, registry);
        }
        probes = ProbeServer.start(
                settings.metricsAddress(),
                settings.probeAddress(),
                registry,
                () -> {
                    var info = operator.getRuntimeInfo();
                    return info.isStarted()
                            && info.allEventSourcesAreHealthy()
                            && works.values().stream().allMatch(wk -> wk.problem() == null);
                },
                () -> problems(ShareWork::identityProblem));
        operator.start();
        pvs.started();
        if (!settings.leaderElection()) {
            usage.start();
            if (snapshotSweep != null) snapshotSweep.start();
        }
        LOG.info(() -> "nfsprov controller started: provisioner " + settings.provisionerName() + ", "
                + settings.shares().stream()
                        .map(m -> "share " + m.name() + " " + m.where() + " mounted at " + m.mountPath())
                        .collect(Collectors.joining(", "))
                + (settings.leaderElection()
                        ? ", leader election on Lease " + settings.leaseNamespace() + "/"
                                + Names.leaseName(settings.provisionerName())
                        : ""));
    }

    /** Each share's problem of one kind, named when there are several; null when none has one. */
    private String problems(java.util.function.Function<ShareWork, String> problem) {
        var out = new ArrayList<String>();
        works.forEach((name, work) -> {
            String p = problem.apply(work);
            if (p != null) out.add(works.size() == 1 ? p : "share " + name + ": " + p);
        });
        return out.isEmpty() ? null : String.join("; ", out);
    }

    /** Work only the leader does besides reconciling: measuring the volumes. */
    private void startLeading() {
        if (usage != null) usage.start();
        if (snapshotSweep != null) snapshotSweep.start();
    }

    /**
     * Whether the ClaimSnapshot CRD is installed (the chart installs it; a kustomize or hand-made install may lack it):
     * asked by discovery, which every client may read. Without it the controller provisions as ever and says once that
     * snapshots are off, instead of failing to start on an informer for a kind the API server does not serve.
     */
    private boolean snapshotsInstalled() {
        try {
            if (client.supports(dev.nfsprov.api.ClaimSnapshot.class)) return true;
        } catch (RuntimeException e) {
            LOG.warning("cannot tell whether the ClaimSnapshot CRD is installed (" + ApiErrors.describeAny(e)
                    + "); snapshots are off until the controller restarts");
            return false;
        }
        LOG.warning("the ClaimSnapshot CRD (claimsnapshots.nfsprov.dev) is not installed: snapshots are off; install"
                + " it (the chart does) and restart the controller");
        return false;
    }

    /**
     * Another replica may own the Lease now, so this one must stop working at once; the Pod is restarted and
     * becomes a standby. JOSDK's own exit-on-stop calls System.exit inside the shutdown hook and deadlocks on
     * SIGTERM, hence this callback, which does nothing when we are the ones shutting down.
     */
    private void lostLease() {
        if (closing) return;
        LOG.severe("lost the leader Lease; exiting so that only the new leader works");
        Thread.ofPlatform().start(() -> System.exit(1));
    }

    /**
     * How both kinds are watched. Initial lists come in pages; this provisioner's objects are cached in full, others
     * not (TrimmedItemStore). Adds and updates are filtered, deletes never: JOSDK forgets a resource only on its
     * delete event, so a claim deleted once Bound (no longer wanted) was remembered for good and a tenant creating and
     * deleting claims in a loop grew the heap (ChurnIT). No periodic re-reconcile: each left a cancelled timer task
     * in JOSDK's queue for its whole interval (10 h); every wait in the reconcilers is an explicit rescheduleAfter.
     */
    private static <R extends HasMetadata> ControllerConfigurationOverrider<R> watched(
            ControllerConfigurationOverrider<R> c,
            long page,
            Predicate<R> ours,
            Consumer<R> fit,
            UnaryOperator<R> stub) {
        return c.withItemStore(new TrimmedItemStore<>(ours, fit, stub))
                .withInformerListLimit(page)
                .withReconciliationMaxInterval(null)
                .withRateLimiter(NO_RATE_LIMIT)
                .withOnAddFilter(ours::test)
                .withOnUpdateFilter((now, before) -> ours.test(now));
    }

    /**
     * No rate limit, as JOSDK's default (a deactivated LinearRateLimiter), but without the state that one keeps for
     * each claim and volume (a RateState and its LocalDateTime: ~130 bytes each, docs/performance.md).
     */
    private static final RateLimiter<RateLimiter.RateLimitState> NO_RATE_LIMIT = new RateLimiter<>() {
        private final RateLimiter.RateLimitState none = new RateLimiter.RateLimitState() {};

        @Override
        public Optional<Duration> isLimited(RateLimiter.RateLimitState state) {
            return Optional.empty();
        }

        @Override
        public RateLimiter.RateLimitState initState() {
            return none;
        }
    };

    /** Backoff from 1 s doubling to 5 min, for as long as it takes: a claim is never given up on. */
    /** Whether the class of this name says capacityPolicy: provisioned: its volumes share their share's budget. */
    private static boolean policed(Lister<StorageClass> classes, String name) {
        if (name == null || name.isEmpty()) return false;
        var c = classes.get(name);
        try {
            return c != null && Capacity.policy(c.getParameters()) == Capacity.Policy.PROVISIONED;
        } catch (dev.nfsprov.provision.VolumeService.RejectedException e) {
            return false;
        }
    }

    private static GenericRetry retry() {
        return new GenericRetry()
                .setInitialInterval(1000)
                .setIntervalMultiplier(2)
                .setMaxInterval(300_000)
                .withoutMaxAttempts();
    }

    @Override
    public void close() {
        closing = true;
        if (operator != null) operator.stop();
        if (storageClassInformer != null) storageClassInformer.stop();
        if (events != null) events.close();
        works.values().forEach(ShareWork::close);
        if (usage != null) usage.close();
        if (snapshotSweep != null) snapshotSweep.close();
        if (probes != null) probes.close();
        if (operator != null && settings.leaderElection()) releaseLease();
    }

    /**
     * Hands the Lease back on a clean stop, as client-go's ReleaseOnCancel does (JOSDK does not): a replacement
     * Pod then leads at once instead of waiting out the 15 s lease. Only if this process still holds it.
     */
    private void releaseLease() {
        try {
            var lease = client.leases()
                    .inNamespace(settings.leaseNamespace())
                    .withName(Names.leaseName(settings.provisionerName()));
            var current = lease.get();
            if (current == null
                    || current.getSpec() == null
                    || !settings.identity().equals(current.getSpec().getHolderIdentity())) return;
            lease.edit(l -> {
                l.getSpec().setHolderIdentity("");
                l.getSpec().setLeaseDurationSeconds(1);
                return l;
            });
            LOG.info("Lease released");
        } catch (RuntimeException e) {
            LOG.warning("could not release the Lease (the next leader waits for it to expire): "
                    + ApiErrors.describeAny(e));
        }
    }
}
