package dev.nfsprov.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.api.ClaimSnapshot;
import dev.nfsprov.testenv.Await;
import dev.nfsprov.testenv.Kube;
import dev.nfsprov.testenv.ProvisionerProcess;
import dev.nfsprov.testenv.RealCluster;
import dev.nfsprov.testenv.RealCluster.TestNamespace;
import dev.nfsprov.testenv.Trees;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Snapshots (issue 34): a ClaimSnapshot gets a point-in-time copy of its claim in the share's reserved snapshot
 * directory, reported in its status; a claim whose dataSourceRef names it gets that copy; deleting it (or its
 * retention running out) deletes the copy. Against the real control plane, the NFS server's export, and the CRD as
 * the chart renders it (TestEnvironment applies it).
 */
@ExtendWith(RealCluster.class)
class SnapshotIT {

    static final Duration READY = Duration.ofSeconds(90);

    static ClaimSnapshot snapshot(KubernetesClient client, String ns, String name, String claim, String retention) {
        return client.resources(ClaimSnapshot.class)
                .inNamespace(ns)
                .resource(new ClaimSnapshot(ns, name, new ClaimSnapshot.Spec(claim, retention)))
                .create();
    }

    static ClaimSnapshot get(KubernetesClient client, String ns, String name) {
        return client.resources(ClaimSnapshot.class)
                .inNamespace(ns)
                .withName(name)
                .get();
    }

    static ClaimSnapshot awaitReady(KubernetesClient client, String ns, String name) {
        return Await.until(
                "ClaimSnapshot " + ns + "/" + name + " readyToUse",
                READY,
                () -> get(client, ns, name),
                s -> s != null && s.getStatus() != null && s.getStatus().ready());
    }

    static PersistentVolumeClaimBuilder restoreOf(Kube kube, String name, String cls, String snapshot) {
        return kube.claimBuilder(name, cls)
                .editSpec()
                .withNewDataSourceRef()
                .withApiGroup("nfsprov.dev")
                .withKind("ClaimSnapshot")
                .withName(snapshot)
                .endDataSourceRef()
                .endSpec();
    }

    private static Path dirOf(TestNamespace ns, Kube kube, String claim) {
        var bound = kube.awaitBound(claim);
        return ns.env()
                .exportDir
                .resolve(ns.name() + "-" + claim + "-" + bound.getSpec().getVolumeName());
    }

    private static Path copyOf(TestNamespace ns, ClaimSnapshot s) {
        return ns.env()
                .exportDir
                .resolve(".nfsprov-snapshots")
                .resolve(s.getMetadata().getUid());
    }

