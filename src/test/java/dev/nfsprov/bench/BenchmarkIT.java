package dev.nfsprov.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.testenv.ImageLayout;
import dev.nfsprov.testenv.Kube;
import dev.nfsprov.testenv.ProvisionerProcess;
import dev.nfsprov.testenv.RealCluster;
import dev.nfsprov.testenv.RealCluster.TestNamespace;
import dev.nfsprov.testenv.TestEnvironment;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Provisioning throughput, latency and footprint, each beside the floor measured in the same run: the same
 * claims bound to pre-made, pre-bound PersistentVolumes by kube-controller-manager alone. No thresholds are
 * asserted (machines are noisy); only that every claim bound. Small by default (CI smoke);
 * scripts/bench runs the full size: -Dbench.claims=1000 -Dbench.latency=200.
 */
@ExtendWith(RealCluster.class)
class BenchmarkIT {

    static final int CLAIMS = Integer.getInteger("bench.claims", 100);
    static final int LATENCY = Integer.getInteger("bench.latency", 30);
    static final String OTHER_CMD = System.getProperty("bench.provisionerCmd", "");
    /** Claims spread over this many namespaces; and objects of another class (claims and volumes) made first. */
    static final int NAMESPACES = Integer.getInteger("bench.namespaces", 1);

    static final int FOREIGN = Integer.getInteger("bench.foreign", 0);
    static final boolean DELETE_STORM = !"false".equals(System.getProperty("bench.deleteStorm"));
    static final int CREATORS = 16;
    static final Duration WAIT = Duration.ofMinutes(15);

    /** Seconds until every claim of a burst was Bound, and kube-controller-manager's writes meanwhile per claim. */
    record Burst(double seconds, double controllerManagerWritesPerClaim) {}

    record Side(
            String name,
            Burst burst,
            List<Double> latenciesMs,
            List<long[]> curve,
            Footprint footprint,
            Lifecycle lifecycle) {}

    record Footprint(double readySeconds, double peakRssMiB, double restRssMiB, double cpuSeconds) {}

    /**
     * A controller restarted with every claim of the burst Bound (ready, and a new claim Bound), then all the
     * burst's claims deleted at once: seconds until every one of their volumes is gone, and how many were archived.
     */
    record Lifecycle(double restartReadySeconds, double restartFirstBoundSeconds, double deleteSeconds, int archived) {}

    @Test
    void provisioningAgainstTheBindingFloor(TestNamespace ns) throws Exception {
        var env = ns.env();
        var client = env.client;
        var kube = new Claims(client, ns.name());
        List<Side> sides = new ArrayList<>();
        foreignObjects(client, kube);
        try (var watch = new BoundWatch(client, ns.name())) {
            String floorClass = ns.name() + "-floor";
            kube.storageClass(floorClass, "kubernetes.io/no-provisioner", Map.of(), "Delete", "Immediate");
            preBoundVolumes(client, kube, floorClass, "floor-", CLAIMS);
            preBoundVolumes(client, kube, floorClass, "lat-floor-", LATENCY);
            sides.add(new Side(
                    "floor (static PV binding)",
                    burst(env, kube, watch, "floor-", floorClass),
                    latency(kube, watch, "lat-floor-", floorClass),
                    curve(watch, "floor-"),
                    null,
                    null));

            sides.add(provisionerSide(env, kube, watch, "nfsprov", null));
            if (!OTHER_CMD.isBlank()) sides.add(provisionerSide(env, kube, watch, "other", OTHER_CMD));
        }
        String scale = NAMESPACES == 1 && FOREIGN == 0
                ? ""
                : String.format(
                        " over %d namespaces, beside %d claims and %d volumes of another class",
                        NAMESPACES, FOREIGN, FOREIGN);
        Report.write(sides, CLAIMS, LATENCY, scale, TestEnvironment.REPO.resolve("target/bench"));
        // binding a claim to a pre-bound volume takes kube-controller-manager at least 3 writes (the claim's volume
        // name, its phase, the volume's phase): fewer means its metrics were misread
        assertThat(sides.getFirst().burst().controllerManagerWritesPerClaim())
                .as("kube-controller-manager's writes per claim of the floor")
                .isGreaterThanOrEqualTo(3);
        for (Side s : sides) {
            assertThat(s.curve()).as(s.name() + ": every claim bound").hasSize(CLAIMS);
            if (s.lifecycle() != null && !Double.isNaN(s.lifecycle().deleteSeconds()))
                assertThat(s.lifecycle().archived())
                        .as(s.name() + ": every deleted claim archived")
                        .isEqualTo(CLAIMS);
        }
    }

