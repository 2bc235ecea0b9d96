package dev.nfsprov.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.testenv.Commands;
import dev.nfsprov.testenv.ImageLayout;
import dev.nfsprov.testenv.Kube;
import dev.nfsprov.testenv.MemoryCgroup;
import dev.nfsprov.testenv.ProvisionerProcess;
import dev.nfsprov.testenv.RealCluster;
import dev.nfsprov.testenv.RealCluster.TestNamespace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The controller as the image runs it starts from the class-data archive built into the layout: nothing written at
 * start or exit (the image's /tmp may be read-only or fresh in every Pod), and the archive current enough that the
 * classes a working controller loads come from it (else scripts/record-classlist has to be run again).
 */
@ExtendWith(RealCluster.class)
class ImageLayoutIT {

    /** Below this share of the application's classes from the archive, the class list is out of date. */
    private static final double FROM_ARCHIVE = 0.9;

    @Test
    void theControllerStartsFromTheArchiveShippedInTheLayout(TestNamespace ns) throws Exception {
        Path layout = ImageLayout.get();
        Path archive = layout.resolve("lib/nfsprov.jsa");
        assertThat(archive).as("the layout's class-data archive").isRegularFile();
        Path tmp = Files.createTempDirectory("nfsprov-image-tmp");
        Path classes = ns.env().stateDir.resolve("image-classes-" + ns.name() + ".log");
        String provisioner = "nfsprov.dev/" + ns.name();
        var kube = new Kube(ns.env().client, ns.name());
        kube.storageClass(ns.name(), provisioner, Map.of("archiveOnDelete", "true"), "Delete", "Immediate");

        long start = System.nanoTime();
        try (var p = ProvisionerProcess.start(
                ns.env(),
                layout.resolve("bin/nfsprov"),
                provisioner,
                true,
                Map.of(
                        "POD_NAMESPACE", ns.name(),
                        "TMPDIR", tmp.toString(),
                        "NFSPROV_JAVA_OPTS", "-Xlog:class+load=info:file=" + classes))) {
            System.out.printf("image layout: /readyz after %.2f s%n", (System.nanoTime() - start) / 1e9);
            kube.create(kube.claimBuilder("data", ns.name()));
            String volume = kube.awaitBound("data").getSpec().getVolumeName();
            kube.deleteClaim("data");
            kube.awaitVolumeGone(volume);

            assertThat(Files.readString(Path.of("/proc/" + p.pid() + "/maps")))
                    .as("the controller maps the layout's archive")
                    .contains(archive.toString());
            p.terminate();
        }
        try (var left = Files.list(tmp)) {
            assertThat(left.toList()).as("written to TMPDIR").isEmpty();
        }

        List<String> application = Files.readAllLines(classes).stream()
                .filter(l -> l.matches(".*\\] (dev\\.nfsprov|io\\.fabric8|io\\.javaoperatorsdk|com\\.fasterxml)\\..*"))
                .filter(l -> !l.contains("$$Lambda") && !l.contains("LambdaForm"))
                .toList();
        long shared = application.stream()
                .filter(l -> l.endsWith("source: shared objects file"))
                .count();
        double share = (double) shared / application.size();
        System.out.printf("image layout: %d of %d application classes from the archive%n", shared, application.size());
        assertThat(share)
                .as(
                        "share of the controller's classes loaded from lib/nfsprov.jsa (%d of %d): if low, the class list "
                                + "is out of date; run scripts/record-classlist",
                        shared, application.size())
                .isGreaterThanOrEqualTo(FROM_ARCHIVE);
        // Java 5 class files, which no archive holds as picocli ships them: build-image-layout rewrites them.
        assertThat(Files.readAllLines(classes).stream().filter(l -> l.contains("] picocli.")))
                .as("picocli's classes, loaded from the archive")
                .isNotEmpty()
                .allSatisfy(l -> assertThat(l).endsWith("source: shared objects file"));
    }

    /**
     * Under a memory limit the launcher gives the heap NFSPROV_HEAP_PERCENT of it (default 40), read from its own
     * cgroup; without one, 96 MiB; a share that is not a whole number from 10 to 90 is refused in one line.
     */
    @Test
    void theHeapIsTheGivenShareOfTheMemoryLimit() {
        String launcher = ImageLayout.get().resolve("bin/nfsprov").toString();
        var flags = Map.of("NFSPROV_JAVA_OPTS", "-XX:+PrintFlagsFinal");
        try (var cgroup = MemoryCgroup.create(256L << 20)) {
            assertThat(maxHeapMiB(Commands.run(flags, cgroup.wrap(List.of(launcher, "--version")))))
                    .as("the heap in a 256 MiB cgroup, default share")
                    .isEqualTo(102);
            var half = Map.of("NFSPROV_JAVA_OPTS", "-XX:+PrintFlagsFinal", "NFSPROV_HEAP_PERCENT", "50");
            assertThat(maxHeapMiB(Commands.run(half, cgroup.wrap(List.of(launcher, "--version")))))
                    .as("the heap in a 256 MiB cgroup, NFSPROV_HEAP_PERCENT=50")
                    .isEqualTo(128);
        }
        try (var unlimited = MemoryCgroup.create(-1)) {
            assertThat(maxHeapMiB(Commands.run(flags, unlimited.wrap(List.of(launcher, "--version")))))
                    .as("the heap without a memory limit")
                    .isEqualTo(96);
        }
        var bad = Commands.run(Map.of("NFSPROV_HEAP_PERCENT", "95"), List.of(launcher, "--version"));
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.stderr().strip())
                .isEqualTo("nfsprov: NFSPROV_HEAP_PERCENT must be a whole number from 10 to 90, not \"95\"");
    }

    /**
     * Issue 30: run outside the image (a systemd unit, cron) without a UTF-8 locale, the JVM encoded file names as
     * ASCII: a name that is not ASCII came out as '?'. The launcher sets C.UTF-8 when the locale is not UTF-8.
     */
    @Test
    void fileNamesAreUtf8WhateverTheCallersLocale() {
        String launcher = ImageLayout.get().resolve("bin/nfsprov").toString();
        var noLocale =
                Map.of("LANG", "", "LC_ALL", "", "LC_CTYPE", "", "NFSPROV_JAVA_OPTS", "-XshowSettings:properties");
        var run = Commands.run(noLocale, List.of(launcher, "--version"));
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        assertThat(run.stderr()).contains("sun.jnu.encoding = UTF-8");
    }

    private static long maxHeapMiB(Commands.Result run) {
        assertThat(run.exitCode()).as("nfsprov --version: " + run.stderr()).isZero();
        return run.stdout()
                .lines()
                .filter(l -> l.matches("\\s*size_t MaxHeapSize .*"))
                .mapToLong(l -> Long.parseLong(l.split("=")[1].strip().split(" ")[0]) >> 20)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no MaxHeapSize in:\n" + run.stdout()));
    }
}