    @Test
    void aRestoredClaimHoldsTheContentAtSnapshotTimeAndDeletingTheSnapshotDeletesItsCopy(TestNamespace ns)
            throws Exception {
        var env = ns.env();
        var client = env.client;
        var kube = new Kube(client, ns.name());
        String name = "nfsprov.dev/" + ns.name();
        String cls = ns.name() + "-snap";
        kube.storageClass(cls, name, Map.of(), "Delete", "Immediate");
        try (var controller = ProvisionerProcess.start(env, name, false, Map.of())) {
            kube.create(kube.claimBuilder("db", cls));
            Path db = dirOf(ns, kube, "db");
            Files.createDirectories(db.resolve("data"));
            Files.writeString(db.resolve("data/rows"), "row 1\n");
            Files.createLink(db.resolve("data/rows.link"), db.resolve("data/rows"));
            Files.createSymbolicLink(db.resolve("data/escape"), Path.of("/etc"));
            Files.setAttribute(db.resolve("data"), "unix:uid", 999, LinkOption.NOFOLLOW_LINKS);
            var before = Trees.describe(db);

            var expiring = snapshot(client, ns.name(), "hourly", "db", "1m");
            snapshot(client, ns.name(), "nightly", "db", null);
            var nightly = awaitReady(client, ns.name(), "nightly");
            var st = nightly.getStatus();
            assertThat(st.restoreSize()).isEqualTo("1Gi");
            assertThat(st.files())
                    .as("a file and its hard link, each name counted")
                    .isEqualTo(2L);
            assertThat(st.bytes()).isEqualTo(12L);
            assertThat(st.share()).isEqualTo("default");
            assertThat(st.sourceVolume()).isEqualTo(kube.claim("db").getSpec().getVolumeName());
            assertThat(st.expiresAt()).as("kept until deleted").isNull();
            assertThat(st.message()).as("nothing wrong").isNull();
            kube.awaitEvent("nightly", "SnapshotTaken", "copied claim " + ns.name() + "/db");
            Path copy = copyOf(ns, nightly);
            assertThat(Trees.describe(copy)).as("the copy, file by file").isEqualTo(before);
            assertThat(Files.getAttribute(copy.getParent(), "unix:mode", LinkOption.NOFOLLOW_LINKS))
                    .as("the snapshot directory is the controller's alone")
                    .isEqualTo(040700);

            // The source changes after the snapshot.
            Files.writeString(db.resolve("data/rows"), "row 1\nrow 2 (after the snapshot)\n");
            Files.writeString(db.resolve("data/new"), "after");

            kube.create(restoreOf(kube, "restored", cls, "nightly"));
            Path restored = dirOf(ns, kube, "restored");
            kube.awaitEvent("restored", "Restored", "copied ClaimSnapshot " + ns.name() + "/nightly: 2 files");
            assertThat(Trees.describe(restored))
                    .as("the content at snapshot time")
                    .isEqualTo(before);
            assertThat(restored.resolve("data/rows")).hasContent("row 1\n");
            assertThat(Files.readSymbolicLink(restored.resolve("data/escape")))
                    .as("a link stays a link")
                    .isEqualTo(Path.of("/etc"));

            // Retention: the controller deletes the expired snapshot, and the sweep its copy.
            var hourly = awaitReady(client, ns.name(), "hourly");
            assertThat(Instant.parse(hourly.getStatus().expiresAt()))
                    .isEqualTo(Instant.parse(hourly.getStatus().takenAt()).plus(Duration.ofMinutes(1)));
            Await.until(
                    "both snapshots in the metrics",
                    Duration.ofSeconds(30),
                    () -> controller.get("/metrics").body().contains("nfsprov_share_snapshots{share=\"default\"} 2.0"));
            var usage = dev.nfsprov.testenv.Cli.run(
                    java.util.List.of("usage", "--kubeconfig", env.kubeconfig.toString(), "-n", ns.name()));
            // the namespace's snapshots, the other tests' of this class too
            var all = client.resources(ClaimSnapshot.class)
                    .inNamespace(ns.name())
                    .list()
                    .getItems();
            long ready = all.stream()
                    .filter(x -> x.getStatus() != null && x.getStatus().ready())
                    .count();
            long bytes = all.stream()
                    .filter(x -> x.getStatus() != null && x.getStatus().ready())
                    .mapToLong(x -> x.getStatus().bytes())
                    .sum();
            assertThat(usage.out())
                    .contains("ClaimSnapshots: " + ready + " ready"
                            + (all.size() > ready ? ", " + (all.size() - ready) + " not" : "") + ", holding " + bytes
                            + " on the share (nfsprov snapshot list)");
            // the launcher, as an administrator runs it: a table, and nothing on stderr (fabric8 would warn about
            // the v1alpha1 version on every run)
            var list = dev.nfsprov.testenv.Commands.run(
                    Map.of(),
                    java.util.List.of(
                            dev.nfsprov.testenv.TestEnvironment.REPO
                                    .resolve("bin/nfsprov")
                                    .toString(),
                            "snapshot",
                            "list",
                            "--kubeconfig",
                            env.kubeconfig.toString(),
                            "-n",
                            ns.name()));
            assertThat(list.exitCode()).as(list.stderr()).isZero();
            assertThat(list.stdout()).contains("nightly").contains("hourly").contains("1Gi");
            assertThat(list.stderr()).isEmpty();
            Await.until(
                    "expired snapshot deleted",
                    Duration.ofSeconds(120),
                    () -> get(client, ns.name(), "hourly") == null);
            Await.until(
                    "its copy deleted",
                    Duration.ofSeconds(60),
                    () -> !Files.exists(copyOf(ns, expiring), LinkOption.NOFOLLOW_LINKS));

            var deleted = dev.nfsprov.testenv.Cli.run(java.util.List.of(
                    "snapshot", "delete", "nightly", "--kubeconfig", env.kubeconfig.toString(), "-n", ns.name()));
            assertThat(deleted.out()).isEqualTo("claimsnapshot " + ns.name() + "/nightly deleted\n");
            Await.until("the deleted snapshot's copy removed", Duration.ofSeconds(60), () -> !Files.exists(copy));
            assertThat(copy.getParent()
                            .resolve(".nfsprov." + nightly.getMetadata().getUid()))
                    .as("and its record")
                    .doesNotExist();
            assertThat(Trees.describe(restored))
                    .as("the restored claim keeps its data")
                    .isEqualTo(before);
            Await.until(
                    "no snapshot left in the metrics",
                    Duration.ofSeconds(30),
                    () -> controller.get("/metrics").body().contains("nfsprov_share_snapshots{share=\"default\"} 0.0"));
        }
    }