    private Side provisionerSide(TestEnvironment env, Claims kube, BoundWatch watch, String label, String command)
            throws Exception {
        String provisioner = "bench.nfsprov.dev/" + label + "-" + System.nanoTime();
        String cls = "bench-" + label + "-" + Math.abs(provisioner.hashCode());
        kube.storageClass(cls, provisioner, Map.of("archiveOnDelete", "true"), "Delete", "Immediate");
        Path launcher = command == null ? ImageLayout.get().resolve("bin/nfsprov") : null;
        long start = System.nanoTime();
        Footprint footprint;
        Lifecycle lifecycle = null;
        Burst burst;
        List<Double> latencies;
        if (command == null) {
            // As the image runs it: its launcher, jlinked runtime and class-data archive (a checkout's first run
            // has no archive yet, and holds ~5 MiB more of class metadata).
            try (var p = ProvisionerProcess.start(env, launcher, provisioner, true, Map.of())) {
                double ready = (System.nanoTime() - start) / 1e9;
                burst = burst(env, kube, watch, label + "-", cls);
                latencies = latency(kube, watch, "lat-" + label + "-", cls);
                Thread.sleep(3000); // "at rest": the moment after the work, not a synchronisation
                footprint = new Footprint(
                        ready, kib(p.pid(), "VmHWM") / 1024.0, kib(p.pid(), "VmRSS") / 1024.0, cpuSeconds(p.pid()));
                p.terminate();
                long restart = System.nanoTime();
                p.start(); // returns once /readyz answers
                double restartReady = (System.nanoTime() - restart) / 1e9;
                kube.create(0, "restart-" + label, cls);
                double firstBound = (watch.await("restart-" + label, WAIT) - restart) / 1e9;
                lifecycle = DELETE_STORM
                        ? deleteStorm(env, kube, label + "-", restartReady, firstBound)
                        : new Lifecycle(restartReady, firstBound, Double.NaN, 0);
            }
        } else {
            var pb = new ProcessBuilder("bash", "-c", command)
                    .redirectErrorStream(true)
                    .redirectOutput(
                            env.stateDir.resolve("other-provisioner.log").toFile());
            pb.environment()
                    .putAll(Map.of(
                            "NFS_SERVER",
                            "127.0.0.1",
                            "NFS_PATH",
                            env.nfsPath,
                            "PROVISIONER_NAME",
                            provisioner,
                            "KUBECONFIG",
                            env.kubeconfig.toString(),
                            "NFS_MOUNT_PATH",
                            env.exportDir.toString()));
            Process p = pb.start();
            try {
                burst = burst(env, kube, watch, label + "-", cls);
                latencies = latency(kube, watch, "lat-" + label + "-", cls);
                footprint = new Footprint(
                        Double.NaN,
                        kib(p.pid(), "VmHWM") / 1024.0,
                        kib(p.pid(), "VmRSS") / 1024.0,
                        cpuSeconds(p.pid()));
                if (DELETE_STORM) lifecycle = deleteStorm(env, kube, label + "-", Double.NaN, Double.NaN);
            } finally {
                p.destroy();
            }
        }
        return new Side(label, burst, latencies, curve(watch, label + "-"), footprint, lifecycle);
    }

