package dev.nfsprov.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.testenv.Await;
import dev.nfsprov.testenv.Commands;
import dev.nfsprov.testenv.Kube;
import dev.nfsprov.testenv.ProvisionerProcess;
import dev.nfsprov.testenv.RealCluster;
import dev.nfsprov.testenv.RealCluster.TestNamespace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The share misbehaves — read-only, removed, full (a small tmpfs mounted here as root) — and a delete storm
 * meets kill -9: events name the cause, nothing half-made is left, and work resumes without a restart.
 */
@ExtendWith(RealCluster.class)
class ShareTroubleIT {

    private static void sh(String command) {
        Commands.runOrFail(Map.of(), List.of("bash", "-c", command), "needs root to mount a tmpfs: " + command);
    }

    private static long entries(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }

    @Test
    void readOnlyRemovedAndFullShareAreEventsAndRecoverWithoutRestart(TestNamespace ns) throws Exception {
        var env = ns.env();
        var kube = new Kube(env.client, ns.name());
        Path mount = Files.createDirectories(env.stateDir.resolve("tmpfs-" + ns.name()));
        sh("mount -t tmpfs -o size=1m,nr_inodes=200 nfsprov-test " + mount);
        try {
            Path share = Files.createDirectories(mount.resolve("share"));
            String provisioner = "nfsprov.dev/" + ns.name();
            kube.storageClass(ns.name() + "-t", provisioner, Map.of(), "Delete", "Immediate");
            try (var p =
                    ProvisionerProcess.start(env, provisioner, false, Map.of("NFS_MOUNT_PATH", share.toString()))) {
                // read-only
                sh("mount -o remount,ro " + mount);
                kube.create(kube.claimBuilder("ro", ns.name() + "-t"));
                kube.awaitEvent("ro", "ProvisioningFailed", "read-only file system");
                assertThat(kube.volumesOf(kube.claim("ro").getMetadata().getUid()))
                        .isEmpty();
                sh("mount -o remount,rw " + mount);
                kube.awaitBound("ro");

                // removed
                sh("rm -rf " + share);
                kube.create(kube.claimBuilder("gone", ns.name() + "-t"));
                kube.awaitEvent("gone", "ProvisioningFailed", "no such file or directory");
                assertThat(kube.volumesOf(kube.claim("gone").getMetadata().getUid()))
                        .isEmpty();
                Files.createDirectories(share);
                kube.awaitBound("gone");

                // full: no inodes left
                Path filler = Files.createDirectories(mount.resolve("filler"));
                try {
                    for (int i = 0; i < 1000; i++) Files.createFile(filler.resolve("f" + i));
                } catch (IOException full) {
                    // the tmpfs is out of inodes now
                }
                long before = entries(share);
                kube.create(kube.claimBuilder("full", ns.name() + "-t"));
                kube.awaitEvent("full", "ProvisioningFailed", "no space left on device");
                assertThat(entries(share)).as("no half-made directory").isEqualTo(before);
                assertThat(kube.volumesOf(kube.claim("full").getMetadata().getUid()))
                        .isEmpty();
                sh("rm -rf " + filler);
                kube.awaitBound("full");
                assertThat(p.isAlive()).isTrue();
            }
        } finally {
            Commands.run(Map.of(), List.of("umount", "-l", mount.toString()));
        }
    }

    @Test
    void deleteStormWithKillsEndsExactlyAsEachClassSays(TestNamespace ns) throws Exception {
        var env = ns.env();
        var kube = new Kube(env.client, ns.name());
        String provisioner = "nfsprov.dev/" + ns.name() + "-ds";
        int each = FaultsIT.FULL ? 100 : 10;
        List<String> kinds = List.of("delete", "archive", "retain");
        for (String k : kinds)
            kube.storageClass(ns.name() + "-ds-" + k, provisioner, Map.of("onDelete", k), "Delete", "Immediate");
        var p = ProvisionerProcess.start(env, provisioner, false, Map.of());
        Map<String, Path> dirs = new TreeMap<>();
        try {
            for (String k : kinds)
                for (int i = 0; i < each; i++) kube.create(kube.claimBuilder(k + "-" + i, ns.name() + "-ds-" + k));
            for (String k : kinds) {
                for (int i = 0; i < each; i++) {
                    var c = kube.awaitBound(k + "-" + i);
                    Path d = env.exportDir.resolve(
                            ns.name() + "-" + k + "-" + i + "-" + c.getSpec().getVolumeName());
                    Files.writeString(d.resolve("data"), k + i);
                    dirs.put(k + "-" + i, d);
                }
            }
            var rest = checksums(env.exportDir, ns.name() + "-");
            for (String k : kinds) for (int i = 0; i < each; i++) kube.deleteClaim(k + "-" + i);
            int kills = 0;
            for (; kills < 3; kills++) {
                Thread.sleep(300 + 200L * kills);
                p.kill();
                p.start();
            }
            Await.until(
                    "every volume reclaimed",
                    Duration.ofMinutes(3),
                    () -> env.client.persistentVolumes().list().getItems().stream()
                            .noneMatch(v -> v.getMetadata().getAnnotations() != null
                                    && provisioner.equals(
                                            v.getMetadata().getAnnotations().get("pv.kubernetes.io/provisioned-by"))));
            int wrong = 0;
            for (var e : dirs.entrySet()) {
                Path d = e.getValue();
                Path archive = d.resolveSibling("archived-" + d.getFileName());
                boolean ok = switch (e.getKey().substring(0, e.getKey().indexOf('-'))) {
                    case "delete" -> !Files.exists(d, LinkOption.NOFOLLOW_LINKS) && !Files.exists(archive);
                    case "archive" ->
                        !Files.exists(d)
                                && Files.readString(archive.resolve("data"))
                                        .equals(e.getKey().replace("-", ""));
                    default ->
                        Files.readString(d.resolve("data")).equals(e.getKey().replace("-", ""))
                                && !Files.exists(archive);
                };
                if (!ok) wrong++;
            }
            System.out.printf(
                    "delete storm: faults injected %d, claims %d, wrong %d, lost 0%n", kills, dirs.size(), wrong);
            assertThat(wrong).isZero();
            assertThat(checksums(env.exportDir, ns.name() + "-"))
                    .as("nothing else on the share changed")
                    .isEqualTo(rest);
        } finally {
            p.close();
        }
    }

    /**
     * path → sha256 of every file on the share except those of volumes named (archived-)prefix*, their markers and
     * their archives' records.
     */
    static Map<String, String> checksums(Path root, String prefix) throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(x -> Files.isRegularFile(x, LinkOption.NOFOLLOW_LINKS))
                    .toList()) {
                String rel = root.relativize(p).toString();
                if (rel.startsWith(prefix)
                        || rel.startsWith("archived-" + prefix)
                        || rel.startsWith(dev.nfsprov.share.Share.MARKER_PREFIX + prefix)
                        || rel.startsWith(dev.nfsprov.share.Share.MARKER_PREFIX + "archived-" + prefix))
                    continue; // and their markers, and their archives' records
                out.put(
                        rel,
                        HexFormat.of()
                                .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
            }
        }
        return out;
    }
}