    @Test
    void refusalsAreSaidInStatusAndEventsAndNothingIsCopied(TestNamespace ns) throws Exception {
        var env = ns.env();
        var client = env.client;
        var kube = new Kube(client, ns.name());
        String name = "nfsprov.dev/" + ns.name() + "-r";
        String cls = ns.name() + "-refuse";
        kube.storageClass(cls, name, Map.of(), "Delete", "Immediate");
        try (var controller = ProvisionerProcess.start(env, name, false, Map.of())) {
            snapshot(client, ns.name(), "of-nothing", "no-such-claim", null);
            var refused = Await.until(
                    "status says why",
                    READY,
                    () -> get(client, ns.name(), "of-nothing"),
                    s -> s.getStatus() != null && s.getStatus().message() != null);
            assertThat(refused.getStatus().ready()).isFalse();
            assertThat(refused.getStatus().message())
                    .isEqualTo("the claim to copy, " + ns.name() + "/no-such-claim, does not exist");
            kube.awaitEvent("of-nothing", "SnapshotFailed", "does not exist");

            kube.create(restoreOf(kube, "from-nothing", cls, "no-such-snapshot"));
            kube.awaitEvent(
                    "from-nothing",
                    "ProvisioningFailed",
                    "the ClaimSnapshot " + ns.name() + "/no-such-snapshot does not exist");

            // A snapshot of a 1Gi claim restored into a smaller one.
            kube.create(kube.claimBuilder("big", cls));
            kube.awaitBound("big");
            snapshot(client, ns.name(), "of-big", "big", null);
            awaitReady(client, ns.name(), "of-big");
            kube.create(restoreOf(kube, "small", cls, "of-big")
                    .editSpec()
                    .editResources()
                    .addToRequests("storage", new Quantity("10Mi"))
                    .endResources()
                    .endSpec());
            kube.awaitEvent("small", "ProvisioningFailed", "holds 1Gi; a copy of it must request at least as much");

            // dataSourceRef naming another namespace's snapshot: refused by the rules, or (the gate off here)
            // dropped by the API server, so that nothing of the other namespace is looked at.
            kube.create(restoreOf(kube, "steal", cls, "of-big")
                    .editSpec()
                    .editDataSourceRef()
                    .withNamespace("kube-system")
                    .endDataSourceRef()
                    .endSpec());
            var steal = kube.claim("steal").getSpec();
            if (steal.getDataSourceRef() != null && steal.getDataSourceRef().getNamespace() != null)
                kube.awaitEvent("steal", "ProvisioningFailed", "of another namespace");
            else assertThat(steal.getDataSourceRef()).as("dropped whole").isNull();

            // claimName cannot be changed once made (the CRD's rule): a snapshot always copies what it said.
            var edit = get(client, ns.name(), "of-big");
            edit.setSpec(new ClaimSnapshot.Spec("no-such-claim", null));
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () -> client.resource(edit).update())
                    .hasMessageContaining("claimName cannot be changed");
            assertThat(kube.volumesOf(kube.claim("small").getMetadata().getUid()))
                    .isEmpty();
        }
    }

    @Test
    void killedMidSnapshotTheRestartCopiesAgainAndLeavesOneCopy(TestNamespace ns) throws Exception {
        var env = ns.env();
        var client = env.client;
        var kube = new Kube(client, ns.name());
        String name = "nfsprov.dev/" + ns.name() + "-k";
        String cls = ns.name() + "-kill";
        kube.storageClass(cls, name, Map.of(), "Delete", "Immediate");
        Path src;
        try (var controller = ProvisionerProcess.start(env, name, true, Map.of())) {
            kube.create(kube.claimBuilder("ksrc", cls));
            src = dirOf(ns, kube, "ksrc");
            for (int i = 0; i < 50; i++) Files.writeString(src.resolve("f" + i), "file " + i);
        }
        ClaimSnapshot made;
        try (var dying = ProvisionerProcess.start(env, name, true, Map.of("NFSPROV_FAULTS", "mid-copy"))) {
            made = snapshot(client, ns.name(), "ksnap", "ksrc", null);
            assertThat(dying.waitFor()).as("halted two files into the copy").isEqualTo(137);
        }
        Path copy = copyOf(ns, made);
        try (Stream<Path> partial = Files.list(copy)) {
            assertThat(partial.count()).as("a half copy on the share").isBetween(1L, 49L);
        }
        var half = get(client, ns.name(), "ksnap").getStatus();
        assertThat(half == null || !half.ready()).as("not ready").isTrue();
        Files.writeString(src.resolve("f0"), "changed while the controller was down");

        try (var healthy = ProvisionerProcess.start(env, name, true, Map.of())) {
            var ready = awaitReady(client, ns.name(), "ksnap");
            assertThat(ready.getStatus().files()).isEqualTo(50L);
            assertThat(Trees.describe(copy)).as("copied again, whole").isEqualTo(Trees.describe(src));
            var made2 = new ArrayList<String>();
            try (Stream<Path> s = Files.list(copy.getParent())) {
                s.map(p -> p.getFileName().toString())
                        .filter(n -> n.contains(made.getMetadata().getUid()))
                        .forEach(made2::add);
            }
            assertThat(made2)
                    .as("one directory and its record, nothing else")
                    .containsExactlyInAnyOrder(
                            made.getMetadata().getUid(),
                            ".nfsprov." + made.getMetadata().getUid());

            // Deleted while the controller is down: the next one's sweep finds no snapshot and deletes the copy.
            healthy.kill();
            client.resources(ClaimSnapshot.class)
                    .inNamespace(ns.name())
                    .withName("ksnap")
                    .delete();
            Await.until("deleted", Duration.ofSeconds(30), () -> get(client, ns.name(), "ksnap") == null);
            assertThat(copy)
                    .as("no finalizer: the copy stays while no controller runs")
                    .exists();
            healthy.start();
            Await.until(
                    "the copy of the snapshot deleted while down removed",
                    Duration.ofSeconds(60),
                    () -> !Files.exists(copy));
        }
    }

    @Test
    void aSnapshotTakesItsRestoreSizeOfTheBudgetAndOneThatDoesNotFitWaitsForRoom(TestNamespace ns) throws Exception {
        var env = ns.env();
        var client = env.client;
        var kube = new Kube(client, ns.name());
        String name = "nfsprov.dev/" + ns.name() + "-c";
        String cls = ns.name() + "-budget";
        // The share is this VM's disk: an overcommit that makes its budget 5 GiB, whatever the disk (as CapacityIT).
        long size = Files.getFileStore(env.exportDir).getTotalSpace();
        String overcommit = new java.math.BigDecimal(5L << 30)
                .divide(new java.math.BigDecimal(size), new java.math.MathContext(15))
                .toPlainString();
        kube.storageClass(
                cls, name, Map.of("capacityPolicy", "provisioned", "overcommit", overcommit), "Delete", "Immediate");
        try (var controller = ProvisionerProcess.start(env, name, false, Map.of())) {
            kube.create(kube.claimBuilder("sized", cls)
                    .editSpec()
                    .editResources()
                    .addToRequests("storage", new Quantity("2Gi"))
                    .endResources()
                    .endSpec());
            kube.awaitBound("sized");
            snapshot(client, ns.name(), "first", "sized", null);
            awaitReady(client, ns.name(), "first");
            // 2Gi of volume and 2Gi of snapshot in use: another 2Gi would pass the 5Gi budget
            snapshot(client, ns.name(), "second", "sized", null);
            var refused = Await.until(
                    "the second snapshot refused for room",
                    READY,
                    () -> get(client, ns.name(), "second"),
                    x -> x.getStatus() != null
                            && x.getStatus().message() != null
                            && x.getStatus().message().startsWith("no room on share default"));
            assertThat(refused.getStatus().message()).contains("capacityPolicy: provisioned");
            kube.awaitEvent("second", "SnapshotFailed", "no room on share default");
            assertThat(Files.exists(copyOf(ns, refused))).as("nothing copied").isFalse();

            client.resources(ClaimSnapshot.class)
                    .inNamespace(ns.name())
                    .withName("first")
                    .delete();
            var second = awaitReady(client, ns.name(), "second");
            assertThat(second.getStatus().restoreSize()).isEqualTo("2Gi");
        }
    }
}
