package dev.nfsprov.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.protocol.Names;
import dev.nfsprov.testenv.Await;
import dev.nfsprov.testenv.Commands;
import dev.nfsprov.testenv.Kube;
import dev.nfsprov.testenv.NodeEnvironment;
import dev.nfsprov.testenv.TestEnvironment;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * docs/migration.md, "From the Kubeflow guide's Helm 2 install", command by command on a node (issue 32): from
 * what stable/nfs-client-provisioner left (src/test/resources/helm2), to nfsprov serving the guide's class nfs.
 */
@Tag("node")
class Helm2GuideOnNodeIT {

    static final String OLD = "cluster.local/nfs-client-provisioner";
    static final String NS = "nfsprov-helm2"; // the doc's nfsprov-system is GuideOnNodeIT's
    static final String APPS = "helm2-apps";

    @Test
    void theGuidesHelm2InstallIsReplacedAsDocumented() throws Exception {
        var node = NodeEnvironment.get();
        KubernetesClient client = node.client;
        Await.until(
                "no class nfs left by an earlier test",
                Duration.ofSeconds(60),
                () -> client.storage().v1().storageClasses().withName("nfs").get() == null);
        client.namespaces()
                .resource(new NamespaceBuilder()
                        .withNewMetadata()
                        .withName(APPS)
                        .endMetadata()
                        .build())
                .serverSideApply();
        Path leftovers = node.stateDir.resolve("helm2-leftovers.yaml");
        Files.writeString(
                leftovers,
                Files.readString(TestEnvironment.REPO.resolve("src/test/resources/helm2/nfs-client-provisioner.yaml"))
                        .replace("value: NFS_SERVER", "value: \"" + node.nfsServer + "\"")
                        .replace("value: NFS_PATH", "value: \"" + node.nfsPath + "\""));
        kubectl(node, "apply", "-f", leftovers.toString());
        var apps = new Kube(client, APPS);
        String oldVolume = volumeAsTheOldProvisionerMadeIt(node, apps, "kubeflow-mysql");

        // What users hit: Helm 3 cannot take over a class Helm 2 made
        var install = new ArrayList<>(List.of(
                "install",
                "nfs-client-provisioner",
                Helm.CHART.toString(),
                "-n",
                NS,
                "--create-namespace",
                "--set",
                "nfs.server=" + node.nfsServer,
                "--set",
                "nfs.path=" + node.nfsPath,
                "--set",
                "storageClass.name=nfs",
                "--set",
                "storageClass.defaultClass=true",
                "--set",
                "storageClass.provisionerName=" + OLD,
                "--set",
                "storageClass.allowVolumeExpansion=true",
                "--set",
                "image.repository=" + node.imageRepository,
                "--set",
                "image.tag=" + node.imageTag));
        var refused = Helm.result(node, install);
        assertThat(refused.exitCode()).isNotZero();
        assertThat(refused.stderr()).contains("StorageClass \"nfs\"").contains("invalid ownership metadata");

        // 1. Stop the old provisioner and remove what Helm 2 made (Tiller long gone)
        kubectl(
                node,
                "-n",
                "default",
                "delete",
                "deployment,serviceaccount,role,rolebinding",
                "-l",
                "release=nfs-client-provisioner");
        kubectl(node, "delete", "clusterrole,clusterrolebinding", "-l", "release=nfs-client-provisioner");
        kubectl(node, "delete", "storageclass", "nfs");
        kubectl(node, "-n", "kube-system", "delete", "configmap", "-l", "NAME=nfs-client-provisioner,OWNER=TILLER");
        assertThat(apps.claim("kubeflow-mysql").getStatus().getPhase()).isEqualTo("Bound");
        assertThat(client.apps()
                        .deployments()
                        .inNamespace("default")
                        .withName("nfs-client-provisioner")
                        .get())
                .isNull();
        assertThat(client.rbac()
                        .clusterRoles()
                        .withName("nfs-client-provisioner-runner")
                        .get())
                .isNull();

        // 2. Install nfsprov with the guide's values and the old provisioner name
        install.addAll(List.of("--wait", "--timeout", "3m"));
        Helm.run(node, install);
        var nfs = client.storage().v1().storageClasses().withName("nfs").get();
        assertThat(nfs.getProvisioner()).isEqualTo(OLD);
        assertThat(Names.isDefault(nfs)).isTrue();
        assertThat(nfs.getAllowVolumeExpansion()).isTrue();
        assertThat(apps.claim("kubeflow-mysql").getStatus().getPhase()).isEqualTo("Bound");

        // Kubeflow's claims without a class get nfsprov's volumes; the old volume is reclaimed as the class said
        apps.create(apps.claimBuilder("katib-mysql", null));
        var bound = apps.awaitBound("katib-mysql", Duration.ofSeconds(90));
        assertThat(bound.getSpec().getStorageClassName()).isEqualTo("nfs");
        apps.deleteClaim("kubeflow-mysql");
        Await.until(
                "the old volume reclaimed by nfsprov",
                Duration.ofSeconds(90),
                () -> client.persistentVolumes().withName(oldVolume).get() == null);
        assertThat(node.exportDir.resolve("archived-" + APPS + "-kubeflow-mysql-" + oldVolume + "/data"))
                .as("archiveOnDelete: \"true\", the old class's")
                .hasContent("old data\n");

        // leave the node as found
        String volume = bound.getSpec().getVolumeName();
        apps.deleteClaim("katib-mysql");
        Await.until(
                "volume " + volume + " reclaimed",
                Duration.ofSeconds(90),
                () -> client.persistentVolumes().withName(volume).get() == null);
        Helm.run(node, List.of("uninstall", "nfs-client-provisioner", "-n", NS, "--wait"));
        for (String ns : List.of(NS, APPS)) client.namespaces().withName(ns).delete();
    }

    /** A claim of class nfs with a directory and a PV as nfs-client-provisioner made them, Bound. */
    private static String volumeAsTheOldProvisionerMadeIt(NodeEnvironment node, Kube apps, String claim)
            throws Exception {
        var c = apps.create(apps.claimBuilder(claim, "nfs"));
        String volume = "pvc-" + c.getMetadata().getUid();
        Path dir = node.exportDir.resolve(APPS + "-" + claim + "-" + volume);
        Files.createDirectory(dir);
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.writeString(dir.resolve("data"), "old data\n");
        apps.oldVolume(c, OLD, node.nfsServer, node.nfsPath + "/" + dir.getFileName(), "10Gi");
        apps.awaitBound(claim, Duration.ofSeconds(60));
        return volume;
    }

    private static String kubectl(NodeEnvironment node, String... args) {
        var cmd = new ArrayList<String>();
        cmd.add(TestEnvironment.tool("kubectl").toString());
        cmd.addAll(List.of(args));
        return Commands.runOrFail(Map.of("KUBECONFIG", node.kubeconfig.toString()), cmd, "kubectl failed");
    }
}
