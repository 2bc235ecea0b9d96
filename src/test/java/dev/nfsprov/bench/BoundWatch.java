package dev.nfsprov.bench;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Records, from a watch, the moment each of the benchmark's claims is first seen Bound (nanoTime), by name. */
final class BoundWatch implements AutoCloseable {
    /** The label every benchmark claim carries, with the test namespace's name as its value. */
    static final String LABEL = "bench.nfsprov.dev/run";

    final Map<String, Long> boundAt = new ConcurrentHashMap<>();
    private final SharedIndexInformer<PersistentVolumeClaim> informer;

    BoundWatch(KubernetesClient client, String run) {
        informer = client.persistentVolumeClaims()
                .inAnyNamespace()
                .withLabel(LABEL, run)
                .inform(new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(PersistentVolumeClaim c) {
                        seen(c);
                    }

                    @Override
                    public void onUpdate(PersistentVolumeClaim old, PersistentVolumeClaim c) {
                        seen(c);
                    }

                    @Override
                    public void onDelete(PersistentVolumeClaim c, boolean unknown) {}
                });
    }

    private void seen(PersistentVolumeClaim c) {
        if (c.getStatus() != null && "Bound".equals(c.getStatus().getPhase()))
            boundAt.putIfAbsent(c.getMetadata().getName(), System.nanoTime());
    }

    /** Waits until the named claim is Bound; returns when that was seen. */
    long await(String name, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Long t = boundAt.get(name);
            if (t != null) return t;
            Thread.sleep(2);
        }
        throw new AssertionError("claim " + name + " not Bound within " + timeout.toSeconds() + "s");
    }

    long count(String prefix) {
        return boundAt.keySet().stream().filter(k -> k.startsWith(prefix)).count();
    }

    @Override
    public void close() {
        informer.stop();
    }
}
