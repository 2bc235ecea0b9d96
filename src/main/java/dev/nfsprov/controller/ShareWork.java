package dev.nfsprov.controller;

import dev.nfsprov.provision.VolumeService.RejectedException;
import dev.nfsprov.share.Share;
import dev.nfsprov.share.ShareException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;

/**
 * Where work on the share runs, so that the share cannot take the controller with it. An NFS mount that stops
 * answering blocks a thread in the kernel for as long as it likes, and a tenant's volume may hold millions of
 * files: provisioning steps run with a deadline, deletes run on a small pool of their own (a reconcile thread only
 * starts one and looks again later), and a watchdog stats the share so that readiness says when it hangs.
 */
final class ShareWork implements AutoCloseable {

    /** How long one provisioning step on the share may take before the attempt fails (and is retried). */
    static final Duration STEP_DEADLINE = Duration.ofSeconds(30);
    /** The watchdog's period, and how long a stat may take before the share counts as not answering. */
    static final Duration WATCH_PERIOD = Duration.ofSeconds(10);
    /** How often the share's squashing is looked at again: an export's options change rarely. */
    static final Duration IDENTITY_PERIOD = Duration.ofMinutes(10);

    private static final Logger LOG = Logger.getLogger(ShareWork.class.getName());

    private final Path root;
    private final ExecutorService steps = Executors.newFixedThreadPool(
            8, Thread.ofPlatform().name("share-", 0).daemon().factory());
    private final ExecutorService deletes = Executors.newFixedThreadPool(
            2, Thread.ofPlatform().name("reclaim-", 0).daemon().factory());
    /** Clones: a copy takes as long as the tree does, so it runs as a delete does, on a small pool of its own. */
    private final ExecutorService copies = Executors.newFixedThreadPool(
            2, Thread.ofPlatform().name("clone-", 0).daemon().factory());

    private final ExecutorService stats = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("share-watch").daemon().factory());
    private final ScheduledExecutorService watch = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("share-watchdog").daemon().factory());
    private final Map<String, Future<?>> reclaims = new ConcurrentHashMap<>();
    private final Map<String, Future<?>> clones = new ConcurrentHashMap<>();
    private volatile long lastAnswer = System.nanoTime();
    /** What the share does to the controller's ids (root squash), probed at start and every IDENTITY_PERIOD. */
    private volatile Share.Identity identity;

    private volatile String identityProblem;

    private final Duration stepDeadline;
    private final Duration watchPeriod;

    ShareWork(Path root) {
        this(root, STEP_DEADLINE, WATCH_PERIOD);
    }

    ShareWork(Path root, Duration stepDeadline, Duration watchPeriod) {
        this.root = root;
        this.stepDeadline = stepDeadline;
        this.watchPeriod = watchPeriod;
    }

    /** Starts the watchdog: every period, a stat of the share's root that must answer within the period. */
    void startWatching() {
        watch.scheduleWithFixedDelay(
                () -> {
                    Future<?> stat = stats.submit(() -> Files.readAttributes(root, "unix:ino"));
                    try {
                        stat.get(watchPeriod.toMillis(), TimeUnit.MILLISECONDS);
                        lastAnswer = System.nanoTime();
                    } catch (TimeoutException | ExecutionException | RuntimeException hung) {
                        // not answering (or gone): readiness says so; the next tick tries again
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                0,
                watchPeriod.toMillis(),
                TimeUnit.MILLISECONDS);
        watch.scheduleWithFixedDelay(this::probeIdentity, 0, IDENTITY_PERIOD.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Probes what the share does to root (a directory made, looked at, removed) and says so once per change: in the
     * log, and on /readyz. Not a readiness failure: the controller still provisions, with modes only.
     */
    void probeIdentity() {
        Future<Share.Identity> probe = stats.submit(() -> new Share(root).probeIdentity());
        try {
            var now = probe.get(watchPeriod.toMillis(), TimeUnit.MILLISECONDS);
            String problem = now.problem();
            if (!java.util.Objects.equals(problem, identityProblem)) {
                if (problem != null) LOG.warning(problem);
                else if (identity != null) LOG.info("the share lets the controller set owners again");
            }
            identity = now;
            identityProblem = problem;
        } catch (TimeoutException | ExecutionException | RuntimeException e) {
            probe.cancel(true); // the watchdog reports a share that does not answer; the next period tries again
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Null when the share lets the controller set owners (or it is not known yet); else what it does instead. */
    String identityProblem() {
        return identityProblem;
    }

    /** Null while the share answers; else why not, for /readyz. */
    String problem() {
        long silentMillis = (System.nanoTime() - lastAnswer) / 1_000_000L;
        if (silentMillis <= 2 * watchPeriod.toMillis() + 5_000) return null;
        return "the share at " + root + " has not answered for " + silentMillis / 1000 + " s";
    }

    /** Work on the share, with the exceptions the reconcilers classify. */
    interface Call<T> {
        T call() throws RejectedException, ShareException;
    }

    /** Runs one provisioning step with {@link #STEP_DEADLINE}; a step past it fails the attempt (retried later). */
    <T> T step(String what, Call<T> work) throws RejectedException, ShareException {
        Future<T> f = steps.submit(work::call);
        try {
            return f.get(stepDeadline.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new ShareException(what + ": the share did not answer within " + stepDeadline.toMillis() / 1000.0
                    + " s (is the NFS server up?)");
        } catch (ExecutionException e) {
            throw unwrap(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ShareException(what + ": interrupted");
        }
    }

    private static ShareException unwrap(ExecutionException e) throws RejectedException {
        return switch (e.getCause()) {
            case RejectedException r -> throw r;
            case ShareException s -> s;
            case RuntimeException r -> throw r;
            case Error err -> throw err;
            default -> new ShareException(String.valueOf(e.getCause()));
        };
    }

    /**
     * The result of reclaiming the volume {@code key}: started on the delete pool the first time, empty while it runs,
     * then its outcome (or its failure) once, after which a new call starts it again.
     */
    <T> Optional<T> reclaim(String key, Call<T> work) throws RejectedException, ShareException {
        return background(reclaims, deletes, key, work);
    }

    /** The result of copying the volume {@code key} for a clone, as {@link #reclaim} runs a delete. */
    <T> Optional<T> copy(String key, Call<T> work) throws RejectedException, ShareException {
        return background(clones, copies, key, work);
    }

    /** Whether a copy for {@code key} was started and not yet asked for since it ended. */
    boolean copying(String key) {
        return clones.containsKey(key);
    }

    /** Whether no copy for {@code key} runs now; a finished one nobody asked for is forgotten. */
    boolean idle(String key) {
        Future<?> f = clones.get(key);
        if (f == null) return true;
        if (!f.isDone()) return false;
        clones.remove(key, f);
        return true;
    }

    /** Forgets a finished copy nobody will ask for (its claim is gone). */
    void forgetCopy(String key) {
        clones.remove(key);
    }

    private static <T> Optional<T> background(
            Map<String, Future<?>> running, ExecutorService pool, String key, Call<T> work)
            throws RejectedException, ShareException {
        @SuppressWarnings("unchecked")
        Future<T> f = (Future<T>) running.computeIfAbsent(key, k -> pool.submit(work::call));
        if (!f.isDone()) return Optional.empty();
        running.remove(key, f);
        try {
            return Optional.of(f.get());
        } catch (ExecutionException e) {
            throw unwrap(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ShareException("interrupted");
        }
    }

    @Override
    public void close() {
        watch.shutdownNow();
        stats.shutdownNow();
        steps.shutdownNow();
        deletes.shutdownNow();
        copies.shutdownNow();
    }
}
