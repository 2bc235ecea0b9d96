package dev.nfsprov.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.testenv.Commands;
import dev.nfsprov.testenv.RealCluster;
import dev.nfsprov.testenv.RealCluster.TestNamespace;
import dev.nfsprov.testenv.TestEnvironment;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A values file written for nfs-subdir-external-provisioner's chart installs this chart and means what it meant
 * there; keys this chart does not know, and nfs-subdir's image, fail the install with a message naming them.
 */
@ExtendWith(RealCluster.class)
class NfsSubdirValuesIT {

    static final Path VALUES = TestEnvironment.REPO.resolve("src/test/resources/values/nfs-subdir-4.0.18.yaml");

    @Test
    void anNfsSubdirValuesFileMeansWhatItMeantThere(TestNamespace ns) {
        String yaml = Chart.template("nfs-subdir-external-provisioner", ns.name(), List.of("-f", VALUES.toString()));
        var objects = ChartIT.objects(ns.env(), yaml);

        var sc = one(objects, StorageClass.class);
        assertThat(sc.getMetadata().getName()).isEqualTo("nas");
        assertThat(sc.getMetadata().getAnnotations())
                .containsEntry("storageclass.kubernetes.io/is-default-class", "true")
                .containsEntry("team", "storage");
        assertThat(sc.getReclaimPolicy()).isEqualTo("Retain");
        assertThat(sc.getVolumeBindingMode()).isEqualTo("WaitForFirstConsumer");
        assertThat(sc.getAllowVolumeExpansion()).isTrue();
        assertThat(sc.getMountOptions())
                .as("nfs.mountOptions mount the volumes")
                .containsExactly("nfsvers=3", "hard");
        assertThat(sc.getParameters())
                .isEqualTo(Map.of(
                        "archiveOnDelete", "false",
                        "onDelete", "retain",
                        "pathPattern", "${.PVC.namespace}/${.PVC.annotations.nfs.io/storage-path}"));
        assertThat(sc.getProvisioner()).isEqualTo("cluster.local/nfs-subdir-external-provisioner-nfsprov");

        var deployment = one(objects, Deployment.class);
        assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
        assertThat(deployment.getSpec().getStrategy().getType()).isEqualTo("Recreate");
        var pod = deployment.getSpec().getTemplate();
        assertThat(pod.getMetadata().getAnnotations()).containsEntry("backup.example/skip", "true");
        assertThat(pod.getMetadata().getLabels()).containsEntry("team", "storage");
        var spec = pod.getSpec();
        assertThat(spec.getServiceAccountName()).isEqualTo("nas-provisioner");
        assertThat(spec.getNodeSelector()).isEqualTo(Map.of("kubernetes.io/os", "linux"));
        assertThat(spec.getTolerations().getFirst().getKey()).isEqualTo("storage");
        assertThat(spec.getImagePullSecrets().getFirst().getName()).isEqualTo("registry-credentials");
        assertThat(spec.getSecurityContext().getRunAsUser())
                .as("an empty podSecurityContext keeps the chart's")
                .isZero();
        var container = spec.getContainers().getFirst();
        assertThat(container.getImage())
                .as("nfs-subdir's image removed, as the chart's message says: the published nfsprov image")
                .isEqualTo("ghcr.io/nfsprov/nfsprov:" + TestEnvironment.VERSION);
        assertThat(container.getResources().getLimits().get("memory").toString())
                .isEqualTo("256Mi");
        Map<String, String> env = container.getEnv().stream()
                .filter(e -> e.getValue() != null)
                .collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
        assertThat(env)
                .containsEntry("NFS_SERVER", "nas.example.internal")
                .containsEntry("NFS_PATH", "/volume1/k8s")
                .containsEntry("ENABLE_LEADER_ELECTION", "false")
                .containsEntry("PROVISIONER_NAME", sc.getProvisioner());
        // with mount options, the controller's own mount goes through a static PV/PVC pair, as in nfs-subdir
        var share = spec.getVolumes().getFirst();
        assertThat(share.getName()).isEqualTo("nfs-subdir-external-provisioner-root");
        assertThat(share.getPersistentVolumeClaim().getClaimName())
                .isEqualTo("pvc-nfs-subdir-external-provisioner-nfsprov");
        var pv = one(objects, PersistentVolume.class);
        assertThat(pv.getSpec().getMountOptions()).containsExactly("nfsvers=3", "hard");
        assertThat(pv.getSpec().getPersistentVolumeReclaimPolicy()).isEqualTo("Retain");
        assertThat(pv.getSpec().getNfs().getServer()).isEqualTo("nas.example.internal");

        assertThat(one(objects, ServiceAccount.class).getMetadata().getAnnotations())
                .containsEntry("example/owner", "storage-team");
        assertThat(one(objects, PodDisruptionBudget.class)
                        .getSpec()
                        .getMaxUnavailable()
                        .getIntVal())
                .isEqualTo(1);

        var dryRun = Chart.kubectl(ns.env(), yaml, "apply", "--dry-run=server", "-n", ns.name(), "-f", "-");
        assertThat(dryRun.exitCode()).as(dryRun.stderr()).isZero();
    }

