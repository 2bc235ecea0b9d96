package dev.nfsprov.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.testenv.Await;
import dev.nfsprov.testenv.Kube;
import dev.nfsprov.testenv.Nfs;
import dev.nfsprov.testenv.ProvisionerProcess;
import dev.nfsprov.testenv.RealCluster;
import dev.nfsprov.testenv.RealCluster.TestNamespace;
import dev.nfsprov.testenv.TestEnvironment;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** Claim → directory → PersistentVolume → Bound, against the real control plane and ganesha. */
@ExtendWith(RealCluster.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProvisioningIT {

    private TestEnvironment env;
    private String ns;
    private Kube kube;
    private ProvisionerProcess provisioner;
    private String provisionerName;

    @BeforeAll
    void start(TestNamespace namespace) {
        env = namespace.env();
        ns = namespace.name();
        kube = new Kube(env.client, ns);
        provisionerName = "nfsprov.dev/" + ns;
        provisioner = ProvisionerProcess.start(env, provisionerName, true, Map.of());
        // claims of this class may choose their directory's owner, not only its mode
        kube.storageClass(
                ns + "-owner", provisionerName, Map.of("directoryAnnotations", "owner"), "Delete", "Immediate");
        kube.storageClass(ns + "-std", provisionerName, Map.of(), "Delete", "Immediate");
        kube.storageClass(
                ns + "-pattern",
                provisionerName,
                Map.of(
                        "pathPattern",
                        "${.PVC.namespace}/${.PVC.labels.app}/${.PVC.annotations.team}-${.PVC.name}/${.PV.name}"),
                "Delete",
                "Immediate");
        kube.storageClass(
                ns + "-evil", provisionerName, Map.of("pathPattern", "${.PVC.annotations.dir}"), "Delete", "Immediate");
        kube.storageClass(ns + "-wffc", provisionerName, Map.of(), "Delete", "WaitForFirstConsumer");
    }

    @AfterAll
    void stop() {
        provisioner.close();
    }

    private static int mode(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }

    @Test
    void claimIsProvisionedBoundAndServedOverNfs() throws Exception {
        kube.create(kube.claimBuilder("data", ns + "-owner")
                .editMetadata()
                .addToAnnotations("k8s-sigs.io/nfs-directory-mode", "0750")
                .addToAnnotations("k8s-sigs.io/nfs-directory-uid", "1234")
                .addToAnnotations("k8s-sigs.io/nfs-directory-gid", "5678")
                .endMetadata());
        var claim = kube.awaitBound("data");
        String pvName = "pvc-" + claim.getMetadata().getUid();
        assertThat(claim.getSpec().getVolumeName()).isEqualTo(pvName);

        var pv = kube.volume(pvName);
        String dir = ns + "-data-" + pvName;
        assertThat(pv.getSpec().getNfs().getServer()).isEqualTo("127.0.0.1");
        assertThat(pv.getSpec().getNfs().getPath()).isEqualTo(env.nfsPath + "/" + dir);
        assertThat(pv.getSpec().getCapacity().get("storage").toString()).isEqualTo("1Gi");
        assertThat(pv.getSpec().getAccessModes()).containsExactly("ReadWriteOnce");
        assertThat(pv.getSpec().getPersistentVolumeReclaimPolicy()).isEqualTo("Delete");
        assertThat(pv.getSpec().getStorageClassName()).isEqualTo(ns + "-owner");
        assertThat(pv.getSpec().getMountOptions()).containsExactly("nfsvers=4.1");
        assertThat(pv.getMetadata().getAnnotations())
                .containsEntry("pv.kubernetes.io/provisioned-by", provisionerName)
                .containsEntry("nfsprov.dev/on-delete", "archive");
        assertThat(pv.getMetadata().getFinalizers()).contains("external-provisioner.volume.kubernetes.io/finalizer");

        Path path = env.exportDir.resolve(dir);
        assertThat(mode(path)).isEqualTo(0750);
        assertThat(Files.getAttribute(path, "unix:uid")).isEqualTo(1234);
        assertThat(Files.getAttribute(path, "unix:gid")).isEqualTo(5678);

        var nfs = new Nfs(env);
        nfs.write(pv.getSpec().getNfs().getPath() + "/hello.txt", "hello from a pod\n");
        assertThat(path.resolve("hello.txt")).hasContent("hello from a pod");
        assertThat(nfs.ls(pv.getSpec().getNfs().getPath())).contains("hello.txt");

        kube.awaitEvent("data", "ProvisioningSucceeded", "Successfully provisioned volume " + pvName);
        String metrics = provisioner.get("/metrics").body();
        assertThat(metrics)
                .containsPattern(
                        "controller_persistentvolumeclaim_provision_total\\{class=\"" + ns + "-owner\"} [1-9]");
        assertThat(metrics).contains("controller_persistentvolumeclaim_provision_duration_seconds_bucket");
        assertThat(provisioner.get("/healthz").statusCode()).isEqualTo(200);
    }

    @Test
    void pathPatternWithLabelsAnnotationsAndSubFolders() {
        kube.create(kube.claimBuilder("pattern", ns + "-pattern")
                .editMetadata()
                .addToLabels("app", "katib")
                .addToAnnotations("team", "ml")
                .endMetadata());
        var claim = kube.awaitBound("pattern");
        String pvName = "pvc-" + claim.getMetadata().getUid();
        String dir = ns + "/katib/ml-pattern/" + pvName;
        assertThat(kube.volume(pvName).getSpec().getNfs().getPath()).isEqualTo(env.nfsPath + "/" + dir);
        assertThat(env.exportDir.resolve(dir)).isDirectory();

        kube.deleteClaim("pattern");
        kube.awaitVolumeGone(pvName);
        assertThat(env.exportDir.resolve(ns + "/katib/ml-pattern/archived-" + pvName))
                .isDirectory();
        assertThat(env.exportDir.resolve(dir)).doesNotExist();
    }

    @Test
    void traversalAttemptsAreRefusedAndCreateNothing() throws Exception {
        var before = tree(env.exportDir);
        var besideBefore = children(env.exportDir.getParent());
        var attempts = List.of(
                "../escaped",
                "/etc",
                "%2e%2e/escaped",
                "a/../../escaped",
                "x".repeat(300),
                "\uFF0E\uFF0E/escaped",
                "ok//double",
                "");
        for (int i = 0; i < attempts.size(); i++) {
            kube.create(kube.claimBuilder("evil-" + i, ns + "-evil")
                    .editMetadata()
                    .addToAnnotations("dir", attempts.get(i))
                    .endMetadata());
        }
        for (int i = 0; i < attempts.size(); i++) {
            var event = kube.awaitEvent("evil-" + i, "ProvisioningFailed", "directory path");
            assertThat(event.getType()).isEqualTo("Warning");
        }
        kube.awaitEvent("evil-0", "ProvisioningFailed", "could leave the share");
        kube.awaitEvent("evil-1", "ProvisioningFailed", "is absolute");
        kube.awaitEvent("evil-4", "ProvisioningFailed", "longer than 255 bytes");
        kube.awaitEvent("evil-7", "ProvisioningFailed", "is empty");
        for (int i = 0; i < attempts.size(); i++) {
            var claim = kube.claim("evil-" + i);
            assertThat(claim.getStatus().getPhase()).isEqualTo("Pending");
            assertThat(kube.volumesOf(claim.getMetadata().getUid())).isEmpty();
        }
        assertThat(tree(env.exportDir)).as("nothing created on the share").isEqualTo(before);
        assertThat(children(env.exportDir.getParent()))
                .as("nothing created beside the share")
                .isEqualTo(besideBefore);
        assertThat(Path.of("/etc/escaped")).doesNotExist();
    }

    @Test
    void selectorAndBlockClaimsAreRefusedWithAReason() {
        kube.create(kube.claimBuilder("with-selector", ns + "-std")
                .editSpec()
                .withSelector(new LabelSelectorBuilder()
                        .addToMatchLabels("disk", "fast")
                        .build())
                .endSpec());
        kube.create(kube.claimBuilder("block", ns + "-std")
                .editSpec()
                .withVolumeMode("Block")
                .endSpec());
        kube.awaitEvent("with-selector", "ProvisioningFailed", "spec.selector are not supported");
        kube.awaitEvent("block", "ProvisioningFailed", "volumeMode Block is not supported");
        assertThat(kube.volumesOf(kube.claim("block").getMetadata().getUid())).isEmpty();
    }

    @Test
    void waitForFirstConsumerWaitsForTheSelectedNode() {
        kube.create(kube.claimBuilder("late", ns + "-wffc"));
        Await.holdsFor(
                "no volume before a node is selected",
                Duration.ofSeconds(2),
                () -> kube.volumesOf(kube.claim("late").getMetadata().getUid()).isEmpty());
        // the scheduler's part: there is no scheduler here, so the test selects the node
        env.client.persistentVolumeClaims().inNamespace(ns).withName("late").edit(c -> {
            c.getMetadata().getAnnotations().put("volume.kubernetes.io/selected-node", "node-1");
            return c;
        });
        kube.awaitBound("late");
    }

    @Test
    void byDefaultAClaimCannotChooseItsOwnerOrSpecialModeBits() {
        kube.create(kube.claimBuilder("root-owned", ns + "-std")
                .editMetadata()
                .addToAnnotations("k8s-sigs.io/nfs-directory-uid", "0")
                .endMetadata());
        kube.create(kube.claimBuilder("setuid", ns + "-std")
                .editMetadata()
                .addToAnnotations("k8s-sigs.io/nfs-directory-mode", "4777")
                .endMetadata());
        kube.awaitEvent(
                "root-owned",
                "ProvisioningFailed",
                "the StorageClass does not let claims choose their directory's owner");
        kube.awaitEvent(
                "setuid", "ProvisioningFailed", "sets the setuid bit; this StorageClass allows permission bits");
        assertThat(kube.volumesOf(kube.claim("root-owned").getMetadata().getUid()))
                .isEmpty();
    }

    @Test
    void badAnnotationIsAnEventNotACrash() {
        kube.create(kube.claimBuilder("bad-mode", ns + "-std")
                .editMetadata()
                .addToAnnotations("k8s-sigs.io/nfs-directory-mode", "rwxrwxrwx")
                .endMetadata());
        kube.awaitEvent("bad-mode", "ProvisioningFailed", "mode \"rwxrwxrwx\" is not an octal file mode");
        assertThat(provisioner.isAlive()).isTrue();
        // fixing the annotation is enough: the update triggers a new attempt
        env.client.persistentVolumeClaims().inNamespace(ns).withName("bad-mode").edit(c -> {
            c.getMetadata().getAnnotations().put("k8s-sigs.io/nfs-directory-mode", "0770");
            return c;
        });
        kube.awaitBound("bad-mode");
    }

    @Test
    void aTypoInPathPatternIsOneEventNotOnePerRetryAndFixingTheClassIsEnough() {
        String cls = ns + "-typo";
        kube.storageClass(
                cls, provisionerName, Map.of("pathPattern", "${.PVC.namspace}/${.PVC.name}"), "Delete", "Immediate");
        kube.create(kube.claimBuilder("typo", cls));
        kube.awaitEvent("typo", "ProvisioningFailed", "namspace");
        // Transient errors back off from 1 s (1, 2, 4, 8 s...): a rejection retried that way would have posted 4 more
        // by now.
        Await.holdsFor(
                "a single ProvisioningFailed event",
                Duration.ofSeconds(10),
                () -> kube.events("typo", "ProvisioningFailed").size() == 1);
        assertThat(kube.events("typo", "ProvisioningFailed").getFirst().getMessage())
                .isEqualTo("failed to provision volume: StorageClass parameter pathPattern "
                        + "\"${.PVC.namspace}/${.PVC.name}\" has an unknown placeholder "
                        + "${.PVC.namspace}; use ${.PVC.namespace}, ${.PVC.name}, ${.PVC.labels.KEY}, "
                        + "${.PVC.annotations.KEY} or ${.PV.name}");
        // A class's parameters are immutable: fixed by re-creating it, which the controller notices without a claim
        // change.
        env.client.storage().v1().storageClasses().withName(cls).delete();
        Await.until(
                "class " + cls + " gone",
                Duration.ofSeconds(30),
                () -> env.client.storage().v1().storageClasses().withName(cls).get() == null);
        kube.storageClass(
                cls, provisionerName, Map.of("pathPattern", "${.PVC.namespace}/${.PVC.name}"), "Delete", "Immediate");
        kube.awaitBound("typo");
    }

    @Test
    void keysNfsSubdirIgnoresAndABlankPathPatternProvisionWithOneWarning() {
        // issue 32: hand-written classes carry pathPattern "" and junk from other provisioners; nfs-subdir
        // provisions them, and every claim of such a class was refused here
        String cls = ns + "-junk";
        kube.storageClass(
                cls,
                provisionerName,
                Map.of("pathPattern", "", "mountOptions", "nfsvers=4.1", "skuName", "Standard_LRS"),
                "Delete",
                "Immediate");
        kube.create(kube.claimBuilder("junk-1", cls));
        var bound = kube.awaitBound("junk-1");
        assertThat(kube.volume(bound.getSpec().getVolumeName())
                        .getSpec()
                        .getNfs()
                        .getPath())
                .endsWith("/" + ns + "-junk-1-" + bound.getSpec().getVolumeName());
        var warned = kube.awaitEvent("junk-1", "StorageClassParameters", "pathPattern is empty");
        assertThat(warned.getType()).isEqualTo("Warning");
        assertThat(warned.getMessage()).contains("mountOptions, skuName are not ones nfsprov reads, and are ignored");
        kube.create(kube.claimBuilder("junk-2", cls));
        kube.awaitBound("junk-2");
        assertThat(kube.events("junk-2", "StorageClassParameters"))
                .as("said once per class")
                .isEmpty();
    }

    static TreeSet<String> tree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.map(p -> root.relativize(p).toString())
                    .collect(java.util.stream.Collectors.toCollection(TreeSet::new));
        }
    }

    static TreeSet<String> children(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString())
                    .collect(java.util.stream.Collectors.toCollection(TreeSet::new));
        }
    }
}
