package dev.nfsprov.rebind;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.testenv.Await;
import dev.nfsprov.testenv.Commands;
import dev.nfsprov.testenv.Kube;
import dev.nfsprov.testenv.ProvisionerProcess;
import dev.nfsprov.testenv.RealCluster;
import dev.nfsprov.testenv.TestEnvironment;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** The Kubeflow guide's "existing installation" section, done by nfsprov rebind against the real control plane. */
@ExtendWith(RealCluster.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RebindIT {

    static final String NS = "kubeflow";
    static final String TARGET = "nfs-rebind";
    private TestEnvironment env;
    private KubernetesClient client;
    private Kube kube;
    private ProvisionerProcess provisioner;

    record Run(int exit, String out, String err) {}

    @BeforeAll
    void start(TestEnvironment env) {
        this.env = env;
        client = env.client;
        client.namespaces()
                .resource(new NamespaceBuilder()
                        .withNewMetadata()
                        .withName(NS)
                        .endMetadata()
                        .build())
                .serverSideApply();
        kube = new Kube(client, NS);
        provisioner = ProvisionerProcess.start(env, "cluster.local/rebind", true, Map.of());
        kube.storageClass(TARGET, "cluster.local/rebind", Map.of(), "Delete", "Immediate");
    }

    @AfterAll
    void stop() {
        provisioner.close();
        client.storage().v1().storageClasses().withName(TARGET).delete();
        client.namespaces().withName(NS).delete();
    }

    @BeforeEach
    void clean() {
        client.apps().deployments().inNamespace(NS).delete();
        client.pods().inNamespace(NS).withGracePeriod(0).delete();
        client.persistentVolumeClaims().inNamespace(NS).delete();
        // a run a test left unfinished would be resumed by the next test's rebind in this namespace
        client.configMaps().inNamespace(NS).withLabel(ClusterBackups.RUN).delete();
        Await.until(
                "kubeflow namespace empty",
                Duration.ofSeconds(60),
                () -> client.persistentVolumeClaims()
                                .inNamespace(NS)
                                .list()
                                .getItems()
                                .isEmpty()
                        && client.pods().inNamespace(NS).list().getItems().isEmpty());
    }

    /** The guide's three claims, stuck: two with storageClassName "", one with a class that does not exist. */
    private void guideClaims() {
        record C(String name, String size, String component, String app, String cls) {}
        for (var c : List.of(
                new C("mysql-pv-claim", "20Gi", "pipeline", null, ""),
                new C("minio-pvc", "20Gi", "pipeline", null, "nfs-client"),
                new C("katib-mysql", "10Gi", "katib", "katib", ""))) {
            var b = kube.claimBuilder(c.name(), c.cls())
                    .editMetadata()
                    .addToAnnotations("kubecfg.ksonnet.io/garbage-collect-tag", "gc-tag")
                    .addToAnnotations("ksonnet.io/managed", "...")
                    .addToLabels("app.kubernetes.io/deploy-manager", "ksonnet")
                    .addToLabels("ksonnet.io/component", c.component())
                    .endMetadata()
                    .editSpec()
                    .editResources()
                    .addToRequests("storage", new io.fabric8.kubernetes.api.model.Quantity(c.size()))
                    .endResources()
                    .endSpec();
            if (c.app() != null) b.editMetadata().addToLabels("app", c.app()).endMetadata();
            kube.create(b);
            client.apps()
                    .deployments()
                    .inNamespace(NS)
                    .resource(new DeploymentBuilder()
                            .withNewMetadata()
                            .withName(c.name() + "-user")
                            .endMetadata()
                            .withNewSpec()
                            .withNewSelector()
                            .addToMatchLabels("use", c.name())
                            .endSelector()
                            .withNewTemplate()
                            .withNewMetadata()
                            .addToLabels("use", c.name())
                            .endMetadata()
                            .withNewSpec()
                            .addNewContainer()
                            .withName("db")
                            .withImage("mysql")
                            .endContainer()
                            .addNewVolume()
                            .withName("data")
                            .withNewPersistentVolumeClaim(c.name(), false)
                            .endVolume()
                            .endSpec()
                            .endTemplate()
                            .endSpec()
                            .build())
                    .create();
        }
    }

    private static String[] concat(String[] a, String[] b) {
        var all = new ArrayList<>(List.of(a));
        all.addAll(List.of(b));
        return all.toArray(String[]::new);
    }

    private Run rebind(String... args) {
        var all = new ArrayList<>(List.of("rebind", "--kubeconfig", env.kubeconfig.toString(), "--timeout", "60s"));
        all.addAll(List.of(args));
        var r = dev.nfsprov.testenv.Cli.run(all);
        return new Run(r.exit(), r.out(), r.err());
    }

    private Path backupDir(String name) {
        return env.stateDir.resolve("rebind-" + name + "-" + System.nanoTime());
    }

    private String uid(String claim) {
        return kube.claim(claim).getMetadata().getUid();
    }

    @Test
    void planChangesNothingAndApplyBindsAllThreeKeepingLabelsAndAnnotations() throws Exception {
        guideClaims();
        kube.create(kube.claimBuilder("already-bound", TARGET));
        kube.awaitBound("already-bound");
        client.namespaces()
                .resource(new NamespaceBuilder()
                        .withNewMetadata()
                        .withName("other-team")
                        .endMetadata()
                        .build())
                .serverSideApply();
        var other = client.persistentVolumeClaims()
                .resource(new Kube(client, "other-team")
                        .claimBuilder("stuck-elsewhere", "")
                        .build())
                .create();
        var before = Map.of(
                "mysql-pv-claim",
                uid("mysql-pv-claim"),
                "minio-pvc",
                uid("minio-pvc"),
                "katib-mysql",
                uid("katib-mysql"));
        String boundUid = uid("already-bound");

        var unnamed = rebind("-n", NS, "--storage-class", TARGET);
        assertThat(unnamed.out()).contains("may be waiting for a pre-made PersistentVolume on purpose; name the claim");
        String[] stuck = {"mysql-pv-claim", "minio-pvc", "katib-mysql", "already-bound"};
        var plan = rebind(concat(new String[] {"-n", NS, "--storage-class", TARGET}, stuck));
        assertThat(plan.exit()).as(plan.err()).isZero();
        assertThat(plan.out())
                .contains("nothing changed")
                .contains("mysql-pv-claim")
                .contains("minio-pvc")
                .contains("katib-mysql")
                .contains("\"nfs-client\" does not exist")
                .contains("already-bound");
        before.forEach((name, id) ->
                assertThat(uid(name)).as(name + " untouched by the plan").isEqualTo(id));

        Path backups = backupDir("apply");
        var apply = rebind(concat(
                new String[] {"-n", NS, "--storage-class", TARGET, "--apply", "--backup-dir", backups.toString()},
                stuck));
        assertThat(apply.exit()).as(apply.out() + apply.err()).isZero();
        for (String name : before.keySet()) {
            var c = kube.awaitBound(name);
            assertThat(c.getMetadata().getUid()).isNotEqualTo(before.get(name));
            assertThat(c.getSpec().getStorageClassName()).isEqualTo(TARGET);
            assertThat(c.getMetadata().getLabels()).containsEntry("app.kubernetes.io/deploy-manager", "ksonnet");
            assertThat(c.getMetadata().getAnnotations())
                    .containsEntry("kubecfg.ksonnet.io/garbage-collect-tag", "gc-tag");
            assertThat(kube.volume(c.getSpec().getVolumeName()).getMetadata().getAnnotations())
                    .containsEntry("pv.kubernetes.io/provisioned-by", "cluster.local/rebind");
            assertThat(backups.resolve(NS + "__" + name + ".yaml")).exists();
        }
        assertThat(kube.claim("katib-mysql").getMetadata().getLabels()).containsEntry("app", "katib");
        assertThat(uid("already-bound")).isEqualTo(boundUid);
        assertThat(client.persistentVolumeClaims()
                        .inNamespace("other-team")
                        .withName("stuck-elsewhere")
                        .get()
                        .getMetadata()
                        .getUid())
                .isEqualTo(other.getMetadata().getUid());
        assertThat(backups.resolve("IN-PROGRESS")).doesNotExist();

        // --restore refuses to delete re-created claims that are Bound: their volumes would be reclaimed
        var volumes = before.keySet().stream()
                .map(n -> kube.claim(n).getSpec().getVolumeName())
                .toList();
        var refused = rebind("--restore", backups.toString());
        assertThat(refused.exit()).isNotZero();
        assertThat(refused.out()).contains("refused: add --release-bound");
        assertThat(kube.claim("mysql-pv-claim").getSpec().getStorageClassName()).isEqualTo(TARGET);
        // --release-bound keeps those volumes (Retain) and puts the originals back
        var restore = rebind("--restore", backups.toString(), "--release-bound");
        assertThat(restore.exit()).as(restore.out() + restore.err()).isZero();
        for (String v : volumes) {
            assertThat(kube.volume(v).getSpec().getPersistentVolumeReclaimPolicy())
                    .as(v)
                    .isEqualTo("Retain");
        }
        Await.until("originals restored", Duration.ofSeconds(60), () -> {
            var c = kube.claim("mysql-pv-claim");
            return c != null && "".equals(c.getSpec().getStorageClassName());
        });
        assertThat(kube.claim("minio-pvc").getSpec().getStorageClassName()).isEqualTo("nfs-client");
        client.namespaces().withName("other-team").delete();
    }

    @Test
    void unsetClassIsLeftToThePvController() {
        kube.create(kube.claimBuilder("no-class", null));
        assertThat(kube.claim("no-class").getSpec().getStorageClassName())
                .as("no default class yet")
                .isNull();
        client.storage().v1().storageClasses().withName(TARGET).edit(sc -> {
            sc.getMetadata().getAnnotations().put("storageclass.kubernetes.io/is-default-class", "true");
            return sc;
        });
        try {
            String uidBefore = uid("no-class");
            var run = rebind(
                    "-n", NS, "--apply", "--backup-dir", backupDir("unset").toString());
            assertThat(run.exit()).as(run.out() + run.err()).isZero();
            assertThat(run.out()).contains("wait for default class");
            var bound = kube.awaitBound("no-class");
            assertThat(bound.getMetadata().getUid()).as("not re-created").isEqualTo(uidBefore);
            assertThat(bound.getSpec().getStorageClassName()).isEqualTo(TARGET);
        } finally {
            client.storage().v1().storageClasses().withName(TARGET).edit(sc -> {
                sc.getMetadata().getAnnotations().remove("storageclass.kubernetes.io/is-default-class");
                return sc;
            });
        }
    }

    @Test
    void aClaimChangedAfterThePlanIsNotDeleted() throws Exception {
        kube.create(kube.claimBuilder("changing", ""));
        String uidBefore = uid("changing");
        var backups = BackupDir.choose(backupDir("changed"), Path.of("."));
        var rebinder = new Rebinder(client, backups, new PrintWriter(new StringWriter()));
        rebinder.beforeDelete = c -> client.persistentVolumeClaims()
                .inNamespace(NS)
                .withName("changing")
                .edit(x -> {
                    x.getMetadata().getLabels().put("touched", "yes");
                    return x;
                });
        var rows = rebinder.run(
                new Rebinder.Options(NS, List.of("changing"), TARGET, true, true, false, null, Duration.ofSeconds(30)));
        assertThat(rows).singleElement().satisfies(r -> {
            assertThat(r.ok()).isFalse();
            assertThat(r.result()).contains("changed since it was planned");
        });
        assertThat(uid("changing")).isEqualTo(uidBefore);
        assertThat(kube.claim("changing").getSpec().getStorageClassName()).isEmpty();
    }

    @Test
    void aScheduledPodHoldsTheClaimUntilRestartPods() {
        kube.create(kube.claimBuilder("held", ""));
        client.pods()
                .inNamespace(NS)
                .resource(new PodBuilder()
                        .withNewMetadata()
                        .withName("holder")
                        .endMetadata()
                        .withNewSpec()
                        .withNodeName("node-1")
                        .addNewContainer()
                        .withName("c")
                        .withImage("busybox")
                        .endContainer()
                        .addNewVolume()
                        .withName("d")
                        .withNewPersistentVolumeClaim("held", false)
                        .endVolume()
                        .endSpec()
                        .build())
                .create();
        Path backups = backupDir("held");
        var first = rebind("-n", NS, "held", "--storage-class", TARGET, "--apply", "--backup-dir", backups.toString());
        assertThat(first.exit()).isEqualTo(1);
        assertThat(first.out()).contains("used by pod(s) holder").contains("--restart-pods");

        var second = rebind(
                "-n",
                NS,
                "held",
                "--storage-class",
                TARGET,
                "--apply",
                "--backup-dir",
                backups.toString(),
                "--restart-pods",
                "--pod-grace-period",
                "0");
        assertThat(second.exit()).as(second.out() + second.err()).isZero();
        assertThat(kube.awaitBound("held").getSpec().getStorageClassName()).isEqualTo(TARGET);
    }

    @Test
    void aBackupIsReAppliedWithKubectlAsDocumented() throws Exception {
        var original = kube.create(kube.claimBuilder("by-hand", "")
                .editMetadata()
                .addToLabels("keep", "me")
                .endMetadata());
        var backups = BackupDir.choose(backupDir("kubectl"), Path.of("."));
        backups.save(kube.claim("by-hand")); // as rebind does before it deletes
        client.persistentVolumeClaims().inNamespace(NS).withName("by-hand").delete();
        Await.until("claim deleted", Duration.ofSeconds(30), () -> kube.claim("by-hand") == null);

        var applied = Commands.run(
                Map.of("KUBECONFIG", env.kubeconfig.toString()),
                List.of(
                        TestEnvironment.tool("kubectl").toString(),
                        "apply",
                        "-f",
                        backups.path().resolve(NS + "__by-hand.apply.yaml").toString()));
        assertThat(applied.exitCode()).as(applied.stdout() + applied.stderr()).isZero();
        var again = kube.claim("by-hand");
        assertThat(again.getMetadata().getUid())
                .isNotEqualTo(original.getMetadata().getUid());
        assertThat(again.getMetadata().getLabels()).containsEntry("keep", "me");
        assertThat(again.getSpec().getStorageClassName()).isEmpty();
    }

    @Test
    void killedBetweenDeleteAndCreateTheRerunRecreatesFromBackup() throws Exception {
        kube.create(kube.claimBuilder("interrupted", "")
                .editMetadata()
                .addToLabels("keep", "me")
                .endMetadata());
        Path backups = backupDir("killed");
        var cmd = List.of(
                TestEnvironment.REPO.resolve("bin/nfsprov").toString(),
                "rebind",
                "-n",
                NS,
                "interrupted",
                "--storage-class",
                TARGET,
                "--apply",
                "--backup-dir",
                backups.toString(),
                "--kubeconfig",
                env.kubeconfig.toString());
        var crashed = Commands.run(Map.of("NFSPROV_FAULTS", "rebind-after-delete"), cmd);
        assertThat(crashed.exitCode()).as(crashed.stdout() + crashed.stderr()).isEqualTo(137);
        Await.until(
                "claim deleted by the crashed run", Duration.ofSeconds(30), () -> kube.claim("interrupted") == null);
        assertThat(backups.resolve("IN-PROGRESS")).exists();

        var rerun = Commands.run(Map.of(), cmd);
        assertThat(rerun.exitCode()).as(rerun.stdout() + rerun.stderr()).isZero();
        assertThat(rerun.stdout()).contains("resuming").contains("re-created from backup");
        PersistentVolumeClaim c = kube.awaitBound("interrupted");
        assertThat(c.getMetadata().getLabels()).containsEntry("keep", "me");
        assertThat(Files.exists(backups.resolve("IN-PROGRESS"))).isFalse();
    }

    @Test
    void withNoWritableDirectoryTheOriginalsLiveInTheClusterAndAKilledRunResumesFromThem() throws Exception {
        // issue 32: from the image (uid 65532 in /) the backups could not be written (exit 70), and with
        // kubectl run --rm they would have vanished with the Pod
        kube.create(kube.claimBuilder("podrun", "")
                .editMetadata()
                .addToLabels("keep", "me")
                .endMetadata());
        String originalUid = uid("podrun");
        Path notADirectory = Files.writeString(env.stateDir.resolve("a-file-" + System.nanoTime()), "x");
        var cmd = new ArrayList<>(List.of(
                TestEnvironment.REPO.resolve("bin/nfsprov").toString(),
                "rebind",
                "-n",
                NS,
                "podrun",
                "--storage-class",
                TARGET,
                "--apply",
                "--kubeconfig",
                env.kubeconfig.toString(),
                "--backup-dir",
                notADirectory.resolve("first").toString()));
        var crashed = Commands.run(Map.of("NFSPROV_FAULTS", "rebind-after-delete"), cmd);
        assertThat(crashed.exitCode()).as(crashed.stdout() + crashed.stderr()).isEqualTo(137);
        assertThat(crashed.stdout()).contains("no local copy of the originals");
        Await.until("claim deleted by the crashed run", Duration.ofSeconds(30), () -> kube.claim("podrun") == null);
        var saved = client.configMaps()
                .inNamespace(NS)
                .withLabel(ClusterBackups.RUN)
                .list()
                .getItems();
        assertThat(saved).hasSize(1);
        assertThat(saved.getFirst().getMetadata().getLabels()).containsEntry(ClusterBackups.STATE, "in-progress");
        assertThat(io.fabric8.kubernetes.client.utils.Serialization.unmarshal(
                                saved.getFirst().getData().get("claim.yaml"), PersistentVolumeClaim.class)
                        .getMetadata()
                        .getUid())
                .isEqualTo(originalUid);
        String run = saved.getFirst().getMetadata().getLabels().get(ClusterBackups.RUN);

        // run again from elsewhere (another Pod): nothing local, the cluster's copy finishes the job
        cmd.set(cmd.size() - 1, notADirectory.resolve("second").toString());
        var rerun = Commands.run(Map.of(), cmd);
        assertThat(rerun.exitCode()).as(rerun.stdout() + rerun.stderr()).isZero();
        assertThat(rerun.stdout())
                .contains("resuming")
                .contains("re-created from backup")
                .contains("originals backed up in ConfigMaps labelled " + ClusterBackups.RUN + "=" + run);
        assertThat(kube.awaitBound("podrun").getMetadata().getLabels()).containsEntry("keep", "me");
        assertThat(client.configMaps()
                        .inNamespace(NS)
                        .withName(saved.getFirst().getMetadata().getName())
                        .get()
                        .getMetadata()
                        .getLabels())
                .containsEntry(ClusterBackups.STATE, "done");

        var restore = rebind("--restore-run", run, "-n", NS, "--release-bound");
        assertThat(restore.exit()).as(restore.out() + restore.err()).isZero();
        assertThat(kube.claim("podrun").getSpec().getStorageClassName()).isEmpty();
        assertThat(rebind("--restore-run", "no-such-run").err())
                .contains("no ConfigMaps labelled " + ClusterBackups.RUN + "=no-such-run");
    }

    @Test
    void aClaimTooLargeForAConfigMapIsKeptLocallyOrLeftAloneNeverStoppingTheOthers() throws Exception {
        // a tenant's claim with 1.2 MB of labels cannot be a ConfigMap (at most 1 MiB): with a directory it is
        // kept there; with none it is refused and left as it is, and the other claims of the run go on
        var labels = new java.util.HashMap<String, String>();
        for (int i = 0; i < 18_000; i++) labels.put("k" + i, "v".repeat(50));
        kube.create(
                kube.claimBuilder("huge", "").editMetadata().addToLabels(labels).endMetadata());
        kube.create(kube.claimBuilder("small", ""));
        String hugeUid = uid("huge");
        Path notADirectory = Files.writeString(env.stateDir.resolve("a-file-" + System.nanoTime()), "x");
        var refused = rebind(
                "-n",
                NS,
                "huge",
                "small",
                "--storage-class",
                TARGET,
                "--apply",
                "--backup-dir",
                notADirectory.resolve("backups").toString());
        assertThat(refused.exit()).as(refused.out() + refused.err()).isEqualTo(1);
        assertThat(refused.out())
                .contains("refused: its original could not be backed up")
                .contains(NS + "/huge: too large for a ConfigMap");
        assertThat(uid("huge")).isEqualTo(hugeUid);
        assertThat(kube.awaitBound("small").getSpec().getStorageClassName()).isEqualTo(TARGET);

        Path backups = backupDir("huge");
        var kept = rebind(
                "-n",
                NS,
                "huge",
                "--storage-class",
                TARGET,
                "--apply",
                "--backup-dir",
                backups.toString(),
                "--timeout",
                "5s");
        assertThat(kept.out()).contains("re-created with " + TARGET);
        assertThat(backups.resolve(NS + "__huge.yaml")).exists();
        // re-created as it was (the controller then refuses a claim this large with an Event: LargeClaimsIT)
        var again = kube.claim("huge");
        assertThat(again.getMetadata().getUid()).isNotEqualTo(hugeUid);
        assertThat(again.getSpec().getStorageClassName()).isEqualTo(TARGET);
        assertThat(again.getMetadata().getLabels()).hasSize(18_000);
    }

    @Test
    void aClaimWithoutAClassGoesToTheClassGivenWhenItIsNotTheDefault() throws Exception {
        // issue 32: rebind planned such a claim as "wait for a default class" whatever --storage-class said, waited
        // 5 minutes and failed, while doctor printed that very command as the fix
        kube.create(kube.claimBuilder("classless", null));
        var plan = rebind("-n", NS, "classless", "--storage-class", TARGET);
        assertThat(plan.exit()).as(plan.err()).isZero();
        assertThat(plan.out()).contains("no storageClassName, and " + TARGET + " is not the default class");
        var apply = rebind(
                "-n",
                NS,
                "classless",
                "--storage-class",
                TARGET,
                "--apply",
                "--backup-dir",
                backupDir("classless").toString());
        assertThat(apply.exit()).as(apply.out() + apply.err()).isZero();
        assertThat(kube.awaitBound("classless").getSpec().getStorageClassName()).isEqualTo(TARGET);
    }

    @Test
    void aTargetClassNoNfsprovControllerServesIsRefusedUnlessSaidSo() {
        // issue 32: with local-path as the default, rebind planned to move Kubeflow's MySQL onto one node's disk
        String local = NS + "-local-path";
        kube.storageClass(local, "rancher.io/local-path", Map.of(), "Delete", "WaitForFirstConsumer");
        try {
            kube.create(kube.claimBuilder("db-on-node", "gone-class"));
            var refused = rebind("-n", NS, "db-on-node", "--storage-class", local);
            assertThat(refused.exit()).isEqualTo(2);
            assertThat(refused.err())
                    .contains("StorageClass " + local + " is provisioned by rancher.io/local-path, which no nfsprov"
                            + " controller serves")
                    .contains("--any-provisioner");
            var told = rebind("-n", NS, "db-on-node", "--storage-class", local, "--any-provisioner");
            assertThat(told.exit()).as(told.err()).isZero();
            assertThat(told.out()).contains("db-on-node").contains("re-create");
        } finally {
            env.client.storage().v1().storageClasses().withName(local).delete();
        }
    }

    @Test
    void badFlagsAreOneLine() {
        var r = rebind("-n", NS, "--storage-class", "nope");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip())
                .isEqualTo("nfsprov: StorageClass \"nope\" does not exist (kubectl get storageclass)");
        assertThat(rebind("-n", NS, "-o", "xml").err()).contains("-o must be text, json or yaml, not \"xml\"");
        assertThat(rebind("-n", NS, "-A").err()).contains("-n and -A cannot be used together");
    }
}
