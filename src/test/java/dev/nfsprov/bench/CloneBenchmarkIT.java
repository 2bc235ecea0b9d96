package dev.nfsprov.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.testenv.Commands;
import dev.nfsprov.testenv.Kube;
import dev.nfsprov.testenv.ProvisionerProcess;
import dev.nfsprov.testenv.RealCluster;
import dev.nfsprov.testenv.RealCluster.TestNamespace;
import dev.nfsprov.testenv.TestEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A clone's copy against {@code cp -a} of the same tree on the same mount (the floor, run in the same minute, both
 * with warm caches): large files, then many small ones. The copy's time is the controller's own (the Cloned Event's
 * "in N s"), cp's the wall time of the process. Nothing is asserted about time; the copy must hold what the source
 * holds. Small by default (CI smoke); scripts/bench --clone runs 1,000 files of 1 MiB and 100,000 small files.
 */
@ExtendWith(RealCluster.class)
class CloneBenchmarkIT {

    static final int LARGE = Integer.getInteger("bench.cloneLarge", 20);
    static final int SMALL = Integer.getInteger("bench.cloneSmall", 2000);
    private static final Pattern COPY_SECONDS = Pattern.compile(" in ([0-9.]+) s");

    @Test
    void aCloneAgainstCpA(TestNamespace ns) throws Exception {
        var env = ns.env();
        var kube = new Kube(env.client, ns.name());
        String provisioner = "nfsprov.dev/" + ns.name();
        String cls = ns.name() + "-bench";
        kube.storageClass(cls, provisioner, Map.of(), "Delete", "Immediate");
        var table = new StringBuilder("| tree | cp -a (warm) | cp keeping what nfsprov keeps (warm) | nfsprov's copy"
                + " | ratio |\n| --- | --- | --- | --- | --- |\n");
        try (var controller = ProvisionerProcess.start(env, provisioner, false, Map.of())) {
            byte[] mib = new byte[1 << 20];
            new java.util.Random(1).nextBytes(mib);
            byte[] small = new byte[100];
            for (var shape : List.of(
                    new Shape("large", LARGE + " files of 1 MiB", LARGE, mib),
                    new Shape("small", SMALL + " files of 100 bytes, 100 to a directory", SMALL, small))) {
                kube.create(kube.claimBuilder(shape.name, cls));
                String pv = kube.awaitBound(shape.name).getSpec().getVolumeName();
                Path src = env.exportDir.resolve(ns.name() + "-" + shape.name + "-" + pv);
                for (int i = 0; i < shape.files; i++) {
                    Path sub = src.resolve("d" + i / 100);
                    if (i % 100 == 0) Files.createDirectory(sub);
                    Files.write(sub.resolve("f" + i), shape.content);
                }
                Path floor = env.exportDir.resolve(ns.name() + "-" + shape.name + "-cp");
                // cp -a also sets each file's ACL (an extended attribute, even where the mode says it all), which
                // nfsprov does not copy; the second floor keeps exactly what nfsprov keeps.
                double cpSeconds = timed(List.of("cp", "-a", src.toString(), floor.toString()), floor);
                double sameSeconds = timed(
                        List.of(
                                "cp",
                                "-dR",
                                "--preserve=mode,ownership,timestamps,links",
                                src.toString(),
                                floor.toString()),
                        floor);

                String clone = shape.name + "-clone";
                sync(); // the copies before left dirty pages: writing them back is not this copy's cost
                kube.create(kube.claimBuilder(clone, cls)
                        .editSpec()
                        .withNewDataSource()
                        .withKind("PersistentVolumeClaim")
                        .withName(shape.name)
                        .endDataSource()
                        .endSpec());
                String clonePv = kube.awaitBound(clone, java.time.Duration.ofMinutes(30))
                        .getSpec()
                        .getVolumeName();
                var cloned = kube.awaitEvent(clone, "Cloned", "copied claim");
                var m = COPY_SECONDS.matcher(cloned.getMessage());
                assertThat(m.find()).as(cloned.getMessage()).isTrue();
                double copySeconds = Double.parseDouble(m.group(1));
                assertThat(cloned.getMessage()).contains(shape.files + " files");
                Path copy = env.exportDir.resolve(ns.name() + "-" + clone + "-" + clonePv);
                assertThat(dev.nfsprov.testenv.Trees.describe(copy)).isEqualTo(dev.nfsprov.testenv.Trees.describe(src));
                table.append("| %s | %.3f s | %.3f s | %.3f s | %.2f × cp -a, %.2f × the second |\n"
                        .formatted(
                                shape.label,
                                cpSeconds,
                                sameSeconds,
                                copySeconds,
                                copySeconds / cpSeconds,
                                copySeconds / sameSeconds));
            }
        }
        System.out.println(table);
        Path out = TestEnvironment.REPO.resolve("target/bench/clone.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, table.toString());
    }

    /** The command's wall time, its second run (the first warms the caches, as the controller finds them). */
    private static double timed(List<String> cp, Path floor) {
        Commands.runOrFail(Map.of(), cp, "cp failed");
        Commands.runOrFail(Map.of(), List.of("rm", "-rf", floor.toString()), "rm failed");
        sync();
        long start = System.nanoTime();
        Commands.runOrFail(Map.of(), cp, "cp failed");
        double seconds = (System.nanoTime() - start) / 1e9;
        Commands.runOrFail(Map.of(), List.of("rm", "-rf", floor.toString()), "rm failed");
        return seconds;
    }

    private static void sync() {
        Commands.runOrFail(Map.of(), List.of("sync"), "sync failed");
    }

    private record Shape(String name, String label, int files, byte[] content) {}
}