    @Test
    void nfsSubdirsImageKeysFailTheInstallNamingTheKey() throws Exception {
        Path withImage = Files.createTempFile("values", ".yaml");
        Files.writeString(withImage, Files.readString(VALUES) + """
                image:
                  repository: registry.k8s.io/sig-storage/nfs-subdir-external-provisioner
                  tag: v4.0.2
                  pullPolicy: IfNotPresent
                """);
        assertThat(failure("-f", withImage.toString()))
                .contains("image.repository is nfs-subdir-external-provisioner's image "
                        + "(registry.k8s.io/sig-storage/nfs-subdir-external-provisioner), kept from its values file: "
                        + "remove image.repository and image.tag");
        assertThat(failure("-f", VALUES.toString(), "--set", "image.tag=v4.0.2"))
                .contains("image.tag v4.0.2 is an nfs-subdir-external-provisioner version");
        assertThat(failure("-f", VALUES.toString(), "--set", "podSecurityPolicy.enabled=true"))
                .contains("PodSecurityPolicy was removed in Kubernetes 1.25");
        // issue 32: both old charts' examples set limits of 100m and 128Mi; carried over, the controller idled at
        // 94 MB of 128Mi and took 18 s to answer /healthz
        assertThat(failure(
                        "-f",
                        VALUES.toString(),
                        "--set",
                        "resources.limits.cpu=100m",
                        "--set",
                        "resources.limits.memory=128Mi"))
                .contains("resources.limits.memory 128Mi is below the 192Mi the controller needs")
                .contains("nfs-subdir's example limits (128Mi) do not fit it");
        Files.delete(withImage);
    }

    @Test
    void aMisspeltOrUnknownKeyFailsTheInstall() {
        assertThat(failure("--set", "nfs.server=nas", "--set", "storageClas.name=nfs"))
                .contains("additional properties 'storageClas' not allowed");
        assertThat(failure("--set", "nfs.server=nas", "--set", "nfs.mountOption={nfsvers=3}"))
                .contains("at '/nfs': additional properties 'mountOption' not allowed");
        assertThat(failure("--set", "nfs.server=nas", "--set", "storageClass.onDelete=archve"))
                .contains("/storageClass/onDelete");
        assertThat(failure("--set", "nfs.server=nas", "--set", "controller.logFormat=xml"))
                .contains("/controller/logFormat");
    }

    /** helm install against the real cluster, stopped before anything is created if the values pass. */
    private static String failure(String... values) {
        var cmd = new ArrayList<>(List.of(
                TestEnvironment.tool("helm").toString(), "install", "x", Chart.CHART.toString(), "--dry-run=server"));
        cmd.addAll(List.of(values));
        var r = Commands.run(
                Map.of(
                        "HOME",
                        TestEnvironment.REPO.resolve("target").toString(),
                        "KUBECONFIG",
                        TestEnvironment.get().kubeconfig.toString()),
                cmd);
        assertThat(r.exitCode())
                .as("helm install %s should fail", List.of(values))
                .isNotZero();
        return r.stderr();
    }

    static <T extends HasMetadata> T one(List<HasMetadata> objects, Class<T> type) {
        var found = objects.stream().filter(type::isInstance).map(type::cast).toList();
        assertThat(found).as(type.getSimpleName()).hasSize(1);
        return found.getFirst();
    }
}
