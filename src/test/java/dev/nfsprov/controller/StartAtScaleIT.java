package dev.nfsprov.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.testenv.Await;
import dev.nfsprov.testenv.ImageLayout;
import dev.nfsprov.testenv.Kube;
import dev.nfsprov.testenv.MemoryCgroup;
import dev.nfsprov.testenv.ProvisionerProcess;
import dev.nfsprov.testenv.TestEnvironment;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A cluster that already holds 10,000 claims and 10,000 volumes of another class (100 namespaces, a label and a
 * 1 KiB annotation on every claim): the controller, with the launcher's default JVM settings, starts, stays up and
 * provisions. It used to die at start-up with "Java heap space" while listing them. Then, as the chart runs it (the
 * image's launcher in a memory cgroup of the chart's limit), it makes 10,000 volumes of its own among them and restarts
 * with them, answering its liveness probe throughout. On a control plane of its own, so that this load does not slow
 * the other tests; the objects need not be bound.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StartAtScaleIT {

    static final int NAMESPACES = 100;
    /** 100 in CI (10,000 claims); the stress check runs it with -Dnfsprov.scale.perNamespace=500 (50,000). */
    static final int PER_NAMESPACE = Integer.getInteger("nfsprov.scale.perNamespace", 100);
    /** Volumes of its own in the chart's memory limit, whatever the number of others. */
    static final int OWN_VOLUMES = 10_000;

    /**
     * Room for the JVM's own file pages beside its anonymous memory: libjvm.so, the class-data archive's read-only part
     * and the runtime's modules, 9-28 MiB mapped and resident while this test's controller worked in a 256Mi cgroup.
     */
    private static final long FILE_PAGES = 32L << 20;

    private TestEnvironment env;

    @BeforeAll
    void createTheCluster() throws Exception {
        // kube-controller-manager posts an event for each of the 10,000 claims first: let it use the API faster than
        // its default.
        env = TestEnvironment.startSeparate("scale", Map.of("NFSPROV_KCM_QPS", "1000", "NFSPROV_KCM_BURST", "2000"));
        var client = env.client;
        // Another class: no provisioner, WaitForFirstConsumer, so kube-controller-manager leaves its claims alone.
        client.storage()
                .v1()
                .storageClasses()
                .resource(new StorageClassBuilder()
                        .withNewMetadata()
                        .withName("foreign")
                        .endMetadata()
                        .withProvisioner("kubernetes.io/no-provisioner")
                        .withVolumeBindingMode("WaitForFirstConsumer")
                        .build())
                .create();
        String bulky = "x".repeat(1024);
        try (var pool = Executors.newFixedThreadPool(16)) {
            var namespaces = IntStream.range(0, NAMESPACES)
                    .mapToObj(n -> pool.submit(() -> client.namespaces()
                            .resource(new NamespaceBuilder()
                                    .withNewMetadata()
                                    .withName("tenant-" + n)
                                    .endMetadata()
                                    .build())
                            .create()))
                    .toList();
            for (Future<?> f : namespaces) f.get();
            var created = IntStream.range(0, NAMESPACES * PER_NAMESPACE)
                    .mapToObj(i -> pool.submit(() -> {
                        String ns = "tenant-" + (i / PER_NAMESPACE);
                        client.persistentVolumeClaims()
                                .resource(new PersistentVolumeClaimBuilder()
                                        .withNewMetadata()
                                        .withNamespace(ns)
                                        .withName("claim-" + i)
                                        .withLabels(Map.of("app", "app-" + i))
                                        .withAnnotations(Map.of("example.com/notes", bulky))
                                        .endMetadata()
                                        .withNewSpec()
                                        .withAccessModes("ReadWriteOnce")
                                        .withStorageClassName("foreign")
                                        .withNewResources()
                                        .addToRequests("storage", new Quantity("1Gi"))
                                        .endResources()
                                        .endSpec()
                                        .build())
                                .create();
                        client.persistentVolumes()
                                .resource(new PersistentVolumeBuilder()
                                        .withNewMetadata()
                                        .withName("foreign-" + i)
                                        .endMetadata()
                                        .withNewSpec()
                                        .withStorageClassName("foreign-static")
                                        .withAccessModes("ReadWriteOnce")
                                        .withCapacity(Map.of("storage", new Quantity("1Gi")))
                                        .withPersistentVolumeReclaimPolicy("Retain")
                                        .withNewNfs()
                                        .withServer("nfs.example")
                                        .withPath("/foreign/" + i)
                                        .endNfs()
                                        .endSpec()
                                        .build())
                                .create();
                        return null;
                    }))
                    .toList();
            for (Future<?> f : created) f.get();
        }
        assertThat(client.persistentVolumeClaims().inAnyNamespace().list().getItems())
                .hasSize(NAMESPACES * PER_NAMESPACE);
    }

    @AfterAll
    void stop() {
        if (env != null) env.stop();
    }

    @Test
    @Order(1)
    void startsWithDefaultSettingsAndProvisions() throws Exception {
        var kube = new Kube(env.client, "tenant-0");
        kube.storageClass("nfs-scale", "nfsprov.dev/scale", Map.of(), "Delete", "Immediate");
        // No NFSPROV_JAVA_OPTS: the launcher's defaults, as the chart runs it.
        long started = System.nanoTime();
        try (var controller = ProvisionerProcess.start(env, "nfsprov.dev/scale", true, Map.of())) {
            double ready = (System.nanoTime() - started) / 1e9;
            // kube-controller-manager hands a claim over by annotating it; behind its first sync of 20,000 objects that
            // takes minutes here, so the test does its part (as others set the scheduler's selected-node), and holds
            // nfsprov to the volume it then makes.
            var ours = kube.create(kube.claimBuilder("ours", "nfs-scale")
                    .editMetadata()
                    .addToAnnotations(dev.nfsprov.protocol.Names.ANN_STORAGE_PROVISIONER, "nfsprov.dev/scale")
                    .endMetadata());
            Await.until(
                    "nfsprov's volume for tenant-0/ours",
                    Duration.ofSeconds(90),
                    () -> !kube.volumesOf(ours.getMetadata().getUid()).isEmpty());
            double made = (System.nanoTime() - started) / 1e9;
            Await.holdsFor("the controller stays up", Duration.ofSeconds(5), controller::isAlive);
            System.out.println("StartAtScaleIT: with " + NAMESPACES * PER_NAMESPACE
                    + " foreign claims and volumes: ready after %.1f s, peak RSS ".formatted(ready)
                    + peakRss(controller.pid()) + " (VmHWM), its volume made %.1f s after the start".formatted(made));
        }
    }

    /**
     * The chart's defaults: the image's launcher in a memory cgroup of the chart's limit with its heap share, as the
     * kubelet runs the Pod. 10,000 claims handed to it (annotated by the test, as in the test above), all provisioned;
     * then a restart among them and the 20,000 objects of others. Throughout, /healthz answers within the chart's
     * liveness probe, and what the kernel cannot drop (anonymous memory) leaves room in the limit for the JVM's file
     * pages: at 192Mi with half of it as heap that room was ~12 MiB, and a controller once stalled at ~9,300 volumes,
     * the kernel dropping and re-reading them, /healthz unanswered for minutes (docs/performance.md).
     */
    @Test
    @Order(2)
    void makesTenThousandVolumesWithinTheChartsMemoryLimit() throws Exception {
        Map<?, ?> values = io.fabric8.kubernetes.client.utils.Serialization.unmarshal(
                Files.readString(TestEnvironment.REPO.resolve("deploy/helm/nfsprov/values.yaml")), Map.class);
        String limit = (String) ((Map<?, ?>) ((Map<?, ?>) values.get("resources")).get("limits")).get("memory");
        long limitBytes = Quantity.getAmountInBytes(new Quantity(limit)).longValueExact();
        String heapPercent = String.valueOf(((Map<?, ?>) values.get("controller")).get("heapPercent"));
        var kube = new Kube(env.client, "tenant-0");
        kube.storageClass("nfs-own", "nfsprov.dev/own", Map.of(), "Delete", "Immediate");
        Path launcher = ImageLayout.get().resolve("bin/nfsprov");
        MemoryCgroup.evictFromPageCache(launcher.getParent().getParent());
        try (var cgroup = MemoryCgroup.create(limitBytes);
                var controller = ProvisionerProcess.start(
                        env, launcher, "nfsprov.dev/own", true, Map.of("NFSPROV_HEAP_PERCENT", heapPercent), cgroup);
                var liveness = new Liveness(controller, cgroup)) {
            try (var pool = Executors.newFixedThreadPool(16)) {
                var created = IntStream.range(0, OWN_VOLUMES)
                        .mapToObj(i -> pool.submit(() -> {
                            var tenant = new Kube(env.client, "tenant-" + (i % NAMESPACES));
                            return tenant.create(ownClaim(tenant, "own-" + i));
                        }))
                        .toList();
                for (Future<?> f : created) f.get();
            }
            long start = System.nanoTime();
            Await.until(
                    OWN_VOLUMES + " volumes made (log: target/testenv)",
                    Duration.ofMinutes(15),
                    () -> liveness.answering() && provisioned(controller) >= OWN_VOLUMES);
            double seconds = (System.nanoTime() - start) / 1e9;
            long ours = env.client.persistentVolumes().list().getItems().stream()
                    .filter(pv -> "nfsprov.dev/own"
                            .equals(pv.getMetadata().getAnnotations().get("pv.kubernetes.io/provisioned-by")))
                    .count();
            assertThat(ours).as("its PersistentVolumes").isEqualTo(OWN_VOLUMES);

            controller.terminate();
            long restart = System.nanoTime();
            controller.start();
            double ready = (System.nanoTime() - restart) / 1e9;
            var after = kube.create(ownClaim(kube, "own-after-restart"));
            Await.until(
                    "a volume for a claim after the restart",
                    Duration.ofSeconds(90),
                    () -> !kube.volumesOf(after.getMetadata().getUid()).isEmpty());
            assertThat(cgroup.oomKills())
                    .as("processes the kernel killed for memory")
                    .isZero();
            assertThat(liveness.peakAnonymous())
                    .as(
                            "anonymous memory at its highest, in a limit of %s that must leave %d MiB for file pages",
                            limit, FILE_PAGES >> 20)
                    .isLessThanOrEqualTo(limitBytes - FILE_PAGES);
            assertThat(liveness.longestSilence())
                    .as(
                            "the longest time /healthz went unanswered within %s (the kubelet restarts the Pod at %s)",
                            Liveness.PROBE_TIMEOUT, Liveness.RESTART_AFTER)
                    .isLessThan(Liveness.RESTART_AFTER);
            System.out.println("StartAtScaleIT: in a " + limit + " memory cgroup, heap " + heapPercent + " %: "
                    + OWN_VOLUMES
                    + " volumes made in %.1f s, restarted among them ready in %.1f s, ".formatted(seconds, ready)
                    + "peak anonymous memory " + (liveness.peakAnonymous() >> 20) + " MiB, longest silence of /healthz "
                    + liveness.longestSilence().toMillis() + " ms");
        }
    }

    /** A claim of the class "nfs-own", handed to its provisioner. */
    private static io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder ownClaim(Kube tenant, String name) {
        return tenant.claimBuilder(name, "nfs-own")
                .editMetadata()
                .addToAnnotations(dev.nfsprov.protocol.Names.ANN_STORAGE_PROVISIONER, "nfsprov.dev/own")
                .endMetadata();
    }

    /** Claims this process has provisioned, from its own counter. */
    private static long provisioned(ProvisionerProcess controller) {
        return controller
                .get("/metrics")
                .body()
                .lines()
                .filter(l -> l.startsWith("controller_persistentvolumeclaim_provision_total"))
                .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    /**
     * The kubelet's view of the controller: /healthz asked every second with the chart's probe timeout (Kubernetes'
     * default, 1 s), the longest time without an answer in time, and the cgroup's anonymous memory at its highest.
     */
    static final class Liveness implements AutoCloseable {
        static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);
        /** The chart's periodSeconds (10) times Kubernetes' default failureThreshold (3). */
        static final Duration RESTART_AFTER = Duration.ofSeconds(30);

        private final java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        private final Thread thread;
        private volatile long peakAnonymous;
        private volatile long longestSilenceNanos;

        Liveness(ProvisionerProcess controller, MemoryCgroup cgroup) {
            thread = Thread.ofPlatform().daemon().start(() -> {
                long lastAnswer = System.nanoTime();
                while (!Thread.currentThread().isInterrupted()) {
                    long asked = System.nanoTime();
                    if (answers(controller)) lastAnswer = System.nanoTime();
                    longestSilenceNanos = Math.max(longestSilenceNanos, System.nanoTime() - lastAnswer);
                    peakAnonymous = Math.max(peakAnonymous, cgroup.anonymousBytes());
                    long rest = 1_000_000_000L - (System.nanoTime() - asked);
                    if (rest > 0) java.util.concurrent.locks.LockSupport.parkNanos(rest);
                }
            });
        }

        private boolean answers(ProvisionerProcess controller) {
            try {
                var request = java.net.http.HttpRequest.newBuilder(controller.uri("/healthz"))
                        .timeout(PROBE_TIMEOUT)
                        .build();
                return http.send(request, java.net.http.HttpResponse.BodyHandlers.discarding())
                                .statusCode()
                        == 200;
            } catch (java.io.IOException e) {
                return false; // not answered in time, or not listening while it restarts
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        /** True; fails the test at once when the kubelet would have restarted the controller by now. */
        boolean answering() {
            if (longestSilence().compareTo(RESTART_AFTER) >= 0)
                throw new AssertionError("/healthz unanswered within " + PROBE_TIMEOUT + " for "
                        + longestSilence().toSeconds() + " s: the kubelet would have restarted the controller");
            return true;
        }

        Duration longestSilence() {
            return Duration.ofNanos(longestSilenceNanos);
        }

        long peakAnonymous() {
            return peakAnonymous;
        }

        @Override
        public void close() throws InterruptedException {
            thread.interrupt();
            thread.join(); // no sample of a cgroup being removed
            http.close();
        }
    }

    private static String peakRss(long pid) throws Exception {
        return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
                .filter(l -> l.startsWith("VmHWM:"))
                .map(l -> l.substring(6).strip())
                .findFirst()
                .orElse("?");
    }
}
