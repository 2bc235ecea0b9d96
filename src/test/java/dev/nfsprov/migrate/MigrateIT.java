package dev.nfsprov.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.protocol.Names;
import dev.nfsprov.testenv.Await;
import dev.nfsprov.testenv.Kube;
import dev.nfsprov.testenv.ProvisionerProcess;
import dev.nfsprov.testenv.RealCluster;
import dev.nfsprov.testenv.RealCluster.TestNamespace;
import dev.nfsprov.testenv.TestEnvironment;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * nfsprov migrate on the real control plane, from a class, claim and volume shaped as nfs-subdir's chart and
 * controller make them (Helm's labels and annotations on the class, provisioned-by on the volume, no finalizer).
 */
@ExtendWith(RealCluster.class)
class MigrateIT {

    private record Run(int exit, String out) {}

    private static Run nfsprov(TestEnvironment env, String... args) {
        var all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--kubeconfig", env.kubeconfig.toString()));
        var r = dev.nfsprov.testenv.Cli.run(all);
        return new Run(r.exit(), r.all());
    }

    @Test
    void nfsSubdirsVolumesAndClassBecomeNfsprovsAndItsDataIsArchivedOnDelete(TestNamespace namespace) throws Exception {
        var env = namespace.env();
        String ns = namespace.name();
        var kube = new Kube(env.client, ns);
        String old = "cluster.local/" + ns + "-nfs-subdir-external-provisioner";
        String nfsprov = "nfsprov.dev/" + ns;
        String className = ns + "-nfs-client";
        env.client
                .storage()
                .v1()
                .storageClasses()
                .resource(new StorageClassBuilder()
                        .withNewMetadata()
                        .withName(className)
                        .addToLabels("app", "nfs-subdir-external-provisioner")
                        .addToLabels("chart", "nfs-subdir-external-provisioner-4.0.18")
                        .addToLabels("heritage", "Helm")
                        .addToLabels("release", "nfs-subdir-external-provisioner")
                        .addToLabels("app.kubernetes.io/managed-by", "Helm")
                        .addToAnnotations("meta.helm.sh/release-name", "nfs-subdir-external-provisioner")
                        .addToAnnotations("meta.helm.sh/release-namespace", "default")
                        .endMetadata()
                        .withProvisioner(old)
                        .withParameters(Map.of("archiveOnDelete", "true"))
                        .withReclaimPolicy("Delete")
                        .withAllowVolumeExpansion(true)
                        .withVolumeBindingMode("Immediate")
                        .build())
                .create();
        var claim = kube.create(kube.claimBuilder("old-data", className));
        String pv = "pvc-" + claim.getMetadata().getUid();
        Path dir = Files.createDirectories(env.exportDir.resolve(ns + "-old-data-" + pv));
        Files.writeString(dir.resolve("kept"), "from nfs-subdir\n");
        kube.oldVolume(claim, old, "127.0.0.1", env.nfsPath + "/" + ns + "-old-data-" + pv, "1Gi");
        kube.awaitBound("old-data");

        String[] args = {
            "migrate",
            "--from-provisioner",
            old,
            "--to-provisioner",
            nfsprov,
            "--nfs-server",
            "127.0.0.1",
            "--nfs-path",
            env.nfsPath,
            "--backup-dir",
            env.stateDir.resolve("migrate-" + ns).toString()
        };
        var wrongShare = nfsprov(
                env,
                "migrate",
                "--from-provisioner",
                old,
                "--to-provisioner",
                nfsprov,
                "--nfs-server",
                "nas.example",
                "--nfs-path",
                env.nfsPath);
        assertThat(wrongShare.exit()).isNotZero();
        assertThat(wrongShare.out())
                .contains("PersistentVolume " + pv + " is at 127.0.0.1:")
                .contains("not inside nfsprov's share nas.example:")
                .contains("--nfs-server-alias");
        // issue 32: the old volumes name the server another way: given as an alias, they are the share's
        var aliased = nfsprov(
                env,
                "migrate",
                "--from-provisioner",
                old,
                "--to-provisioner",
                nfsprov,
                "--nfs-server",
                "nas.example",
                "--nfs-server-alias",
                "127.0.0.1",
                "--nfs-path",
                env.nfsPath);
        assertThat(aliased.exit()).as(aliased.out()).isZero();
        assertThat(aliased.out()).contains("PersistentVolume " + pv + " (claim " + ns + "/old-data)");

        var plan = nfsprov(env, args);
        assertThat(plan.exit()).as(plan.out()).isZero();
        assertThat(plan.out())
                .contains("re-create StorageClass " + className + " with provisioner " + nfsprov)
                .contains("PersistentVolume " + pv + " (claim " + ns + "/old-data): provisioned-by " + old + " → "
                        + nfsprov)
                .contains("nothing changed");
        assertThat(env.client
                        .storage()
                        .v1()
                        .storageClasses()
                        .withName(className)
                        .get()
                        .getProvisioner())
                .isEqualTo(old);

        // A run killed between deleting the class and re-creating it: the class is in the backups only.
        Path backups = Files.createDirectories(env.stateDir.resolve("migrate-" + ns));
        var before =
                env.client.storage().v1().storageClasses().withName(className).get();
        Files.writeString(
                backups.resolve("storageclass-" + className + ".yaml"),
                io.fabric8.kubernetes.client.utils.Serialization.asYaml(before));
        env.client.storage().v1().storageClasses().withName(className).delete();
        Await.until(
                "class deleted",
                Duration.ofSeconds(30),
                () -> env.client
                                .storage()
                                .v1()
                                .storageClasses()
                                .withName(className)
                                .get()
                        == null);
        var resumed = nfsprov(env, args);
        assertThat(resumed.out())
                .contains("re-create StorageClass " + className + " with provisioner " + nfsprov + " from its backup");

        var apply = nfsprov(env, append(args, "--apply"));
        assertThat(apply.exit()).as(apply.out()).isZero();
        var cls = env.client.storage().v1().storageClasses().withName(className).get();
        assertThat(cls.getProvisioner()).isEqualTo(nfsprov);
        assertThat(cls.getParameters()).isEqualTo(Map.of("archiveOnDelete", "true"));
        assertThat(cls.getAllowVolumeExpansion()).isTrue();
        assertThat(cls.getMetadata().getLabels())
                .containsEntry("app", "nfs-subdir-external-provisioner")
                .doesNotContainKeys("heritage", "app.kubernetes.io/managed-by");
        assertThat(cls.getMetadata().getAnnotations()).doesNotContainKey("meta.helm.sh/release-name");
        assertThat(kube.volume(pv).getMetadata().getAnnotations()).containsEntry(Names.ANN_PROVISIONED_BY, nfsprov);
        assertThat(env.stateDir.resolve("migrate-" + ns + "/storageclass-" + className + ".yaml"))
                .content()
                .contains("provisioner: \"" + old + "\"");
        var again = nfsprov(env, append(args, "--apply"));
        assertThat(again.exit()).as("safe to run again: " + again.out()).isZero();
        assertThat(again.out()).contains("StorageClass " + className + ": done already");
        assertThat(env.stateDir.resolve("migrate-" + ns + "/storageclass-" + className + ".yaml"))
                .as("the backup is the class as it was, not overwritten by a later run")
                .content()
                .contains("provisioner: \"" + old + "\"");

        try (var p = ProvisionerProcess.start(env, nfsprov, true, Map.of("POD_NAMESPACE", ns))) {
            kube.create(kube.claimBuilder("new-data", className));
            kube.awaitBound("new-data");
            kube.deleteClaim("old-data");
            kube.awaitVolumeGone(pv);
            Path archived = dir.resolveSibling("archived-" + dir.getFileName());
            Await.until("the old volume archived", Duration.ofSeconds(30), () -> Files.isDirectory(archived));
            assertThat(archived.resolve("kept")).hasContent("from nfs-subdir");
        }
    }

    private static String[] append(String[] a, String more) {
        var l = new ArrayList<>(List.of(a));
        l.add(more);
        return l.toArray(String[]::new);
    }

    /**
     * Issue 32: nfs-subdir v4.0.2 looked for <mount>/<basename of the PV path> on delete, so for a nested pathPattern it
     * never found the directory and kept it ("does not exist, deletion skipped"): users of such classes with
     * archiveOnDelete "false" have been keeping data for years, which nfsprov would now delete. migrate records retain
     * on those volumes unless told otherwise, and proposes existingDirectory: reuse where nfs-subdir reused
     * directories (no ${.PV.name} in the pattern, data kept).
     */
    @Test
    void nestedPatternVolumesNfsSubdirNeverDeletedAreKeptAndReuseIsProposed(TestNamespace namespace) {
        var env = namespace.env();
        String ns = namespace.name();
        var kube = new Kube(env.client, ns);
        String old = "cluster.local/" + ns + "-old";
        String nfsprov = "nfsprov.dev/" + ns;
        String className = ns + "-nested";
        kube.storageClass(
                className,
                old,
                Map.of("pathPattern", "${.PVC.namespace}/${.PVC.name}", "archiveOnDelete", "false"),
                "Delete",
                "Immediate");
        var claim = kube.create(kube.claimBuilder("db", className));
        String pv = "pvc-" + claim.getMetadata().getUid();
        kube.oldVolume(claim, old, "127.0.0.1", env.nfsPath + "/" + ns + "/db", "1Gi");
        String[] args = {
            "migrate",
            "--from-provisioner",
            old,
            "--to-provisioner",
            nfsprov,
            "--nfs-server",
            "127.0.0.1",
            "--nfs-path",
            env.nfsPath,
            "--backup-dir",
            env.stateDir.resolve("migrate-nested-" + ns).toString()
        };
        var plan = nfsprov(env, args);
        assertThat(plan.exit()).as(plan.out()).isZero();
        assertThat(plan.out())
                .contains("PersistentVolume " + pv + " (claim " + ns + "/db): provisioned-by " + old + " → " + nfsprov
                        + "; onDelete retain recorded")
                .contains("never found these directories (nfs-subdir #91, #167, #272)")
                .contains("--reuse-existing-directories re-creates the class with existingDirectory: reuse")
                .contains("give --mount-path (the share mounted here) to count the directories nfs-subdir v4.0.2 left");
        // with the share mounted, the directories nfs-subdir left behind (claims gone, data kept) are counted: one
        // more left here must show as one more (the share is shared with other tests)
        String[] mounted = append(append(args, "--mount-path"), env.exportDir.toString());
        long before = leftovers(nfsprov(env, mounted).out());
        try {
            java.nio.file.Files.createDirectories(env.exportDir.resolve(ns).resolve("deleted-years-ago"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        assertThat(leftovers(nfsprov(env, mounted).out())).isEqualTo(before + 1);
        var apply = nfsprov(env, append(append(args, "--reuse-existing-directories"), "--apply"));
        assertThat(apply.exit()).as(apply.out()).isZero();
        assertThat(kube.volume(pv).getMetadata().getAnnotations())
                .containsEntry(Names.ANN_PROVISIONED_BY, nfsprov)
                .containsEntry(Names.ANN_ON_DELETE, "retain");
        assertThat(env.client
                        .storage()
                        .v1()
                        .storageClasses()
                        .withName(className)
                        .get()
                        .getParameters())
                .containsEntry("existingDirectory", "reuse")
                .containsEntry("archiveOnDelete", "false");
    }

    /** The number in migrate's "N directories 2 levels down the share ... are no volume's" note. */
    private static long leftovers(String out) {
        var m = java.util.regex.Pattern.compile("note: (\\d+) director(?:y|ies) 2 levels down the share")
                .matcher(out);
        assertThat(m.find()).as(out).isTrue();
        return Long.parseLong(m.group(1));
    }
}
