package dev.nfsprov.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.testenv.Kube;
import dev.nfsprov.testenv.ProvisionerProcess;
import dev.nfsprov.testenv.RealCluster;
import dev.nfsprov.testenv.RealCluster.TestNamespace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A controller that dies between two steps is restarted and finishes the job: one volume, one directory. */
@ExtendWith(RealCluster.class)
class CrashRecoveryIT {

    private static long directoriesNamed(Path root, String part) throws IOException {
        try (Stream<Path> s = Files.list(root)) {
            // directories only: each volume also has its marker file beside it
            return s.filter(p -> p.getFileName().toString().contains(part)
                            && Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS))
                    .count();
        }
    }

    @Test
    void crashBetweenDirectoryAndVolumeLeavesExactlyOneOfEach(TestNamespace ns) throws Exception {
        var env = ns.env();
        var kube = new Kube(env.client, ns.name());
        String name = "nfsprov.dev/" + ns.name();
        kube.storageClass(ns.name() + "-crash", name, Map.of(), "Delete", "Immediate");

        try (var dying = ProvisionerProcess.start(env, name, true, Map.of("NFSPROV_FAULTS", "after-directory"))) {
            var claim = kube.create(kube.claimBuilder("survivor", ns.name() + "-crash"));
            assertThat(dying.waitFor()).as("halted at the fault point").isEqualTo(137);
            String uid = claim.getMetadata().getUid();
            assertThat(env.exportDir.resolve(ns.name() + "-survivor-pvc-" + uid))
                    .isDirectory();
            assertThat(kube.volumesOf(uid))
                    .as("no volume yet: it died before creating it")
                    .isEmpty();
        }
        try (var healthy = ProvisionerProcess.start(env, name, true, Map.of())) {
            var bound = kube.awaitBound("survivor");
            String uid = bound.getMetadata().getUid();
            assertThat(kube.volumesOf(uid)).hasSize(1);
            assertThat(directoriesNamed(env.exportDir, uid)).isEqualTo(1);
        }
    }

    @Test
    void crashAfterReclaimingFinishesOnRestart(TestNamespace ns) throws Exception {
        var env = ns.env();
        var kube = new Kube(env.client, ns.name());
        String name = "nfsprov.dev/" + ns.name() + "-r";
        kube.storageClass(ns.name() + "-crash-archive", name, Map.of(), "Delete", "Immediate");
        String pv;
        Path dir;
        try (var healthy = ProvisionerProcess.start(env, name, true, Map.of())) {
            kube.create(kube.claimBuilder("archived", ns.name() + "-crash-archive"));
            pv = kube.awaitBound("archived").getSpec().getVolumeName();
            dir = env.exportDir.resolve(ns.name() + "-archived-" + pv);
            Files.writeString(dir.resolve("data"), "keep");
        }
        try (var dying = ProvisionerProcess.start(env, name, true, Map.of("NFSPROV_FAULTS", "after-reclaim"))) {
            kube.deleteClaim("archived");
            assertThat(dying.waitFor()).isEqualTo(137);
            assertThat(kube.volume(pv)).as("finalizer still holds the volume").isNotNull();
        }
        try (var healthy = ProvisionerProcess.start(env, name, true, Map.of())) {
            kube.awaitVolumeGone(pv);
        }
        assertThat(dir.resolveSibling("archived-" + dir.getFileName()).resolve("data"))
                .hasContent("keep");
        assertThat(dir.resolveSibling("archived-" + dir.getFileName() + "-2"))
                .as("archived once, not twice")
                .doesNotExist();
        assertThat(dir).doesNotExist();
    }
}
