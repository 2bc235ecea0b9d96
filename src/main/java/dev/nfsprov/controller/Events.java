package dev.nfsprov.controller;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Posts core/v1 Events on claims and volumes, off the reconcile thread: an event is for people, so a slow or
 * failing API call for one never delays provisioning. When the queue is full, events are dropped (and logged); each
 * namespace may hold at most {@link #PER_NAMESPACE} of the queue, so that one tenant's thousands of refused claims
 * never make another tenant's Events drop.
 */
final class Events implements AutoCloseable {

    static final String NORMAL = "Normal";
    static final String WARNING = "Warning";
    private static final Logger LOG = Logger.getLogger(Events.class.getName());

    static final int QUEUE = 10_000;
    static final int PER_NAMESPACE = 500;

    private final KubernetesClient client;
    private final String component;
    private final String instance;
    private final Shares queued = new Shares(PER_NAMESPACE);
    private final java.util.concurrent.atomic.AtomicLong dropped = new java.util.concurrent.atomic.AtomicLong();
    private volatile long lastDropLog;
    private final ThreadPoolExecutor executor = new ThreadPoolExecutor(
            2,
            2,
            0,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(QUEUE),
            Thread.ofPlatform().name("events-", 0).daemon().factory(),
            new ThreadPoolExecutor.AbortPolicy());

    Events(KubernetesClient client, String component, String instance) {
        this.client = client;
        this.component = component;
        this.instance = instance;
    }

    void post(HasMetadata about, String type, String reason, String message) {
        String namespace = about.getMetadata().getNamespace() == null
                ? "default"
                : about.getMetadata().getNamespace();
        String now = Instant.now().toString();
        var event = new EventBuilder()
                .withNewMetadata()
                .withGenerateName(about.getMetadata().getName() + ".")
                .withNamespace(namespace)
                .endMetadata()
                .withInvolvedObject(new ObjectReferenceBuilder()
                        .withApiVersion(about.getApiVersion())
                        .withKind(about.getKind())
                        .withNamespace(about.getMetadata().getNamespace())
                        .withName(about.getMetadata().getName())
                        .withUid(about.getMetadata().getUid())
                        .withResourceVersion(about.getMetadata().getResourceVersion())
                        .build())
                .withType(type)
                .withReason(reason)
                .withMessage(printable(message))
                .withNewSource()
                .withComponent(component)
                .endSource()
                .withReportingComponent(component)
                .withReportingInstance(instance)
                .withFirstTimestamp(now)
                .withLastTimestamp(now)
                .withCount(1)
                .build();
        if (!queued.take(namespace)) {
            dropped(namespace);
            return;
        }
        try {
            executor.execute(() -> {
                try {
                    client.v1().events().inNamespace(namespace).resource(event).create();
                } catch (KubernetesClientException e) {
                    LOG.warning("could not post event " + reason + " on " + about.getKind() + " "
                            + about.getMetadata().getName() + ": " + e.getMessage());
                } finally {
                    queued.release(namespace);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException full) {
            queued.release(namespace);
            dropped(namespace);
        }
    }

    /** One log line a minute at most, however many are dropped: the log must not become the next flood. */
    private void dropped(String namespace) {
        long n = dropped.incrementAndGet();
        long now = System.nanoTime();
        if (now - lastDropLog > 60_000_000_000L || lastDropLog == 0) {
            lastDropLog = now;
            LOG.warning(
                    "event queue full (for namespace " + namespace + ", or in all): " + n + " event(s) dropped so far");
        }
    }

    /** How much of the queue each namespace holds, at most {@code max} each; a namespace at 0 is forgotten. */
    static final class Shares {
        private final int max;
        private final java.util.Map<String, Integer> held = new java.util.HashMap<>();

        Shares(int max) {
            this.max = max;
        }

        synchronized boolean take(String namespace) {
            int n = held.getOrDefault(namespace, 0);
            if (n >= max) return false;
            held.put(namespace, n + 1);
            return true;
        }

        synchronized void release(String namespace) {
            held.computeIfPresent(namespace, (k, n) -> n <= 1 ? null : n - 1);
        }

        synchronized int namespaces() {
            return held.size();
        }
    }

    @Override
    public void close() {
        executor.shutdown();
        try {
            executor.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Control characters from tenant-chosen values (names, annotations) shown as escapes, not sent to terminals. */
    static String printable(String message) {
        var b = new StringBuilder(message.length());
        message.codePoints().forEach(c -> {
            if (Character.isISOControl(c) || c == 0x2028 || c == 0x2029 || Character.getType(c) == Character.FORMAT) {
                b.append(String.format("\\u%04x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return b.length() > 1024 ? b.substring(0, 1021) + "..." : b.toString();
    }
}
