package dev.nfsprov.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.protocol.Names;
import dev.nfsprov.testenv.Await;
import dev.nfsprov.testenv.Cli;
import dev.nfsprov.testenv.Commands;
import dev.nfsprov.testenv.Kube;
import dev.nfsprov.testenv.ProvisionerProcess;
import dev.nfsprov.testenv.RealCluster;
import dev.nfsprov.testenv.RealCluster.TestNamespace;
import dev.nfsprov.testenv.TestEnvironment;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** nfsprov edit-class (issue 32): a class's parameters changed safely, against the real control plane. */
@ExtendWith(RealCluster.class)
class EditClassIT {

    @Test
    void parametersChangeNothingIsStrandedAndExistingVolumesBecomeConsumersOnlyOnPurpose(TestNamespace ns)
            throws Exception {
        var env = ns.env();
        String n = ns.name();
        var kube = new Kube(env.client, n);
        String provisioner = "nfsprov.dev/" + n;
        String cls = n + "-edit";
        kube.storageClass(cls, provisioner, Map.of("archiveOnDelete", "false"), "Delete", "Immediate");
        Path backups = env.stateDir.resolve("edit-class-" + System.nanoTime());
        try (var p = ProvisionerProcess.start(env, provisioner, true, Map.of())) {
            kube.create(kube.claimBuilder("before", cls));
            var before = kube.awaitBound("before");

            // a near-miss or a value the controller would refuse is refused before anything changes
            var typo = edit(env, cls, "Ownership=consumer", "--apply", "--backup-dir", backups.toString());
            assertThat(typo.exit()).isEqualTo(2);
            assertThat(typo.err()).contains("did you mean ownership?");
            var bad = edit(env, cls, "ownership=everyone", "--apply", "--backup-dir", backups.toString());
            assertThat(bad.exit()).isEqualTo(2);
            assertThat(bad.err()).contains("is not static or consumer");
            String uid = env.client
                    .storage()
                    .v1()
                    .storageClasses()
                    .withName(cls)
                    .get()
                    .getMetadata()
                    .getUid();

            var plan = edit(env, cls, "ownership=consumer", "archiveOnDelete-", "--backup-dir", backups.toString());
            assertThat(plan.exit()).as(plan.all()).isZero();
            assertThat(plan.out())
                    .contains("ownership: unset -> \"consumer\"")
                    .contains("archiveOnDelete: \"false\" -> unset")
                    .contains("1 existing volume(s) keep their directories")
                    .contains("nothing changed");
            assertThat(env.client
                            .storage()
                            .v1()
                            .storageClasses()
                            .withName(cls)
                            .get()
                            .getMetadata()
                            .getUid())
                    .isEqualTo(uid);

            // killed between deleting the class and creating it again: the same command finishes from the backup
            var cmd = command(
                    env, cls, "ownership=consumer", "archiveOnDelete-", "--apply", "--backup-dir", backups.toString());
            var crashed = Commands.run(Map.of("NFSPROV_FAULTS", "edit-class-after-delete"), cmd);
            assertThat(crashed.exitCode())
                    .as(crashed.stdout() + crashed.stderr())
                    .isEqualTo(137);
            assertThat(env.client.storage().v1().storageClasses().withName(cls).get())
                    .isNull();
            // a claim made while the class is gone waits, and is provisioned once it is back
            kube.create(kube.claimBuilder("meanwhile", cls));
            var rerun = Commands.run(Map.of(), cmd);
            assertThat(rerun.exitCode()).as(rerun.stdout() + rerun.stderr()).isZero();
            assertThat(rerun.stdout()).contains("from its backup");
            var now = env.client.storage().v1().storageClasses().withName(cls).get();
            assertThat(now.getParameters()).isEqualTo(Map.of("ownership", "consumer"));
            assertThat(now.getProvisioner()).isEqualTo(provisioner);
            assertThat(now.getReclaimPolicy()).isEqualTo("Delete");
            kube.awaitBound("meanwhile", Duration.ofSeconds(90));
            kube.create(kube.claimBuilder("after", cls));
            var after = kube.awaitBound("after");
            assertThat(kube.volume(after.getSpec().getVolumeName())
                            .getMetadata()
                            .getAnnotations())
                    .containsEntry(Names.ANN_OWNERSHIP, "consumer");
            // without --existing-volumes the volume made before stays as it was
            assertThat(kube.volume(before.getSpec().getVolumeName())
                            .getMetadata()
                            .getAnnotations())
                    .doesNotContainKey(Names.ANN_OWNERSHIP);

            // on purpose: --existing-volumes hands the old volume to its consumer too
            var again = edit(
                    env,
                    cls,
                    "ownership=consumer",
                    "overcommit=1",
                    "--existing-volumes",
                    "--apply",
                    "--backup-dir",
                    backups.toString());
            assertThat(again.exit()).as(again.all()).isZero();
            assertThat(again.out()).contains("give the class's 1 existing volume(s) to their consumers");
            assertThat(kube.volume(before.getSpec().getVolumeName())
                            .getMetadata()
                            .getAnnotations())
                    .containsEntry(Names.ANN_OWNERSHIP, "consumer");
            env.client
                    .pods()
                    .resource(new PodBuilder()
                            .withNewMetadata()
                            .withNamespace(n)
                            .withName("db")
                            .endMetadata()
                            .withNewSpec()
                            .withNodeName("node-1")
                            .withNewSecurityContext()
                            .withRunAsUser(999L)
                            .withFsGroup(999L)
                            .endSecurityContext()
                            .addNewContainer()
                            .withName("db")
                            .withImage("mysql")
                            .endContainer()
                            .addNewVolume()
                            .withName("data")
                            .withNewPersistentVolumeClaim("before", false)
                            .endVolume()
                            .endSpec()
                            .build())
                    .create();
            Await.until(
                    "the old volume given to its consumer",
                    Duration.ofSeconds(60),
                    () -> "2770 999:999"
                            .equals(kube.volume(before.getSpec().getVolumeName())
                                    .getMetadata()
                                    .getAnnotations()
                                    .get(Names.ANN_OWNER_APPLIED)));
            assertThat(Files.readString(backups.resolve("storageclass-" + cls + ".yaml")))
                    .contains("ownership: \"consumer\"")
                    .doesNotContain("overcommit");
        } finally {
            env.client.storage().v1().storageClasses().withName(cls).delete();
        }
    }

    private static List<String> command(TestEnvironment env, String... args) {
        var cmd = new ArrayList<>(
                List.of(TestEnvironment.REPO.resolve("bin/nfsprov").toString(), "edit-class"));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("--kubeconfig", env.kubeconfig.toString()));
        return cmd;
    }

    private static Cli.Run edit(TestEnvironment env, String... args) {
        var cmd = command(env, args);
        return Cli.run(cmd.subList(1, cmd.size()));
    }
}
