package dev.nfsprov.restore;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.testenv.Await;
import dev.nfsprov.testenv.Kube;
import dev.nfsprov.testenv.ProvisionerProcess;
import dev.nfsprov.testenv.RealCluster;
import dev.nfsprov.testenv.RealCluster.TestNamespace;
import dev.nfsprov.testenv.TestEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** archiveMaxBytes on the real control plane: the leader deletes the class's oldest archives, and only those. */
@ExtendWith(RealCluster.class)
class RetentionIT {

    @Test
    void theOldestArchivesOfTheClassGoAndNothingElse(TestNamespace namespace) throws Exception {
        TestEnvironment env = namespace.env();
        String ns = namespace.name();
        var kube = new Kube(env.client, ns);
        String name = "nfsprov.dev/" + ns;
        kube.storageClass(ns + "-kept", name, Map.of("archiveMaxBytes", "40Ki"), "Delete", "Immediate");
        kube.storageClass(ns + "-other", name, Map.of(), "Delete", "Immediate");
        Path manual = Files.createDirectories(env.exportDir.resolve("archived-" + ns + "-by-hand"));
        Files.write(manual.resolve("f"), new byte[100_000]);
        try (var p = ProvisionerProcess.start(env, name, true, Map.of(), "--usage-scan-interval", "1s")) {
            Path first = archive(env, kube, ns, "first", ns + "-kept");
            Path second = archive(env, kube, ns, "second", ns + "-kept");
            Path other = archive(env, kube, ns, "other", ns + "-other");
            // each archive holds 30 KB and its directory: two do not fit in 40Ki, one does
            Await.until("the oldest archive deleted", Duration.ofSeconds(60), () -> !Files.exists(first));
            Await.until(
                    "a log line for it",
                    Duration.ofSeconds(10),
                    () -> p.log().contains("archive deleted")
                            && p.log().contains(first.getFileName().toString()));
            assertThat(second).isDirectory();
            assertThat(other).as("another class's archive").isDirectory();
            assertThat(manual).as("an archive of unknown origin").isDirectory();
            assertThat(first.resolveSibling(".nfsprov." + first.getFileName()))
                    .as("its record")
                    .doesNotExist();
            assertThat(p.get("/metrics").body())
                    .contains("nfsprov_archives_deleted_total{storageclass=\"" + ns + "-kept\"} 1.0");
        }
    }

    private static Path archive(TestEnvironment env, Kube kube, String ns, String claim, String className)
            throws Exception {
        kube.create(kube.claimBuilder(claim, className));
        var bound = kube.awaitBound(claim);
        String pv = bound.getSpec().getVolumeName();
        Path dir = env.exportDir.resolve(ns + "-" + claim + "-" + pv);
        Files.write(dir.resolve("data"), new byte[30_000]);
        kube.deleteClaim(claim);
        kube.awaitVolumeGone(pv);
        Path archive = dir.resolveSibling("archived-" + dir.getFileName());
        assertThat(archive).isDirectory();
        return archive;
    }
}
