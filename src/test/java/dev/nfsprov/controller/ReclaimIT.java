package dev.nfsprov.controller;

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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** What happens to the data when a claim goes: archive, delete or keep, as the class says. */
@ExtendWith(RealCluster.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReclaimIT {

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
        kube.storageClass(ns + "-archive", name, Map.of(), "Delete", "Immediate");
        kube.storageClass(ns + "-delete", name, Map.of("onDelete", "delete"), "Delete", "Immediate");
        kube.storageClass(ns + "-old-delete", name, Map.of("archiveOnDelete", "false"), "Delete", "Immediate");
        kube.storageClass(ns + "-retain-data", name, Map.of("onDelete", "retain"), "Delete", "Immediate");
        kube.storageClass(ns + "-retain-pv", name, Map.of(), "Retain", "Immediate");
        kube.storageClass(
                ns + "-fixed",
                name,
                Map.of("pathPattern", "${.PVC.namespace}-fixed/${.PVC.name}"),
                "Delete",
                "Immediate");
        kube.storageClass(ns + "-gone", name, Map.of("onDelete", "delete"), "Delete", "Immediate");
    }

    @AfterAll
    void stop() {
        provisioner.close();
    }

    /** Creates a bound claim with a file in its volume; returns the volume directory. */
    private Path boundWithData(String claim, String storageClass) throws Exception {
        kube.create(kube.claimBuilder(claim, storageClass));
        var bound = kube.awaitBound(claim);
        var pv = kube.volume(bound.getSpec().getVolumeName());
        Path dir = env.exportDir.resolve(pv.getSpec().getNfs().getPath().substring(env.nfsPath.length() + 1));
        Files.writeString(dir.resolve("db.sql"), "precious rows");
        return dir;
    }

    private String deleteAndAwaitVolumeGone(String claim) {
        String pv = kube.claim(claim).getSpec().getVolumeName();
        kube.deleteClaim(claim);
        kube.awaitVolumeGone(pv);
        return pv;
    }

    @Test
    void archiveIsTheDefault() throws Exception {
        Path dir = boundWithData("a", ns + "-archive");
        deleteAndAwaitVolumeGone("a");
        assertThat(dir).doesNotExist();
        assertThat(dir.resolveSibling("archived-" + dir.getFileName()).resolve("db.sql"))
                .hasContent("precious rows");
    }

    @Test
    void onDeleteDeleteAndArchiveOnDeleteFalseDelete() throws Exception {
        Path d1 = boundWithData("d1", ns + "-delete");
        Path d2 = boundWithData("d2", ns + "-old-delete");
        deleteAndAwaitVolumeGone("d1");
        deleteAndAwaitVolumeGone("d2");
        for (Path d : new Path[] {d1, d2}) {
            assertThat(d).doesNotExist();
            assertThat(d.resolveSibling("archived-" + d.getFileName())).doesNotExist();
        }
    }

    @Test
    void aDirectoryAStaticCopyOfTheVolumeStillNamesIsNotReclaimed() throws Exception {
        Path dir = boundWithData("shared", ns + "-delete");
        // what `kubectl get pv -o yaml`, edited into a static volume for another claim, looks like
        sparedFor("shared", ns + "-static-copy", "/", "names the same directory");
        assertThat(dir.resolve("db.sql"))
                .as("onDelete=delete, but another volume names it")
                .hasContent("precious rows");
    }

    @Test
    void aDirectoryWithAStaticVolumeForASubDirectoryIsNotReclaimed() throws Exception {
        // issue 30: overlap was checked on exact paths, so the parent's reclaim destroyed a static PV's data below it
        Path dir = boundWithData("parent", ns + "-delete");
        java.nio.file.Files.createDirectories(dir.resolve("sub"));
        java.nio.file.Files.writeString(dir.resolve("sub/data"), "the static volume's");
        sparedFor("parent", ns + "-static-sub", "/sub", "names the same directory or one inside it");
        assertThat(dir.resolve("sub/data")).hasContent("the static volume's");
    }

    /**
     * Makes a static PV for the claim's directory plus suffix, deletes the claim, and waits for the ReclaimSkipped
     * Event naming it (Events about cluster-scoped volumes go to the default namespace).
     */
    private void sparedFor(String claim, String staticName, String suffix, String said) throws Exception {
        var pv = kube.volume(kube.claim(claim).getSpec().getVolumeName());
        var other = new io.fabric8.kubernetes.api.model.PersistentVolumeBuilder()
                .withNewMetadata()
                .withName(staticName)
                .endMetadata()
                .withNewSpec()
                .withCapacity(pv.getSpec().getCapacity())
                .withAccessModes("ReadWriteOnce")
                .withPersistentVolumeReclaimPolicy("Retain")
                .withStorageClassName("")
                .withNewNfs()
                .withServer(pv.getSpec().getNfs().getServer())
                .withPath(pv.getSpec().getNfs().getPath() + suffix)
                .endNfs()
                .endSpec()
                .build();
        env.client.persistentVolumes().resource(other).create();
        try {
            String name = deleteAndAwaitVolumeGone(claim);
            Await.until(
                    "ReclaimSkipped on " + name,
                    Duration.ofSeconds(30),
                    () -> env.client.v1().events().inNamespace("default").list().getItems().stream()
                            .anyMatch(e -> name.equals(e.getInvolvedObject().getName())
                                    && "ReclaimSkipped".equals(e.getReason())
                                    && e.getMessage().contains(staticName + " " + said)));
        } finally {
            env.client.persistentVolumes().withName(staticName).delete();
        }
    }

    @Test
    void onDeleteRetainKeepsTheDirectoryAsItIs() throws Exception {
        Path dir = boundWithData("r", ns + "-retain-data");
        deleteAndAwaitVolumeGone("r");
        assertThat(dir.resolve("db.sql")).hasContent("precious rows");
    }

    @Test
    void reclaimPolicyRetainLeavesTheVolumeReleased() throws Exception {
        Path dir = boundWithData("kept", ns + "-retain-pv");
        String pv = kube.claim("kept").getSpec().getVolumeName();
        kube.deleteClaim("kept");
        Await.until(
                "volume Released",
                Duration.ofSeconds(60),
                () -> kube.volume(pv),
                v -> v.getStatus() != null && "Released".equals(v.getStatus().getPhase()));
        Await.holdsFor(
                "Released volume and its data stay",
                Duration.ofSeconds(2),
                () -> kube.volume(pv) != null && Files.exists(dir.resolve("db.sql")));
    }

    @Test
    void anExistingArchiveIsNeverOverwritten() throws Exception {
        Path first = boundWithData("same", ns + "-fixed");
        deleteAndAwaitVolumeGone("same");
        Await.until("claim gone", Duration.ofSeconds(30), () -> kube.claim("same") == null);
        Path second = boundWithData("same", ns + "-fixed");
        assertThat(second).isEqualTo(first);
        Files.writeString(second.resolve("db.sql"), "second life");
        deleteAndAwaitVolumeGone("same");
        assertThat(first.resolveSibling("archived-same").resolve("db.sql")).hasContent("precious rows");
        assertThat(first.resolveSibling("archived-same-2").resolve("db.sql")).hasContent("second life");
    }

    @Test
    void aPlantedSymlinkDoesNotTakeDataOutsideWithIt() throws Exception {
        Path outside = Files.createDirectories(env.stateDir.resolve("outside-" + ns));
        Files.writeString(outside.resolve("other-tenant"), "not yours");
        Path dir = boundWithData("tenant", ns + "-delete");
        Files.createSymbolicLink(dir.resolve("link-to-outside"), outside);
        Files.createSymbolicLink(dir.resolve("link-to-root"), Path.of("/"));
        Files.createDirectories(dir.resolve("nested"));
        Files.createSymbolicLink(dir.resolve("nested/link-to-file"), outside.resolve("other-tenant"));
        deleteAndAwaitVolumeGone("tenant");
        assertThat(dir).doesNotExist();
        assertThat(outside.resolve("other-tenant")).hasContent("not yours");
    }

    @Test
    void removedStorageClassFallsBackToWhatTheVolumeRemembers() throws Exception {
        Path dir = boundWithData("orphan", ns + "-gone");
        env.client.storage().v1().storageClasses().withName(ns + "-gone").delete();
        Await.until(
                "class gone",
                Duration.ofSeconds(30),
                () -> env.client
                                .storage()
                                .v1()
                                .storageClasses()
                                .withName(ns + "-gone")
                                .get()
                        == null);
        deleteAndAwaitVolumeGone("orphan");
        assertThat(dir).as("onDelete=delete remembered on the PV").doesNotExist();
        assertThat(dir.resolveSibling("archived-" + dir.getFileName())).doesNotExist();
        assertThat(provisioner.get("/metrics").body())
                .containsPattern("controller_persistentvolume_delete_total\\{class=\"" + ns + "-gone\"} 1");
    }

    @Test
    void deletingTheVolumeDirectlyStillReclaimsOnceReleased() throws Exception {
        Path dir = boundWithData("direct", ns + "-delete");
        String pv = kube.claim("direct").getSpec().getVolumeName();
        env.client.persistentVolumes().withName(pv).delete();
        Await.holdsFor(
                "bound volume kept while in use", Duration.ofSeconds(2), () -> Files.exists(dir.resolve("db.sql")));
        kube.deleteClaim("direct");
        kube.awaitVolumeGone(pv);
        assertThat(dir).doesNotExist();
    }
}
