package dev.nfsprov.testenv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nfsprov.testenv.RealCluster.TestNamespace;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Proves the test environment is the real thing: the behaviours nfsprov depends on come from real components. */
@ExtendWith(RealCluster.class)
class EnvironmentIT {

    static PersistentVolumeClaim claim(String ns, String name, String storageClass) {
        return new PersistentVolumeClaimBuilder()
                .withNewMetadata()
                .withNamespace(ns)
                .withName(name)
                .endMetadata()
                .withNewSpec()
                .withAccessModes("ReadWriteOnce")
                .withStorageClassName(storageClass)
                .withNewResources()
                .addToRequests("storage", new Quantity("1Gi"))
                .endResources()
                .endSpec()
                .build();
    }

    @Test
    void serverReportsTheBuiltRelease(TestEnvironment env) {
        assertThat(env.client.getKubernetesVersion().getGitVersion()).matches("v1\\.\\d+\\.\\d+");
        assertThat(env.client.getKubernetesVersion().getGitVersion()).isNotEqualTo("v0.0.0");
    }

    @Test
    void persistentVolumeControllerBindsAStaticVolume(TestNamespace ns) {
        var client = ns.env().client;
        client.persistentVolumes()
                .resource(new PersistentVolumeBuilder()
                        .withNewMetadata()
                        .withName(ns.name() + "-static")
                        .endMetadata()
                        .withNewSpec()
                        .addToCapacity("storage", new Quantity("1Gi"))
                        .withAccessModes("ReadWriteOnce")
                        .withStorageClassName("manual-" + ns.name())
                        .withNewNfs()
                        .withServer("127.0.0.1")
                        .withPath("/nfsprov/static")
                        .endNfs()
                        .endSpec()
                        .build())
                .create();
        client.persistentVolumeClaims()
                .resource(claim(ns.name(), "static", "manual-" + ns.name()))
                .create();
        var bound = Await.until(
                "claim bound by the PV controller",
                Duration.ofSeconds(60),
                () -> client.persistentVolumeClaims()
                        .inNamespace(ns.name())
                        .withName("static")
                        .get(),
                c -> c.getStatus() != null && "Bound".equals(c.getStatus().getPhase()));
        assertThat(bound.getSpec().getVolumeName()).isEqualTo(ns.name() + "-static");
    }

    @Test
    void defaultStorageClassIsAssignedByAdmission(TestNamespace ns) {
        var client = ns.env().client;
        String name = "default-" + ns.name();
        client.storage()
                .v1()
                .storageClasses()
                .resource(new StorageClassBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .addToAnnotations("storageclass.kubernetes.io/is-default-class", "true")
                        .endMetadata()
                        .withProvisioner("example.com/none")
                        .build())
                .create();
        try {
            var created = client.persistentVolumeClaims()
                    .resource(claim(ns.name(), "no-class", null))
                    .create();
            assertThat(created.getSpec().getStorageClassName()).isEqualTo(name);
        } finally {
            client.storage().v1().storageClasses().withName(name).delete();
        }
    }

    @Test
    void storageClassNameIsImmutable(TestNamespace ns) {
        var client = ns.env().client;
        client.persistentVolumeClaims()
                .resource(claim(ns.name(), "immutable", ""))
                .create();
        assertThatThrownBy(() -> client.persistentVolumeClaims()
                        .inNamespace(ns.name())
                        .withName("immutable")
                        .edit(c -> {
                            c.getSpec().setStorageClassName("nfs");
                            return c;
                        }))
                .isInstanceOf(KubernetesClientException.class)
                .hasMessageContaining("spec is immutable");
    }

    @Test
    void claimUsedByAScheduledPodIsProtected(TestNamespace ns) {
        var client = ns.env().client;
        client.persistentVolumeClaims()
                .resource(claim(ns.name(), "protected", ""))
                .create();
        var withFinalizer = client.persistentVolumeClaims()
                .inNamespace(ns.name())
                .withName("protected")
                .get();
        assertThat(withFinalizer.getMetadata().getFinalizers()).contains("kubernetes.io/pvc-protection");
        client.pods()
                .resource(new PodBuilder()
                        .withNewMetadata()
                        .withNamespace(ns.name())
                        .withName("user")
                        .endMetadata()
                        .withNewSpec()
                        .withNodeName("node-1")
                        .addNewContainer()
                        .withName("c")
                        .withImage("busybox")
                        .endContainer()
                        .addNewVolume()
                        .withName("data")
                        .withNewPersistentVolumeClaim()
                        .withClaimName("protected")
                        .endPersistentVolumeClaim()
                        .endVolume()
                        .endSpec()
                        .build())
                .create();
        client.persistentVolumeClaims()
                .inNamespace(ns.name())
                .withName("protected")
                .delete();
        var terminating = client.persistentVolumeClaims()
                .inNamespace(ns.name())
                .withName("protected")
                .get();
        assertThat(terminating.getMetadata().getDeletionTimestamp()).isNotNull();
        // the pvc-protection controller keeps it while the pod exists; it would be gone within this window otherwise
        Await.holdsFor(
                "claim held by pvc-protection while its pod exists",
                Duration.ofSeconds(3),
                () -> client.persistentVolumeClaims()
                                .inNamespace(ns.name())
                                .withName("protected")
                                .get()
                        != null);

        // no kubelet confirms a graceful delete here, so delete the pod at once
        client.pods().inNamespace(ns.name()).withName("user").withGracePeriod(0).delete();
        Await.until(
                "claim gone once its pod is",
                Duration.ofSeconds(60),
                () -> client.persistentVolumeClaims()
                                .inNamespace(ns.name())
                                .withName("protected")
                                .get()
                        == null);
    }

    @Test
    void libnfsReadsAndWritesTheExportThroughGanesha(TestEnvironment env) throws Exception {
        var nfs = new Nfs(env);
        nfs.write(env.nfsPath + "/from-client.txt", "written over NFSv4\n");
        assertThat(env.exportDir.resolve("from-client.txt")).hasContent("written over NFSv4");
        Files.writeString(env.exportDir.resolve("from-server.txt"), "written into the directory\n");
        assertThat(nfs.cat(env.nfsPath + "/from-server.txt")).isEqualTo("written into the directory\n");
        assertThat(nfs.ls(env.nfsPath)).contains("from-client.txt").contains("from-server.txt");
    }
}