    /** Every claim of the burst deleted at once; seconds until all their volumes are gone. */
    private static Lifecycle deleteStorm(
            TestEnvironment env, Claims kube, String prefix, double restartReady, double firstBound) throws Exception {
        List<String> volumes = new ArrayList<>();
        for (int i = 0; i < CLAIMS; i++)
            volumes.add(kube.at(i).claim(prefix + i).getSpec().getVolumeName());
        long start = System.nanoTime();
        inParallel(CLAIMS, n -> kube.at(n).deleteClaim(prefix + n));
        var remaining = new java.util.HashSet<>(volumes);
        dev.nfsprov.testenv.Await.until("every volume of the burst gone", WAIT, () -> {
            var left = new java.util.HashSet<String>();
            for (var pv : env.client.persistentVolumes().list().getItems())
                left.add(pv.getMetadata().getName());
            remaining.retainAll(left);
            return remaining.isEmpty();
        });
        double seconds = (System.nanoTime() - start) / 1e9;
        int archived = 0;
        try (var entries = Files.list(env.exportDir)) {
            for (var e : entries.toList()) {
                String name = e.getFileName().toString();
                if (name.startsWith("archived-") && volumes.stream().anyMatch(name::endsWith)) archived++;
            }
        }
        return new Lifecycle(restartReady, firstBound, seconds, archived);
    }

    private static void preBoundVolumes(KubernetesClient client, Claims kube, String cls, String prefix, int n) {
        for (int i = 0; i < n; i++) {
            client.persistentVolumes()
                    .resource(new PersistentVolumeBuilder()
                            .withNewMetadata()
                            .withName(kube.base + "-" + prefix + i)
                            .endMetadata()
                            .withNewSpec()
                            .addToCapacity("storage", new Quantity("1Gi"))
                            .withAccessModes("ReadWriteOnce")
                            .withStorageClassName(cls)
                            .withPersistentVolumeReclaimPolicy("Retain")
                            .withNewNfs()
                            .withServer("127.0.0.1")
                            .withPath("/nfsprov/floor")
                            .endNfs()
                            .withNewClaimRef()
                            .withNamespace(kube.namespace(prefix.startsWith("lat-") ? 0 : i))
                            .withName(prefix + i)
                            .endClaimRef()
                            .endSpec()
                            .build())
                    .create();
        }
    }

    /**
     * Claims and volumes of a class no provisioner serves, made before anything is measured, as in a cluster where
     * nfsprov is one provisioner among others: a label and a 1 KiB annotation on each claim.
     */
    private static void foreignObjects(KubernetesClient client, Claims kube) throws Exception {
        if (FOREIGN == 0) return;
        String cls = kube.base + "-foreign";
        new Kube(client, kube.base).storageClass(cls, "example.com/not-nfsprov", Map.of(), "Delete", "Immediate");
        String note = "x".repeat(1024);
        inParallel(FOREIGN, n -> {
            client.persistentVolumeClaims()
                    .resource(kube.at(n)
                            .claimBuilder("foreign-" + n, cls)
                            .editMetadata()
                            .addToLabels("team", "t" + (n % 10))
                            .addToAnnotations("example.com/note", note)
                            .endMetadata()
                            .build())
                    .create();
            client.persistentVolumes()
                    .resource(new PersistentVolumeBuilder()
                            .withNewMetadata()
                            .withName(kube.base + "-foreign-" + n)
                            .addToAnnotations("example.com/note", note)
                            .endMetadata()
                            .withNewSpec()
                            .addToCapacity("storage", new Quantity("1Gi"))
                            .withAccessModes("ReadWriteOnce")
                            .withStorageClassName(cls)
                            .withPersistentVolumeReclaimPolicy("Retain")
                            .withNewNfs()
                            .withServer("192.0.2.1")
                            .withPath("/elsewhere/" + n)
                            .endNfs()
                            .endSpec()
                            .build())
                    .create();
        });
        // kube-controller-manager binds each foreign claim to a foreign volume (or, without one, annotates it for its
        // absent provisioner): its backlog is not counted against whichever side runs first
        dev.nfsprov.testenv.Await.until(
                "kube-controller-manager has seen every foreign claim",
                WAIT,
                () -> client.persistentVolumeClaims().inAnyNamespace().list().getItems().stream()
                        .filter(c -> cls.equals(c.getSpec().getStorageClassName()))
                        .allMatch(c -> (c.getStatus() != null
                                        && "Bound".equals(c.getStatus().getPhase()))
                                || (c.getMetadata().getAnnotations() != null
                                        && c.getMetadata()
                                                .getAnnotations()
                                                .containsKey(dev.nfsprov.protocol.Names.ANN_STORAGE_PROVISIONER))));
    }

