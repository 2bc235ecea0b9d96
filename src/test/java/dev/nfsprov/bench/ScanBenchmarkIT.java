package dev.nfsprov.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.testenv.Await;
import dev.nfsprov.testenv.Commands;
import dev.nfsprov.testenv.Kube;
import dev.nfsprov.testenv.ProvisionerProcess;
import dev.nfsprov.testenv.RealCluster;
import dev.nfsprov.testenv.RealCluster.TestNamespace;
import dev.nfsprov.testenv.TestEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The cost of measuring usage: one full pass over V volumes holding F files in all, against du -s over the same
 * directories (the floor, run in the same minute, both with warm caches), the controller's CPU and RSS growth while it
 * scans, and provisioning latency while a pass runs against the same controller idle. Nothing is asserted about time
 * (machines are noisy); the pass must agree with du to the byte. Small by default (CI smoke); scripts/bench --scan
 * runs 1,000 volumes and 1,000,000 files.
 */
@ExtendWith(RealCluster.class)
class ScanBenchmarkIT {

    static final int VOLUMES = Integer.getInteger("bench.scanVolumes", 20);
    static final int FILES = Integer.getInteger("bench.scanFiles", 4000);
    static final int LATENCY = Integer.getInteger("bench.scanLatency", 5);

    private static double metric(ProvisionerProcess p, String name) {
        var m = Pattern.compile("(?m)^" + name + " (\\S+)")
                .matcher(p.get("/metrics").body());
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    @Test
    void aFullPassAgainstDu(TestNamespace ns) throws Exception {
        var env = ns.env();
        var kube = new Kube(env.client, ns.name());
        String provisioner = "nfsprov.dev/" + ns.name();
        String run = ns.name();
        kube.storageClass(ns.name() + "-scan", provisioner, Map.of(), "Delete", "Immediate");
        List<Path> dirs = new ArrayList<>();
        try (var watch = new BoundWatch(env.client, run);
                var maker = ProvisionerProcess.start(
                        env, provisioner, true, Map.of("POD_NAMESPACE", ns.name()), "--usage-scan-interval", "0")) {
            for (int i = 0; i < VOLUMES; i++)
                kube.create(kube.claimBuilder("v" + i, ns.name() + "-scan")
                        .editMetadata()
                        .addToLabels(BoundWatch.LABEL, run)
                        .endMetadata());
            for (int i = 0; i < VOLUMES; i++) watch.await("v" + i, Duration.ofSeconds(300));
            for (int i = 0; i < VOLUMES; i++) {
                var pv = kube.volume(kube.claim("v" + i).getSpec().getVolumeName());
                dirs.add(env.exportDir.resolve(pv.getSpec().getNfs().getPath().substring(env.nfsPath.length() + 1)));
            }
        }
        // F files over the volumes, 100 to a sub-directory, 100 bytes each (what a tenant's many small files cost)
        long fillStart = System.nanoTime();
        byte[] content = new byte[100];
        int perVolume = FILES / VOLUMES;
        for (Path d : dirs) {
            for (int f = 0; f < perVolume; f++) {
                Path sub = d.resolve("d" + f / 100);
                if (f % 100 == 0) Files.createDirectory(sub);
                Files.write(sub.resolve("f" + f), content);
            }
        }
        double fillSeconds = (System.nanoTime() - fillStart) / 1e9;

        var du = new ArrayList<>(List.of("du", "-s", "--block-size=1", "-c"));
        dirs.forEach(d -> du.add(d.toString()));
        Commands.runOrFail(Map.of(), du, "du failed"); // warms the caches, as the controller's pass will find them
        long duStart = System.nanoTime();
        String duOut = Commands.runOrFail(Map.of(), du, "du failed");
        double duSeconds = (System.nanoTime() - duStart) / 1e9;
        long duTotal = Long.parseLong(
                duOut.strip().lines().reduce((a, b) -> b).orElseThrow().split("\\s+")[0]);

        // 1. The pass's cost: no rate limit, measured against du.
        double passSeconds;
        double steadySeconds;
        double cpu;
        long baselineKib;
        long peak;
        try (var p = scanner(env, ns, provisioner, "0", "2s")) {
            baselineKib = BenchmarkIT.kib(p.pid(), "VmRSS");
            double cpuBefore = BenchmarkIT.cpuSeconds(p.pid());
            var peakKib = new AtomicLong(baselineKib);
            var sampler = Thread.ofVirtual().start(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    try {
                        peakKib.accumulateAndGet(BenchmarkIT.kib(p.pid(), "VmRSS"), Math::max);
                        Thread.sleep(50);
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            Await.until("a full pass", Duration.ofMinutes(30), () -> metric(p, "nfsprov_usage_scans_total") >= 1);
            // The first pass writes every volume's usage on its PV (an API call each); the next finds nothing
            // changed and only walks, as every pass after it until the data changes.
            passSeconds = metric(p, "nfsprov_usage_scan_duration_seconds");
            cpu = BenchmarkIT.cpuSeconds(p.pid()) - cpuBefore;
            sampler.interrupt();
            peak = peakKib.get();
            Await.until("a second pass", Duration.ofMinutes(30), () -> metric(p, "nfsprov_usage_scans_total") >= 2);
            steadySeconds = metric(p, "nfsprov_usage_scan_duration_seconds");
            long used = Pattern.compile("(?m)^nfsprov_volume_used_bytes\\{namespace=\"" + ns.name()
                            + "\",persistentvolume=\"[^\"]+\",persistentvolumeclaim=\"v\\d+\",[^}]*} (\\S+)")
                    .matcher(p.get("/metrics").body())
                    .results()
                    .mapToLong(m -> (long) Double.parseDouble(m.group(1)))
                    .sum();
            assertThat(used).as("the pass agrees with du").isEqualTo(duTotal);
        }
        // 2. Provisioning while a pass runs at the default rate, against the same controller once it is done.
        List<Long> during = new ArrayList<>();
        List<Long> idle = new ArrayList<>();
        try (var watch = new BoundWatch(env.client, run);
                var p = scanner(env, ns, provisioner, "5000", "1h")) {
            // sampled once the pass is well under way (past the JIT's first compilations), not at its first entry
            Await.until(
                    "the pass well under way",
                    Duration.ofMinutes(5),
                    () -> metric(p, "nfsprov_usage_scan_entries_total") >= Math.min(50_000, FILES / 4)
                            || metric(p, "nfsprov_usage_scans_total") > 0);
            for (int i = 0; i < LATENCY && metric(p, "nfsprov_usage_scans_total") == 0; i++)
                during.add(latency(kube, watch, run, "during-" + i));
            Await.until("a full pass", Duration.ofMinutes(30), () -> metric(p, "nfsprov_usage_scans_total") >= 1);
            for (int i = 0; i < LATENCY; i++) idle.add(latency(kube, watch, run, "idle-" + i));
        }

        String row = ("| %d | %d | %.1f s | %.2f s | %.2f s (%.2f × du) | %.2f s (%.2f × du) | %.1f s |"
                        + " %d MiB → %d MiB (+%d) | p50 %s ms (%d claims) | p50 %s ms |")
                .formatted(
                        VOLUMES,
                        FILES,
                        fillSeconds,
                        duSeconds,
                        passSeconds,
                        passSeconds / duSeconds,
                        steadySeconds,
                        steadySeconds / duSeconds,
                        cpu,
                        baselineKib / 1024,
                        peak / 1024,
                        (peak - baselineKib) / 1024,
                        p50(during),
                        during.size(),
                        p50(idle));
        String table = "| volumes | files | fill | du -s (warm) | first pass (records written), no rate limit"
                + " | next pass (nothing changed) | first pass CPU | RSS during it"
                + " | claim → Bound during a pass at 5000/s | after it |\n"
                + "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n" + row + "\n";
        System.out.println(table);
        Path out = TestEnvironment.REPO.resolve("target/bench/scan.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, table);
    }

    /** A controller whose first pass starts (at most) 10 s after it leads, then every interval; ready when returned. */
    private static ProvisionerProcess scanner(
            TestEnvironment env, TestNamespace ns, String provisioner, String rate, String interval) {
        var p = ProvisionerProcess.start(
                env,
                provisioner,
                true,
                Map.of("POD_NAMESPACE", ns.name()),
                "--usage-scan-interval",
                interval,
                "--usage-scan-rate",
                rate);
        Await.until("ready", Duration.ofSeconds(60), () -> p.get("/readyz").statusCode() == 200);
        return p;
    }

    private static long latency(Kube kube, BoundWatch watch, String run, String name) throws Exception {
        long start = System.nanoTime();
        kube.create(kube.claimBuilder(name, run + "-scan")
                .editMetadata()
                .addToLabels(BoundWatch.LABEL, run)
                .endMetadata());
        return (watch.await(name, Duration.ofSeconds(60)) - start) / 1_000_000;
    }

    private static String p50(List<Long> ms) {
        if (ms.isEmpty()) return "-";
        var sorted = ms.stream().sorted().toList();
        return String.valueOf(sorted.get(sorted.size() / 2));
    }
}
