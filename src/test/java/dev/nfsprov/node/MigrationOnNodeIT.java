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
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * docs/migration.md, followed command by command on a node: a release of (a stand-in for) nfs-subdir's chart
 * with volumes it made, then the documented helm get values / uninstall / install; the old volumes stay Bound,
 * are reclaimed by nfsprov when their claims go, and new claims of the old class are provisioned.
 */
@Tag("node")
class MigrationOnNodeIT {

    static final Path OLD_CHART = TestEnvironment.REPO.resolve("src/test/resources/nfs-subdir-chart");
    static final String OLD_RELEASE = "nfs-subdir-external-provisioner";
    static final String OLD_NS = "old-provisioner";
    static final String NEW_NS = "nfsprov-migrated";
    static final String APPS = "apps";

    @Test
    void theMigrationGuideTakesOverTheOldClassAndVolumes() throws Exception {
        var node = NodeEnvironment.get();
        KubernetesClient client = node.client;
        for (String ns : List.of(OLD_NS, APPS)) {
            client.namespaces()
                    .resource(new NamespaceBuilder()
                            .withNewMetadata()
                            .withName(ns)
                            .endMetadata()
                            .build())
                    .serverSideApply();
        }
        var apps = new Kube(client, APPS);
        // The old release with its chart's defaults, as its README installs it (issue 32: a values file that set
        // everything hid that helm get values without --all drops defaults such as allowVolumeExpansion: true);
        // pullPolicy Never only so the node never reaches for registry.k8s.io.
        Helm.run(
                node,
                List.of(
                        "install",
                        OLD_RELEASE,
                        OLD_CHART.toString(),
                        "-n",
                        OLD_NS,
                        "--set",
                        "nfs.server=" + node.nfsServer,
                        "--set",
                        "nfs.path=" + node.nfsPath,
                        "--set",
                        "image.pullPolicy=Never"));
        String oldProvisioner = "cluster.local/" + OLD_RELEASE;
        List<String> oldVolumes = new ArrayList<>();
        for (String claim : List.of("old-kept", "old-deleted"))
            oldVolumes.add(volumeAsNfsSubdirMadeIt(node, apps, claim));

        // 1. What the old release says
        Path oldValues = node.stateDir.resolve("old-values.yaml");
        Files.writeString(
                oldValues, Helm.run(node, List.of("get", "values", OLD_RELEASE, "-n", OLD_NS, "--all", "-o", "yaml")));
        assertThat(Files.readString(oldValues)).contains("nfs-subdir-external-provisioner"); // its image.repository
        var provisioner = kubectl(node, "get", "storageclass", "nfs-client", "-o", "jsonpath={.provisioner}");
        assertThat(provisioner).isEqualTo(oldProvisioner);

        // 2. Stop the old provisioner
        Helm.run(node, List.of("uninstall", OLD_RELEASE, "-n", OLD_NS, "--wait"));
        assertThat(apps.claim("old-kept").getStatus().getPhase()).isEqualTo("Bound");

        // 3. Install nfsprov with the same values (without the image flags the chart refuses the old file)
        var install = List.of(
                "install",
                "nfsprov",
                Helm.CHART.toString(),
                "-n",
                NEW_NS,
                "--create-namespace",
                "-f",
                oldValues.toString());
        var refused = Helm.result(node, install);
        assertThat(refused.stderr()).contains("image.repository is nfs-subdir-external-provisioner's image");
        Helm.run(
                node,
                Stream.concat(
                                install.stream(),
                                Stream.of(
                                        "--set",
                                        "storageClass.provisionerName=" + provisioner,
                                        "--set",
                                        "image.repository=" + node.imageRepository,
                                        "--set",
                                        "image.tag=" + node.imageTag,
                                        // the old release's Never was this test's (its stand-in image is local
                                        // only); nfsprov's image is pulled from the node's registry
                                        "--set",
                                        "image.pullPolicy=IfNotPresent",
                                        "--wait",
                                        "--timeout",
                                        "3m"))
                        .toList());

        // 4. Check: old volumes stay Bound and are reclaimed by nfsprov; new claims are provisioned
        assertThat(apps.claim("old-kept").getStatus().getPhase()).isEqualTo("Bound");
        // every behaviour of the old release, defaults included: its class let claims grow
        assertThat(client.storage()
                        .v1()
                        .storageClasses()
                        .withName("nfs-client")
                        .get()
                        .getAllowVolumeExpansion())
                .isTrue();
        var created = apps.create(apps.claimBuilder("new", "nfs-client"));
        var bound = apps.awaitBound("new", Duration.ofSeconds(90));
        var pv = apps.volume(bound.getSpec().getVolumeName());
        assertThat(pv.getMetadata().getAnnotations()).containsEntry(Names.ANN_PROVISIONED_BY, oldProvisioner);
        assertThat(pv.getSpec().getNfs().getPath())
                .isEqualTo(
                        node.nfsPath + "/" + APPS + "-new-" + pv.getMetadata().getName());
        assertThat(created).isNotNull();

        String deleted = oldVolumes.get(1);
        apps.deleteClaim("old-deleted");
        Await.until(
                "the old volume " + deleted + " reclaimed by nfsprov",
                Duration.ofSeconds(90),
                () -> client.persistentVolumes().withName(deleted).get() == null);
        assertThat(node.exportDir.resolve(APPS + "-old-deleted-" + deleted)).doesNotExist();
        assertThat(node.exportDir.resolve("archived-" + APPS + "-old-deleted-" + deleted + "/data"))
                .as("archived, archiveOnDelete: true as the old class said")
                .hasContent("old data\n");

        // leave the node as found: claims reclaimed by nfsprov, then both releases gone
        for (String claim : List.of("old-kept", "new")) {
            String volume = apps.claim(claim).getSpec().getVolumeName();
            apps.deleteClaim(claim);
            Await.until(
                    "volume " + volume + " reclaimed",
                    Duration.ofSeconds(90),
                    () -> client.persistentVolumes().withName(volume).get() == null);
        }
        Helm.run(node, List.of("uninstall", "nfsprov", "-n", NEW_NS, "--wait"));
        for (String ns : List.of(OLD_NS, APPS, NEW_NS))
            client.namespaces().withName(ns).delete();
    }

    /** A claim of class nfs-client with a directory and a PV shaped as nfs-subdir v4 makes them, Bound. */
    private static String volumeAsNfsSubdirMadeIt(NodeEnvironment node, Kube apps, String claim) throws Exception {
        var c = apps.create(apps.claimBuilder(claim, "nfs-client"));
        String volume = "pvc-" + c.getMetadata().getUid();
        Path dir = node.exportDir.resolve(APPS + "-" + claim + "-" + volume);
        Files.createDirectory(dir);
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.writeString(dir.resolve("data"), "old data\n");
        apps.oldVolume(
                c, "cluster.local/" + OLD_RELEASE, node.nfsServer, node.nfsPath + "/" + dir.getFileName(), "1Gi");
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
