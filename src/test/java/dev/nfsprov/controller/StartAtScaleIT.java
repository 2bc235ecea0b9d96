package dev.nfsprov.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.testenv.Await;
import dev.nfsprov.testenv.Kube;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A cluster that already holds 10,000 claims and 10,000 volumes of another class (100 namespaces, a label and a
 * 1 KiB annotation on every claim): the controller, with the launcher's default JVM settings, starts, stays up and
 * provisions. It used to die at start-up with "Java heap space" while listing them. On a control plane of its own,
 * so that this load does not slow the other tests; the objects need not be bound.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StartAtScaleIT {

    static final int NAMESPACES = 100;
    /** 100 in CI (10,000 claims); the stress check runs it with -Dnfsprov.scale.perNamespace=500 (50,000). */
    static final int PER_NAMESPACE = Integer.getInteger("nfsprov.scale.perNamespace", 100);

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

    private static String peakRss(long pid) throws Exception {
        return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
                .filter(l -> l.startsWith("VmHWM:"))
                .map(l -> l.substring(6).strip())
                .findFirst()
                .orElse("?");
    }
}