    /** work(0) ... work(count - 1) on CREATORS threads, all started at once; rethrows the first failure. */
    private static void inParallel(int count, java.util.function.IntConsumer work) throws Exception {
        try (ExecutorService pool = Executors.newFixedThreadPool(CREATORS)) {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int n = i;
                done.add(pool.submit(() -> work.accept(n)));
            }
            for (Future<?> f : done) f.get();
        }
    }

    /** The bench's claims, spread over NAMESPACES namespaces by index, each labelled for the BoundWatch. */
    static final class Claims {
        final String base;
        private final List<Kube> kubes = new ArrayList<>();

        Claims(KubernetesClient client, String base) {
            this.base = base;
            for (int i = 0; i < NAMESPACES; i++) {
                String name = NAMESPACES == 1 ? base : base + "-" + i;
                if (NAMESPACES > 1) {
                    client.namespaces()
                            .resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder()
                                    .withNewMetadata()
                                    .withName(name)
                                    .endMetadata()
                                    .build())
                            .serverSideApply();
                }
                kubes.add(new LabelledKube(client, name, base));
            }
        }

        String namespace(int i) {
            return NAMESPACES == 1 ? base : base + "-" + (i % NAMESPACES);
        }

        Kube at(int i) {
            return kubes.get(i % NAMESPACES);
        }

        void create(int i, String name, String cls) {
            at(i).create(at(i).claimBuilder(name, cls));
        }

        /** StorageClasses are cluster-wide: any namespace's Kube makes them. */
        void storageClass(String name, String provisioner, Map<String, String> parameters, String policy, String mode) {
            kubes.getFirst().storageClass(name, provisioner, parameters, policy, mode);
        }
    }

    /** A Kube whose claims carry the label the BoundWatch selects on. */
    static final class LabelledKube extends Kube {
        private final String label;

        LabelledKube(KubernetesClient client, String namespace, String label) {
            super(client, namespace);
            this.label = label;
        }

        @Override
        public io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder claimBuilder(String name, String cls) {
            return super.claimBuilder(name, cls)
                    .editMetadata()
                    .addToLabels(BoundWatch.LABEL, label)
                    .endMetadata();
        }
    }

    /** All claims created at once by CREATORS threads; seconds from the first create to the last Bound. */
    private static Burst burst(TestEnvironment env, Claims kube, BoundWatch watch, String prefix, String cls)
            throws Exception {
        long writes = ControllerManagerWrites.count(env);
        long start = System.nanoTime();
        inParallel(CLAIMS, n -> kube.create(n, prefix + n, cls));
        long last = 0;
        for (int i = 0; i < CLAIMS; i++) last = Math.max(last, watch.await(prefix + i, WAIT));
        watch.boundAt.put("start:" + prefix, start);
        return new Burst((last - start) / 1e9, (ControllerManagerWrites.count(env) - writes) / (double) CLAIMS);
    }

    /** One claim at a time: create, wait for Bound, next. */
    private static List<Double> latency(Claims kube, BoundWatch watch, String prefix, String cls) throws Exception {
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < LATENCY; i++) {
            long t0 = System.nanoTime();
            kube.create(0, prefix + i, cls);
            ms.add((watch.await(prefix + i, WAIT) - t0) / 1e6);
        }
        return ms;
    }

    /** (milliseconds since the burst started, claims bound so far) for the plot. */
    private static List<long[]> curve(BoundWatch watch, String prefix) {
        long start = watch.boundAt.get("start:" + prefix);
        List<Long> times = watch.boundAt.entrySet().stream()
                .filter(e -> e.getKey().startsWith(prefix)
                        && e.getKey().substring(prefix.length()).matches("\\d+"))
                .map(e -> (e.getValue() - start) / 1_000_000)
                .sorted()
                .toList();
        List<long[]> out = new ArrayList<>();
        for (int i = 0; i < times.size(); i++) out.add(new long[] {times.get(i), i + 1});
        return out;
    }

    static long kib(long pid, String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith(field + ":")) return Long.parseLong(line.replaceAll("\\D", ""));
        }
        return -1;
    }

    static double cpuSeconds(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0; // utime + stime, in clock ticks (USER_HZ = 100)
    }
}
