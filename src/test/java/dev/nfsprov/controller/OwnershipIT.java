package dev.nfsprov.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.protocol.Names;
import dev.nfsprov.testenv.Await;
import dev.nfsprov.testenv.Kube;
import dev.nfsprov.testenv.ProvisionerProcess;
import dev.nfsprov.testenv.RealCluster;
import dev.nfsprov.testenv.RealCluster.TestNamespace;
import dev.nfsprov.testenv.TestEnvironment;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * StorageClass ownership: consumer on the real control plane: the directory waits 0770 and root's, then is given to
 * the first Pod that names the claim (a Deployment's, as Kubeflow's MySQL), exactly once.
 */
@ExtendWith(RealCluster.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OwnershipIT {

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
        kube.storageClass(ns + "-consumer", name, Map.of("ownership", "consumer"), "Delete", "Immediate");
        kube.storageClass(ns + "-wffc", name, Map.of("ownership", "consumer"), "Delete", "WaitForFirstConsumer");
    }

    @AfterAll
    void stop() {
        provisioner.close();
    }

    private record Stat(int mode, int uid, int gid, long ctime) {}

    private static Stat stat(Path dir) throws Exception {
        var a = Files.readAttributes(dir, "unix:mode,uid,gid,ctime", java.nio.file.LinkOption.NOFOLLOW_LINKS);
        return new Stat(
                (Integer) a.get("mode") & 07777,
                (Integer) a.get("uid"),
                (Integer) a.get("gid"),
                ((java.nio.file.attribute.FileTime) a.get("ctime")).toMillis());
    }

    private Path directory(PersistentVolumeClaim bound) {
        return env.exportDir.resolve(
                ns + "-" + bound.getMetadata().getName() + "-" + bound.getSpec().getVolumeName());
    }

    /** A Pod bound to node-1 (there is no scheduler here, nor a kubelet: bound is all the controller looks at). */
    private static PodSpec podSpec(String claim, Long uid, Long fsGroup) {
        return new PodSpecBuilder()
                .withNodeName("node-1")
                .withNewSecurityContext()
                .withRunAsUser(uid)
                .withRunAsGroup(uid)
                .withFsGroup(fsGroup)
                .endSecurityContext()
                .addNewContainer()
                .withName("db")
                .withImage("mysql:8.0.26")
                .addNewVolumeMount()
                .withName("data")
                .withMountPath("/var/lib/mysql")
                .endVolumeMount()
                .endContainer()
                .addNewVolume()
                .withName("data")
                .withNewPersistentVolumeClaim()
                .withClaimName(claim)
                .endPersistentVolumeClaim()
                .endVolume()
                .build();
    }

    private Pod pod(String name, String claim, Long uid, Long fsGroup) {
        return pod(name, podSpec(claim, uid, fsGroup));
    }

    private Pod pod(String name, PodSpec spec) {
        return env.client
                .pods()
                .resource(new PodBuilder()
                        .withNewMetadata()
                        .withNamespace(ns)
                        .withName(name)
                        .endMetadata()
                        .withSpec(spec)
                        .build())
                .create();
    }

    private String applied(String volume) {
        var v = kube.volume(volume);
        return v == null ? null : v.getMetadata().getAnnotations().get(Names.ANN_OWNER_APPLIED);
    }

    @Test
    void directoryIsGivenToTheFirstConsumerOnceAndLaterPodsAreWarned() throws Exception {
        kube.create(kube.claimBuilder("mysql-pv-claim", ns + "-consumer"));
        var bound = kube.awaitBound("mysql-pv-claim");
        Path dir = directory(bound);
        var waiting = stat(dir);
        assertThat(waiting.mode()).as("until a Pod uses it: root's alone").isEqualTo(0770);
        assertThat(waiting.uid()).isZero();
        assertThat(kube.volume(bound.getSpec().getVolumeName()).getMetadata().getAnnotations())
                .containsEntry(Names.ANN_OWNERSHIP, "consumer")
                .doesNotContainKey(Names.ANN_OWNER);

        // Kubeflow's MySQL: a Deployment whose Pod runs as 999 with fsGroup 999 (made by the ReplicaSet controller)
        env.client
                .apps()
                .deployments()
                .resource(new DeploymentBuilder()
                        .withNewMetadata()
                        .withNamespace(ns)
                        .withName("mysql")
                        .endMetadata()
                        .withNewSpec()
                        .withNewSelector()
                        .addToMatchLabels("app", "mysql")
                        .endSelector()
                        .withNewTemplate()
                        .withNewMetadata()
                        .addToLabels("app", "mysql")
                        .endMetadata()
                        .withSpec(podSpec("mysql-pv-claim", 999L, 999L))
                        .endTemplate()
                        .endSpec()
                        .build())
                .create();
        String volume = bound.getSpec().getVolumeName();
        Await.until("owner applied on " + volume, Duration.ofSeconds(60), () -> applied(volume) != null);
        var given = stat(dir);
        assertThat(given.mode()).isEqualTo(02770);
        assertThat(given.uid()).isEqualTo(999);
        assertThat(given.gid()).isEqualTo(999);
        assertThat(applied(volume)).isEqualTo("2770 999:999");
        assertThat(kube.volume(volume).getMetadata().getAnnotations()).containsEntry(Names.ANN_OWNER, "999:999");
        kube.awaitEvent("mysql-pv-claim", "OwnerSet", "uid 999, gid 999");

        pod("intruder", "mysql-pv-claim", 1000L, 1000L);
        var warning = kube.awaitEvent("mysql-pv-claim", "OwnershipMismatch", "intruder");
        assertThat(warning.getType()).isEqualTo("Warning");
        assertThat(warning.getMessage()).contains("runAsUser 1000").contains("it is not changed");
        assertThat(stat(dir)).as("unchanged, not even touched (ctime)").isEqualTo(given);
        assertThat(kube.events("mysql-pv-claim", "OwnerSet")).hasSize(1);
    }

    @Test
    void waitForFirstConsumerClaimIsGivenToThePodThatWasWaiting() throws Exception {
        kube.create(kube.claimBuilder("seaweedfs", ns + "-wffc"));
        pod("seaweedfs-0", "seaweedfs", 1000L, 2000L);
        // the scheduler would choose a node for the Pod and say so on the claim; there is no scheduler here
        env.client
                .persistentVolumeClaims()
                .inNamespace(ns)
                .withName("seaweedfs")
                .edit(c -> {
                    c.getMetadata().getAnnotations().put(Names.ANN_SELECTED_NODE, "node-1");
                    return c;
                });
        var bound = kube.awaitBound("seaweedfs");
        String volume = bound.getSpec().getVolumeName();
        Await.until("owner applied on " + volume, Duration.ofSeconds(60), () -> applied(volume) != null);
        var given = stat(directory(bound));
        assertThat(given.mode()).isEqualTo(02770);
        assertThat(given.uid()).isEqualTo(1000);
        assertThat(given.gid()).as("fsGroup first").isEqualTo(2000);
    }

    @Test
    void onlyAPodBoundToANodeWithIdsInTheClassRangeGetsTheVolume() throws Exception {
        // issue 30: the owner came from the oldest Pod naming the claim even if it never scheduled, and any ids were
        // taken (a restricted Pod with runAsUser 4294967, fsGroup 0 made the directory 4294967:0 2770 for good)
        kube.create(kube.claimBuilder("picky", ns + "-consumer"));
        var bound = kube.awaitBound("picky");
        var unscheduled = podSpec("picky", 4242L, 4242L);
        unscheduled.setNodeName(null);
        pod("never-scheduled", unscheduled);
        pod("rooty", "picky", 4294967L, 0L);
        var refused = kube.awaitEvent("picky", "OwnerUnknown", "rooty");
        assertThat(refused.getMessage()).contains("directoryIdRange 1-2147483647");
        assertThat(stat(directory(bound)).mode()).isEqualTo(0770);
        pod("fine", "picky", 1500L, 1500L);
        String volume = bound.getSpec().getVolumeName();
        Await.until("owner applied on " + volume, Duration.ofSeconds(60), () -> applied(volume) != null);
        var given = stat(directory(bound));
        assertThat(given.uid()).as("not the older, unscheduled Pod's").isEqualTo(1500);
        assertThat(given.gid()).isEqualTo(1500);
    }

    @Test
    void aPodWithoutIdsIsToldAndTheNextOneWithIdsGetsTheVolume() throws Exception {
        kube.create(kube.claimBuilder("anonymous", ns + "-consumer"));
        var bound = kube.awaitBound("anonymous");
        pod("as-image-user", "anonymous", null, null);
        kube.awaitEvent("anonymous", "OwnerUnknown", "names no runAsUser");
        assertThat(stat(directory(bound)).mode()).isEqualTo(0770);
        pod("with-group", "anonymous", null, 4242L);
        String volume = bound.getSpec().getVolumeName();
        Await.until("owner applied on " + volume, Duration.ofSeconds(60), () -> applied(volume) != null);
        var given = stat(directory(bound));
        assertThat(given.gid()).isEqualTo(4242);
        assertThat(given.uid()).as("no runAsUser: the owner stays").isZero();
        assertThat(given.mode()).isEqualTo(02770);
    }

    @Test
    void directoryAnnotationsAreRefusedWithTheReason() {
        kube.create(kube.claimBuilder("chosen-mode", ns + "-consumer")
                .editMetadata()
                .addToAnnotations("k8s-sigs.io/nfs-directory-mode", "0777")
                .endMetadata());
        var e = kube.awaitEvent("chosen-mode", "ProvisioningFailed", "ownership: consumer");
        assertThat(e.getMessage()).contains("k8s-sigs.io/nfs-directory-mode");
    }
}
