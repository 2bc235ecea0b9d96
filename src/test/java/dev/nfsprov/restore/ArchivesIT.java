package dev.nfsprov.restore;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.testenv.Await;
import dev.nfsprov.testenv.Kube;
import dev.nfsprov.testenv.Nfs;
import dev.nfsprov.testenv.ProvisionerProcess;
import dev.nfsprov.testenv.RealCluster;
import dev.nfsprov.testenv.RealCluster.TestNamespace;
import dev.nfsprov.testenv.TestEnvironment;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** Archives listed with where they came from, restored into a new claim, and a hand-made directory adopted. */
@ExtendWith(RealCluster.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ArchivesIT {

    private TestEnvironment env;
    private String ns;
    private Kube kube;
    private ProvisionerProcess provisioner;

    @BeforeAll
    void start(TestNamespace namespace) {
        env = namespace.env();
        ns = namespace.name();
        kube = new Kube(env.client, ns);
        String name = "nfsprov.dev/" + ns;
        provisioner = ProvisionerProcess.start(env, name, true, Map.of());
        kube.storageClass(ns + "-std", name, Map.of(), "Delete", "Immediate");
    }

    @AfterAll
    void stop() {
        provisioner.close();
    }

    private record Run(int exit, String out) {}

    private Run nfsprov(String... args) {
        var all = new ArrayList<>(List.of(args));
        all.addAll(List.of(
                "--kubeconfig",
                env.kubeconfig.toString(),
                "--mount-path",
                env.exportDir.toString(),
                "--nfs-server",
                "127.0.0.1",
                "--nfs-path",
                env.nfsPath));
        var r = dev.nfsprov.testenv.Cli.run(all);
        return new Run(r.exit(), r.all());
    }

    @Test
    void anArchivedVolumeIsListedAndRestoredIntoANewClaimWithItsData() throws Exception {
        kube.create(kube.claimBuilder("db", ns + "-std"));
        var bound = kube.awaitBound("db");
        String pv = bound.getSpec().getVolumeName();
        String path = kube.volume(pv).getSpec().getNfs().getPath();
        new Nfs(env).write(path + "/ibdata1", "the data\n");
        kube.deleteClaim("db");
        kube.awaitVolumeGone(pv);
        String archive = "archived-" + ns + "-db-" + pv;

        var list = nfsprov("archives");
        assertThat(list.exit()).as(list.out()).isZero();
        assertThat(list.out())
                .containsPattern(archive + " +" + ns + " +db +" + pv + " +" + ns + "-std +\\d+Ki +20\\d\\d-");

        var refused = nfsprov("restore", archive, "--to", ns + "/db-again", "--apply", "--storage-class", "none");
        assertThat(refused.exit()).isNotZero();
        assertThat(refused.out()).contains("StorageClass none does not exist");

        var plan = nfsprov("restore", archive, "--to", ns + "/db-again");
        assertThat(plan.exit()).as(plan.out()).isZero();
        assertThat(plan.out())
                .contains("1. rename " + archive + " to " + ns + "-db-" + pv + " on the share (nothing is copied)")
                .contains("create PersistentVolumeClaim " + ns + "/db-again (1Gi, volumeName pvc-")
                .contains("nothing changed: run again with --apply");
        assertThat(env.exportDir.resolve(archive)).isDirectory();

        var applied = nfsprov("restore", archive, "--to", ns + "/db-again", "--apply");
        assertThat(applied.exit()).as(applied.out()).isZero();
        var again = kube.awaitBound("db-again");
        var volume = kube.volume(again.getSpec().getVolumeName());
        assertThat(volume.getSpec().getNfs().getPath()).isEqualTo(env.nfsPath + "/" + ns + "-db-" + pv);
        assertThat(new Nfs(env).cat(volume.getSpec().getNfs().getPath() + "/ibdata1"))
                .isEqualTo("the data\n");
        assertThat(nfsprov("archives").out()).doesNotContain(archive);
        var twice = nfsprov("restore", archive, "--to", ns + "/db-again", "--apply");
        assertThat(twice.exit())
                .as("resumed: every step done already: " + twice.out())
                .isZero();

        // restored volumes are nfsprov's again: deleting the claim archives them
        kube.deleteClaim("db-again");
        kube.awaitVolumeGone(volume.getMetadata().getName());
        Await.until(
                "archived again",
                Duration.ofSeconds(30),
                () -> Files.isDirectory(env.exportDir.resolve("archived-" + ns + "-db-" + pv)));
    }

    @Test
    void aHandMadeDirectoryIsAdoptedAndAVolumeInUseIsNot() throws Exception {
        var dir = Files.createDirectories(env.exportDir.resolve(ns + "-copied-in"));
        Files.writeString(dir.resolve("model.bin"), "weights\n");
        var adopted = nfsprov(
                "adopt",
                ns + "-copied-in",
                "--to",
                ns + "/models",
                "--size",
                "5Gi",
                "--storage-class",
                ns + "-std",
                "--apply");
        assertThat(adopted.exit()).as(adopted.out()).isZero();
        var bound = kube.awaitBound("models");
        assertThat(bound.getStatus().getCapacity().get("storage").toString()).isEqualTo("5Gi");
        assertThat(new Nfs(env).cat(env.nfsPath + "/" + ns + "-copied-in/model.bin"))
                .isEqualTo("weights\n");

        kube.create(kube.claimBuilder("live", ns + "-std"));
        var live = kube.awaitBound("live");
        String livePath =
                kube.volume(live.getSpec().getVolumeName()).getSpec().getNfs().getPath();
        var refused = nfsprov(
                "adopt",
                livePath.substring(env.nfsPath.length() + 1),
                "--to",
                ns + "/thief",
                "--storage-class",
                ns + "-std",
                "--apply");
        assertThat(refused.exit()).isNotZero();
        assertThat(refused.out()).contains("is the volume " + live.getSpec().getVolumeName());
        assertThat(kube.claim("thief")).isNull();

        var taken = nfsprov("adopt", ns + "-copied-in-2", "--to", ns + "/live", "--apply");
        assertThat(taken.exit()).isNotZero();
        assertThat(taken.out()).contains("is not a directory on the share");
        Files.createDirectories(env.exportDir.resolve(ns + "-copied-in-2"));
        taken = nfsprov("adopt", ns + "-copied-in-2", "--to", ns + "/live", "--apply");
        assertThat(taken.exit()).isNotZero();
        assertThat(taken.out())
                .contains("claim " + ns + "/live is bound to " + live.getSpec().getVolumeName());

        // issue 30: overlap was checked on exact paths, so adopting a directory that holds volumes (or one inside a
        // volume) handed their data over
        var holder = Files.createDirectories(env.exportDir.resolve(ns + "-holder"));
        var nested = new io.fabric8.kubernetes.api.model.PersistentVolumeBuilder()
                .withNewMetadata()
                .withName(ns + "-nested-static")
                .endMetadata()
                .withNewSpec()
                .addToCapacity("storage", new io.fabric8.kubernetes.api.model.Quantity("1Gi"))
                .withAccessModes("ReadWriteOnce")
                .withPersistentVolumeReclaimPolicy("Retain")
                .withNewNfs()
                .withServer(kube.volume(live.getSpec().getVolumeName())
                        .getSpec()
                        .getNfs()
                        .getServer())
                .withPath(env.nfsPath + "/" + ns + "-holder/inner")
                .endNfs()
                .endSpec()
                .build();
        Files.createDirectories(holder.resolve("inner"));
        env.client.persistentVolumes().resource(nested).create();
        try {
            var holding = nfsprov("adopt", ns + "-holder", "--to", ns + "/grabber", "--storage-class", ns + "-std");
            assertThat(holding.exit()).isNotZero();
            assertThat(holding.out()).contains(ns + "-nested-static names").contains("inside");
            Files.createDirectories(env.exportDir.resolve(livePath.substring(env.nfsPath.length() + 1) + "/sub"));
            var within = nfsprov(
                    "adopt",
                    livePath.substring(env.nfsPath.length() + 1) + "/sub",
                    "--to",
                    ns + "/grabber",
                    "--storage-class",
                    ns + "-std");
            assertThat(within.exit()).isNotZero();
            assertThat(within.out())
                    .contains("the directory of PersistentVolume "
                            + live.getSpec().getVolumeName());
            assertThat(kube.claim("grabber")).isNull();
        } finally {
            env.client.persistentVolumes().withName(ns + "-nested-static").delete();
        }
    }
}
