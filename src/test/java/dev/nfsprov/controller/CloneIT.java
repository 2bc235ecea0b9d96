package dev.nfsprov.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.testenv.Await;
import dev.nfsprov.testenv.Commands;
import dev.nfsprov.testenv.Kube;
import dev.nfsprov.testenv.ProvisionerProcess;
import dev.nfsprov.testenv.RealCluster;
import dev.nfsprov.testenv.RealCluster.TestNamespace;
import dev.nfsprov.testenv.Trees;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Clones (issue 34): a claim whose dataSource names a claim of its namespace gets a copy of that claim's tree, made
 * by the controller through its mount, bound only once the copy is complete; refused, with an Event, for anything
 * else. Runs against the real control plane and the test NFS server's export.
 */
@ExtendWith(RealCluster.class)
class CloneIT {

    private static PersistentVolumeClaimBuilder cloneOf(Kube kube, String name, String cls, String source) {
        return kube.claimBuilder(name, cls)
                .editSpec()
                .withNewDataSource()
                .withKind("PersistentVolumeClaim")
                .withName(source)
                .endDataSource()
                .endSpec();
    }

    /** A tree with what tenants write: nested directories, owners and modes, a hard link, a link out, a fifo. */
    private static void writeTree(Path dir) throws Exception {
        Files.createDirectories(dir.resolve("data/db"));
        Files.writeString(dir.resolve("data/db/rows"), "row 1\nrow 2\n");
        Files.createLink(dir.resolve("data/db/rows.hardlink"), dir.resolve("data/db/rows"));
        byte[] big = new byte[3 << 20];
        new java.util.Random(7).nextBytes(big);
        Files.write(dir.resolve("data/blob"), big);
        Files.createSymbolicLink(dir.resolve("data/escape"), Path.of("/etc"));
        Files.setPosixFilePermissions(
                dir.resolve("data/db"), java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        Files.setAttribute(dir.resolve("data/db"), "unix:uid", 999, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(dir.resolve("data/db/rows"), "unix:gid", 999, LinkOption.NOFOLLOW_LINKS);
        Commands.runOrFail(Map.of(), List.of("mkfifo", dir.resolve("data/pipe").toString()), "mkfifo");
    }

    private static Path dirOf(TestNamespace ns, Kube kube, String claim) {
        var bound = kube.awaitBound(claim);
        return ns.env()
                .exportDir
                .resolve(ns.name() + "-" + claim + "-" + bound.getSpec().getVolumeName());
    }

    @Test
    void aCloneHoldsTheSourcesTreeFileByFileAndIsItsOwnCopy(TestNamespace ns) throws Exception {
        var kube = new Kube(ns.env().client, ns.name());
        String name = "nfsprov.dev/" + ns.name();
        String cls = ns.name() + "-clone";
        kube.storageClass(cls, name, Map.of(), "Delete", "Immediate");
        try (var controller = ProvisionerProcess.start(ns.env(), name, false, Map.of())) {
            kube.create(kube.claimBuilder("src", cls));
            Path src = dirOf(ns, kube, "src");
            writeTree(src);
            var before = Trees.describe(src);

            kube.create(cloneOf(kube, "copy", cls, "src"));
            Path copy = dirOf(ns, kube, "copy");
            kube.awaitEvent("copy", "Cloning", "copying claim " + ns.name() + "/src");
            kube.awaitEvent("copy", "Cloned", "copied claim " + ns.name() + "/src: 3 files, 2 directories, 1 links");
            kube.awaitEvent("copy", "Cloned", "1 fifos, sockets or devices not copied (data/pipe)");

            var copied = Trees.describe(copy);
            var expected = new TreeMap<>(before);
            expected.remove("data/pipe");
            assertThat(copied)
                    .as("every file, link and directory, with modes, owners, times")
                    .isEqualTo(expected);
            assertThat(Files.getAttribute(copy.resolve("data/db/rows"), "unix:ino"))
                    .as("a hard link stays one")
                    .isEqualTo(Files.getAttribute(copy.resolve("data/db/rows.hardlink"), "unix:ino"));
            assertThat(Files.getAttribute(copy.resolve("data/db/rows"), "unix:ino"))
                    .as("a copy, not the same file")
                    .isNotEqualTo(Files.getAttribute(src.resolve("data/db/rows"), "unix:ino"));

            Files.writeString(copy.resolve("data/db/rows"), "changed in the copy");
            assertThat(src.resolve("data/db/rows")).hasContent("row 1\nrow 2\n");
            assertThat(Trees.describe(src)).as("the source untouched").isEqualTo(before);
        }
    }

    @Test
    void anythingButAClaimOfItsOwnNamespaceIsRefusedWithAnEventAndNoVolume(TestNamespace ns) throws Exception {
        var env = ns.env();
        var kube = new Kube(env.client, ns.name());
        String name = "nfsprov.dev/" + ns.name() + "-r";
        String cls = ns.name() + "-refuse";
        kube.storageClass(cls, name, Map.of(), "Delete", "Immediate");
        // Another tenant's claim, of the same class, with data.
        String other = ns.name() + "-other";
        env.client
                .namespaces()
                .resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder()
                        .withNewMetadata()
                        .withName(other)
                        .endMetadata()
                        .build())
                .create();
        var otherKube = new Kube(env.client, other);
        try (var controller = ProvisionerProcess.start(env, name, false, Map.of())) {
            otherKube.create(otherKube.claimBuilder("secret", cls));
            String secretPv = otherKube.awaitBound("secret").getSpec().getVolumeName();
            Files.writeString(env.exportDir.resolve(other + "-secret-" + secretPv + "/key"), "theirs");

            // dataSourceRef with a namespace needs the CrossNamespaceVolumeDataSource gate; without it the API
            // server drops the namespace, and the name is looked up in the claim's own namespace only.
            kube.create(kube.claimBuilder("steal", cls)
                    .editSpec()
                    .withNewDataSourceRef()
                    .withKind("PersistentVolumeClaim")
                    .withName("secret")
                    .withNamespace(other)
                    .endDataSourceRef()
                    .endSpec());
            var steal = kube.claim("steal").getSpec();
            if (steal.getDataSourceRef() != null && steal.getDataSourceRef().getNamespace() != null) {
                kube.awaitEvent("steal", "ProvisioningFailed", "names claim " + other + "/secret of another namespace");
            } else {
                // The API server dropped the reference (the gate is off here): nfsprov sees a plain claim, and
                // nothing of the other namespace reaches it.
                Path stolen = dirOf(ns, kube, "steal");
                try (Stream<Path> s = Files.list(stolen)) {
                    assertThat(s.toList()).as("an empty volume").isEmpty();
                }
            }
            // By name alone, the claim is looked for in the clone's own namespace only.
            kube.create(cloneOf(kube, "steal-by-name", cls, "secret"));
            kube.awaitEvent(
                    "steal-by-name",
                    "ProvisioningFailed",
                    "the claim to copy, " + ns.name() + "/secret, does not exist");

            kube.create(kube.claimBuilder("snap", cls)
                    .editSpec()
                    .withNewDataSource()
                    .withApiGroup("snapshot.storage.k8s.io")
                    .withKind("VolumeSnapshot")
                    .withName("s1")
                    .endDataSource()
                    .endSpec());
            kube.awaitEvent("snap", "ProvisioningFailed", "snapshot.storage.k8s.io/VolumeSnapshot is not supported");

            kube.create(kube.claimBuilder("big", cls)
                    .editSpec()
                    .editResources()
                    .addToRequests("storage", new Quantity("5Gi"))
                    .endResources()
                    .endSpec());
            kube.awaitBound("big");
            kube.create(cloneOf(kube, "small", cls, "big"));
            kube.awaitEvent("small", "ProvisioningFailed", "holds 5Gi; a copy of it must request at least as much");

            for (String claim : List.of("steal-by-name", "snap", "small")) {
                assertThat(kube.claim(claim).getStatus().getPhase()).as(claim).isEqualTo("Pending");
                assertThat(kube.volumesOf(kube.claim(claim).getMetadata().getUid()))
                        .as(claim)
                        .isEmpty();
            }
        } finally {
            env.client.namespaces().withName(other).delete();
        }
    }

    @Test
    void killedMidCopyNoHalfCopyIsBoundAndTheRestartCopiesAgainIntoOneDirectory(TestNamespace ns) throws Exception {
        var env = ns.env();
        var kube = new Kube(env.client, ns.name());
        String name = "nfsprov.dev/" + ns.name() + "-k";
        String cls = ns.name() + "-kill";
        kube.storageClass(cls, name, Map.of(), "Delete", "Immediate");
        Path src;
        try (var controller = ProvisionerProcess.start(env, name, true, Map.of())) {
            kube.create(kube.claimBuilder("ksrc", cls));
            src = dirOf(ns, kube, "ksrc");
            for (int i = 0; i < 50; i++) Files.writeString(src.resolve("f" + i), "file " + i);
        }
        String uid;
        try (var dying = ProvisionerProcess.start(env, name, true, Map.of("NFSPROV_FAULTS", "mid-copy"))) {
            uid = kube.create(cloneOf(kube, "kcopy", cls, "ksrc")).getMetadata().getUid();
            assertThat(dying.waitFor()).as("halted two files into the copy").isEqualTo(137);
        }
        Path copy = env.exportDir.resolve(ns.name() + "-kcopy-pvc-" + uid);
        try (Stream<Path> partial = Files.list(copy)) {
            assertThat(partial.count()).as("a half copy on the share").isBetween(1L, 49L);
        }
        assertThat(kube.volumesOf(uid)).as("and no volume for it").isEmpty();
        Files.writeString(src.resolve("f0"), "changed while the controller was down");

        try (var healthy = ProvisionerProcess.start(env, name, true, Map.of())) {
            kube.awaitBound("kcopy");
            assertThat(kube.volumesOf(uid)).hasSize(1);
            assertThat(Trees.describe(copy))
                    .as("copied again, from the source as it is now")
                    .isEqualTo(Trees.describe(src));
            assertThat(copy.resolve("f0")).hasContent("changed while the controller was down");
            var made = new ArrayList<String>();
            try (Stream<Path> s = Files.list(env.exportDir)) {
                s.map(p -> p.getFileName().toString())
                        .filter(n -> n.contains(uid))
                        .forEach(made::add);
            }
            assertThat(made)
                    .as("one directory and its marker, nothing else")
                    .containsExactlyInAnyOrder(copy.getFileName().toString(), ".nfsprov." + copy.getFileName());
        }
    }

    @Test
    void aCloneWhoseClaimIsDeletedMidCopyLeavesNoDirectoryNoMarkerAndNoVolume(TestNamespace ns) throws Exception {
        var env = ns.env();
        var kube = new Kube(env.client, ns.name());
        String name = "nfsprov.dev/" + ns.name() + "-d";
        String cls = ns.name() + "-gone";
        kube.storageClass(cls, name, Map.of(), "Delete", "Immediate");
        // slow-copy: 200 ms after each file, so 50 files take 10 s, time enough to delete the claim in between
        try (var controller = ProvisionerProcess.start(env, name, false, Map.of("NFSPROV_FAULTS", "slow-copy"))) {
            kube.create(kube.claimBuilder("dsrc", cls));
            Path src = dirOf(ns, kube, "dsrc");
            for (int i = 0; i < 50; i++) Files.writeString(src.resolve("f" + i), "file " + i);
            String uid = kube.create(cloneOf(kube, "dcopy", cls, "dsrc"))
                    .getMetadata()
                    .getUid();
            kube.awaitEvent("dcopy", "Cloning", "copying claim " + ns.name() + "/dsrc");
            Path copy = env.exportDir.resolve(ns.name() + "-dcopy-pvc-" + uid);
            Await.until("the copy started", Duration.ofSeconds(30), () -> Files.isDirectory(copy));
            kube.deleteClaim("dcopy");
            kube.awaitClaimGone("dcopy");
            try (Stream<Path> partial = Files.list(copy)) {
                assertThat(partial.count()).as("deleted while its copy runs").isBetween(0L, 49L);
            }
            Await.until(
                    "the copy's directory deleted once the copy ended",
                    Duration.ofSeconds(60),
                    () -> !Files.exists(copy, LinkOption.NOFOLLOW_LINKS));
            assertThat(copy.resolveSibling(".nfsprov." + copy.getFileName()))
                    .as("and its marker")
                    .doesNotExist();
            assertThat(kube.volumesOf(uid)).as("no volume was ever made for it").isEmpty();
            assertThat(Trees.describe(src).keySet()).as("the source untouched").hasSize(50);
        }
    }
}
