package dev.nfsprov.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.testenv.Await;
import dev.nfsprov.testenv.Kube;
import dev.nfsprov.testenv.NodeEnvironment;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The path a user takes, on a node that runs Pods: the first install command of docs/install.md (the Kubeflow
 * guide's `helm install`, from the chart in an OCI registry, the image pulled by reference by the node's
 * containerd), the seed's Pending database Pods started on volumes nfsprov provisioned, then failover, a burst
 * under the chart's memory limit, upgrade and uninstall. One release, in order.
 */
@Tag("node")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GuideOnNodeIT {

    static final String RELEASE = "nfs-client-provisioner";
    static final String SYSTEM = "nfsprov-system";
    static final String KUBEFLOW = "kubeflow";
    static final String DEPLOYMENT = "nfs-client-provisioner-nfsprov";

    private NodeEnvironment node;
    private KubernetesClient client;
    private Workloads kubeflow;

    @BeforeAll
    void start() {
        node = NodeEnvironment.get();
        client = node.client;
        for (String ns : List.of(SYSTEM, KUBEFLOW)) {
            Workloads.namespace(client, ns);
        }
        kubeflow = new Workloads(client, KUBEFLOW);
    }

    @Test
    @Order(1)
    void beforeInstallTheDatabasesArePendingAndDoctorSaysWhy() {
        // As Kubeflow creates them: katib's claim without a class, the pipeline's naming the old chart's class.
        kubeflow.claim("katib-mysql", null, "10Gi");
        kubeflow.claim("mysql-pv-claim", "nfs-client", "20Gi");
        kubeflow.database("katib-mysql", "katib-mysql");
        kubeflow.database("mysql", "mysql-pv-claim");

        for (String app : List.of("katib-mysql", "mysql")) {
            Pod pod = kubeflow.awaitPod(
                    app,
                    "Unschedulable",
                    p -> p.getStatus().getConditions().stream()
                            .anyMatch(
                                    c -> "PodScheduled".equals(c.getType()) && "Unschedulable".equals(c.getReason())));
            assertThat(pod.getStatus().getPhase()).isEqualTo("Pending");
        }
        assertThat(kubeflow.claimPhase("katib-mysql")).isEqualTo("Pending");
        assertThat(kubeflow.claimPhase("mysql-pv-claim")).isEqualTo("Pending");

        String doctor = nfsprov("doctor", "-n", KUBEFLOW, "--only", "cluster");
        assertThat(doctor)
                .contains("Pending: no storageClassName and no default StorageClass")
                .contains("Pending: StorageClass \"nfs-client\" does not exist");
    }

    @Test
    @Order(2)
    void theDocumentedHelmInstallFromTheRegistryGivesAReadyControllerThatRunsInCluster() {
        List<String> install = InstallDoc.helmInstall(node);
        assertThat(install)
                .as("docs/install.md's command is the guide's (Helm 3 syntax), from the published chart")
                .startsWith("install", RELEASE, node.chart)
                .contains("--namespace", SYSTEM)
                .contains("storageClass.name=nfs", "storageClass.defaultClass=true")
                .noneMatch(w -> w.startsWith("image."));
        Helm.run(node, install);

        Deployment d = Await.until(
                "the controller's Deployment ready",
                Duration.ofMinutes(3),
                () -> client.apps()
                        .deployments()
                        .inNamespace(SYSTEM)
                        .withName(DEPLOYMENT)
                        .get(),
                dep -> dep != null
                        && dep.getStatus() != null
                        && Integer.valueOf(1).equals(dep.getStatus().getReadyReplicas()));
        assertThat(d.getStatus().getReadyReplicas()).isEqualTo(1);
        Pod pod = controllerPods().getFirst();
        var volume = pod.getSpec().getVolumes().stream()
                .filter(v -> v.getNfs() != null)
                .findFirst()
                .orElseThrow();
        assertThat(volume.getNfs().getServer()).isEqualTo(node.nfsServer);
        assertThat(pod.getSpec().getServiceAccountName()).isEqualTo(DEPLOYMENT);
        // The image as the chart in the registry names it, pulled by the node's containerd from the registry.
        assertThat(pod.getSpec().getContainers().getFirst().getImage())
                .isEqualTo(node.imageRepository + ":" + node.imageTag);
        assertThat(pod.getStatus().getContainerStatuses().getFirst().getImageID())
                .as("the image ID the runtime reports: the repository's digest, so it came through the registry")
                .startsWith(node.imageRepository + "@sha256:");
        assertThat(pod.getStatus().getContainerStatuses().getFirst().getImageID())
                .isEqualTo(node.imageRepository + "@" + node.imageIndexDigest());
        // In-cluster configuration: the controller reached the API server through the kubernetes Service and holds its
        // Lease.
        Await.until(
                "the controller's Lease held by its Pod",
                Duration.ofSeconds(60),
                this::leaderPod,
                holder -> pod.getMetadata().getName().equals(holder));
        assertThat(client.storage()
                        .v1()
                        .storageClasses()
                        .withName("nfs")
                        .get()
                        .getMetadata()
                        .getAnnotations())
                .containsEntry("storageclass.kubernetes.io/is-default-class", "true");
    }

    @Test
    @Order(3)
    void theDatabasesRunWithTheirDataOnTheExport() throws Exception {
        // katib-mysql: the PV controller gives the claim without a class the new default class by itself.
        // mysql-pv-claim names a class that does not exist: rebind re-creates it (the guide's by-hand steps).
        String rebind = nfsprov(
                "rebind",
                "-n",
                KUBEFLOW,
                "mysql-pv-claim",
                "--apply",
                "--backup-dir",
                node.stateDir.resolve("rebind-backup").toString());
        assertThat(rebind).contains("mysql-pv-claim").contains("Bound");

        for (var app : List.of(Map.entry("katib-mysql", "katib-mysql"), Map.entry("mysql", "mysql-pv-claim"))) {
            PersistentVolumeClaim claim = kubeflow.awaitBound(app.getValue());
            assertThat(claim.getSpec().getStorageClassName()).isEqualTo("nfs");
            Pod pod = kubeflow.awaitPod(
                    app.getKey(), "Running", p -> "Running".equals(p.getStatus().getPhase()));
            assertThat(pod.getSpec().getSecurityContext().getRunAsUser()).isEqualTo(999L);

            var pv = client.persistentVolumes()
                    .withName(claim.getSpec().getVolumeName())
                    .get();
            String relative = pv.getSpec().getNfs().getPath().substring(node.nfsPath.length());
            Path dir = node.exportDir.resolve(relative.replaceFirst("^/", ""));
            Path written = dir.resolve("written-by-pod");
            Await.until(
                    "the Pod's file in the export at " + written, Duration.ofSeconds(60), () -> Files.exists(written));
            assertThat(Files.readString(written)).isEqualTo("kubeflow\n");
            var attrs = Files.readAttributes(written, PosixFileAttributes.class);
            assertThat(attrs.owner().getName())
                    .isIn("999", "mysql", "systemd-coredump"); // uid 999, however this host names it
            assertThat((Integer) Files.getAttribute(written, "unix:uid")).isEqualTo(999);
            assertThat(Files.readString(dir.resolve("id"))).startsWith("uid=999");
        }
    }

    @Test
    @Order(4)
    void aConsumerOwnedVolumeIsTheDatabasesAloneOnTheNode() throws Exception {
        // A second class for databases: volumes given to the Pod that uses them, not world-writable.
        String provisioner =
                client.storage().v1().storageClasses().withName("nfs").get().getProvisioner();
        client.storage()
                .v1()
                .storageClasses()
                .resource(new io.fabric8.kubernetes.api.model.storage.StorageClassBuilder()
                        .withNewMetadata()
                        .withName("nfs-owned")
                        .endMetadata()
                        .withProvisioner(provisioner)
                        .addToParameters("ownership", "consumer")
                        .withMountOptions("nfsvers=4.1")
                        .build())
                .serverSideApply();
        kubeflow.kube().create(kubeflow.kube().claimBuilder("owned-mysql", "nfs-owned"));
        kubeflow.database("owned-mysql", "owned-mysql");
        kubeflow.awaitPod(
                "owned-mysql", "Running", p -> "Running".equals(p.getStatus().getPhase()));
        var claim = kubeflow.awaitBound("owned-mysql");
        var pv = client.persistentVolumes()
                .withName(claim.getSpec().getVolumeName())
                .get();
        Path dir = node.exportDir.resolve(
                pv.getSpec().getNfs().getPath().substring(node.nfsPath.length()).replaceFirst("^/", ""));
        Path written = dir.resolve("written-by-pod");
        Await.until("the Pod's file at " + written, Duration.ofSeconds(60), () -> Files.exists(written));
        assertThat((Integer) Files.getAttribute(written, "unix:uid")).isEqualTo(999);
        assertThat((Integer) Files.getAttribute(dir, "unix:mode") & 07777).isEqualTo(02770);
        assertThat((Integer) Files.getAttribute(dir, "unix:uid")).isEqualTo(999);
        assertThat((Integer) Files.getAttribute(dir, "unix:gid")).isEqualTo(999);
        assertThat((Integer) Files.getAttribute(written, "unix:gid"))
                .as("setgid: new files keep the group")
                .isEqualTo(999);

        // Another workload mounting the same claim as uid 1000 cannot even list it.
        Pod done = runToEnd("snoop", 1000, "owned-mysql", "cat /data/written-by-pod; ls /data");
        String log = client.pods().inNamespace(KUBEFLOW).withName("snoop").getLog();
        assertThat(done.getStatus().getPhase()).as(log).isEqualTo("Failed");
        assertThat(log).contains("Permission denied").doesNotContain("kubeflow");
        kubeflow.kube().awaitEvent("owned-mysql", "OwnershipMismatch", "Pod kubeflow/snoop runs with runAsUser 1000");
        assertThat((Integer) Files.getAttribute(dir, "unix:uid"))
                .as("unchanged")
                .isEqualTo(999);
        client.pods().inNamespace(KUBEFLOW).withName("snoop").delete();
    }

    @Test
    @Order(5)
    void aSnapshotOfWhatAPodWroteIsRestoredIntoAClaimAnotherPodReads() throws Exception {
        // The mysql Pod wrote written-by-pod ("kubeflow") on its claim (Order 3); the chart installed the CRD.
        String made = nfsprov(
                "snapshot", "create", "mysql-pv-claim", "-n", KUBEFLOW, "--name", "mysql-nightly", "--wait", "2m");
        assertThat(made)
                .contains("claimsnapshot kubeflow/mysql-nightly created")
                .contains("ready: ")
                .endsWith("exit 0");
        var pv = client.persistentVolumes()
                .withName(kubeflow.claim("mysql-pv-claim").getSpec().getVolumeName())
                .get();
        Path source = node.exportDir.resolve(
                pv.getSpec().getNfs().getPath().substring(node.nfsPath.length()).replaceFirst("^/", ""));
        Files.writeString(source.resolve("written-by-pod"), "changed after the snapshot\n");

        kubeflow.kube()
                .create(kubeflow.kube()
                        .claimBuilder("mysql-restored", "nfs")
                        .editSpec()
                        .editResources()
                        .addToRequests(
                                "storage",
                                kubeflow.claim("mysql-pv-claim")
                                        .getSpec()
                                        .getResources()
                                        .getRequests()
                                        .get("storage"))
                        .endResources()
                        .withNewDataSourceRef()
                        .withApiGroup("nfsprov.dev")
                        .withKind("ClaimSnapshot")
                        .withName("mysql-nightly")
                        .endDataSourceRef()
                        .endSpec());
        Pod done = runToEnd("reader", 999, "mysql-restored", "cat /data/written-by-pod");
        String log = client.pods().inNamespace(KUBEFLOW).withName("reader").getLog();
        assertThat(done.getStatus().getPhase()).as(log).isEqualTo("Succeeded");
        assertThat(log)
                .as("what the Pod wrote, as it was when the snapshot was taken")
                .isEqualTo("kubeflow\n");
        assertThat(nfsprov("snapshot", "list", "-n", KUBEFLOW))
                .contains("mysql-nightly")
                .contains("mysql-pv-claim")
                .endsWith("exit 0");
        client.pods().inNamespace(KUBEFLOW).withName("reader").delete();
    }

    @Test
    @Order(6)
    void doctorRunsFromTheImageAsTheChartsCliServiceAccount() {
        upgrade("--set", "cliRole.create=true", "--set", "cliRole.serviceAccount=true");
        // What docs/install.md documents as `kubectl run --rm -i ... -- doctor`, as a Pod whose log is read.
        client.pods()
                .inNamespace(SYSTEM)
                .resource(new io.fabric8.kubernetes.api.model.PodBuilder()
                        .withNewMetadata()
                        .withName("nfsprov-doctor")
                        .endMetadata()
                        .withNewSpec()
                        .withServiceAccountName(DEPLOYMENT + "-cli")
                        .withRestartPolicy("Never")
                        .addNewContainer()
                        .withName("doctor")
                        .withImage(node.imageRepository + ":" + node.imageTag)
                        .withArgs("doctor", "-n", KUBEFLOW)
                        .endContainer()
                        .endSpec()
                        .build())
                .create();
        Pod done = Await.until(
                "the doctor Pod finished",
                Duration.ofSeconds(90),
                () -> client.pods()
                        .inNamespace(SYSTEM)
                        .withName("nfsprov-doctor")
                        .get(),
                p -> p != null
                        && List.of("Succeeded", "Failed").contains(p.getStatus().getPhase()));
        String log =
                client.pods().inNamespace(SYSTEM).withName("nfsprov-doctor").getLog();
        assertThat(log).contains("Kubernetes API").contains(node.nfsServer).doesNotContainIgnoringCase("forbidden");
        assertThat(done.getStatus()
                        .getContainerStatuses()
                        .getFirst()
                        .getState()
                        .getTerminated()
                        .getExitCode())
                .as("0 all ok, 1 warnings only:%n%s", log)
                .isIn(0, 1);
        client.pods().inNamespace(SYSTEM).withName("nfsprov-doctor").delete();
    }

    @Test
    @Order(7)
    void withTwoReplicasTheOtherTakesOverWhenTheLeaderIsDeleted() {
        upgrade("--set", "replicaCount=2");
        Await.until(
                "two controller Pods Running",
                Duration.ofSeconds(120),
                () -> controllerPods().stream()
                                .filter(p -> "Running".equals(p.getStatus().getPhase()))
                                .count()
                        == 2);
        String leader = Await.until(
                "a Lease holder among the Pods",
                Duration.ofSeconds(60),
                this::leaderPod,
                h -> h != null
                        && controllerPods().stream()
                                .anyMatch(p -> p.getMetadata().getName().equals(h)));
        client.pods().inNamespace(SYSTEM).withName(leader).delete();

        var ns = "failover";
        Workloads.namespace(client, ns);
        var w = new Workloads(client, ns);
        for (int i = 0; i < 10; i++) w.claim("after-failover-" + i, "nfs", "1Gi");
        for (int i = 0; i < 10; i++) w.awaitBound("after-failover-" + i);
        // The deleted leader may bind them all before its kubelet even sends SIGTERM (10 in under 3 s in one CI run,
        // when the test read the Lease right after): the takeover is awaited, not assumed done.
        String newLeader = Await.until(
                "another Pod holding the Lease",
                Duration.ofSeconds(60),
                this::leaderPod,
                h -> h != null && !h.isEmpty() && !h.equals(leader));
        assertThat(controllerPods().stream().map(p -> p.getMetadata().getName()))
                .as("the new leader is one of the Deployment's Pods")
                .contains(newLeader);
        for (int i = 0; i < 10; i++) {
            var claim = w.claim("after-failover-" + i);
            long volumes = client.persistentVolumes().list().getItems().stream()
                    .filter(v -> v.getSpec().getClaimRef() != null
                            && claim.getMetadata()
                                    .getUid()
                                    .equals(v.getSpec().getClaimRef().getUid()))
                    .count();
            assertThat(volumes).as("volumes of claim after-failover-" + i).isEqualTo(1);
        }
        upgrade("--set", "replicaCount=1");
    }

    @Test
    @Order(8)
    void aBurstOf300ClaimsUnderTheChartsMemoryLimitNeverRestartsTheController() {
        Await.until("one controller Pod Running and ready", Duration.ofSeconds(120), () -> {
            var pods = controllerPods();
            return pods.size() == 1
                    && pods.getFirst().getStatus().getContainerStatuses().stream()
                            .allMatch(ContainerStatus::getReady);
        });
        Pod controller = controllerPods().getFirst();
        var limit = controller
                .getSpec()
                .getContainers()
                .getFirst()
                .getResources()
                .getLimits()
                .get("memory");
        assertThat(limit).as("the chart's memory limit").isNotNull();

        var ns = "burst";
        Workloads.namespace(client, ns);
        var w = new Workloads(client, ns);
        IntStream.range(0, 300).parallel().forEach(i -> w.claim("burst-" + i, "nfs", "1Gi"));
        Await.until(
                "300 claims Bound",
                Duration.ofMinutes(5),
                () -> client.persistentVolumeClaims().inNamespace(ns).list().getItems().stream()
                                .filter(c -> c.getStatus() != null
                                        && "Bound".equals(c.getStatus().getPhase()))
                                .count()
                        == 300);

        Pod after = client.pods()
                .inNamespace(SYSTEM)
                .withName(controller.getMetadata().getName())
                .get();
        var status = after.getStatus().getContainerStatuses().getFirst();
        assertThat(status.getRestartCount())
                .as("controller restarts during the burst")
                .isZero();
        assertThat(status.getLastState().getTerminated())
                .as("a terminated previous container (OOMKilled?)")
                .isNull();
        var dirs = new HashSet<String>();
        for (var pv : client.persistentVolumes().list().getItems()) {
            if (pv.getSpec().getClaimRef() != null
                    && ns.equals(pv.getSpec().getClaimRef().getNamespace()))
                dirs.add(pv.getSpec().getNfs().getPath());
        }
        assertThat(dirs).hasSize(300);
    }

    @Test
    @Order(9)
    void upgradeTakesEffectAndUninstallLeavesEveryVolumeAndDirectory() throws Exception {
        var ns = "lifecycle";
        Workloads.namespace(client, ns);
        var w = new Workloads(client, ns);

        // archiveOnDelete=false: a claim deleted after the upgrade has its directory deleted, not archived.
        // A class's parameters are immutable: the chart says so and what to do, instead of the API's "Forbidden".
        var refused = Helm.result(node, upgradeArgs("--set", "storageClass.archiveOnDelete=false"));
        assertThat(refused.exitCode()).isNotZero();
        assertThat(refused.stderr())
                .contains("StorageClass nfs cannot change in place (parameters map[archiveOnDelete:true] -> "
                        + "map[archiveOnDelete:false])")
                .contains("kubectl delete storageclass nfs");
        client.storage().v1().storageClasses().withName("nfs").delete();
        Await.until(
                "StorageClass nfs deleted",
                Duration.ofSeconds(30),
                () -> client.storage().v1().storageClasses().withName("nfs").get() == null);
        upgrade("--set", "storageClass.archiveOnDelete=false");
        assertThat(client.storage().v1().storageClasses().withName("nfs").get().getParameters())
                .containsEntry("archiveOnDelete", "false");
        w.claim("deleted-after-upgrade", "nfs", "1Gi");
        var bound = w.awaitBound("deleted-after-upgrade");
        var pvName = bound.getSpec().getVolumeName();
        Path dir = node.exportDir.resolve(client.persistentVolumes()
                .withName(pvName)
                .get()
                .getSpec()
                .getNfs()
                .getPath()
                .substring(node.nfsPath.length())
                .replaceFirst("^/", ""));
        assertThat(dir).isDirectory();
        client.persistentVolumeClaims()
                .inNamespace(ns)
                .withName("deleted-after-upgrade")
                .delete();
        Await.until(
                "PersistentVolume " + pvName + " gone",
                Duration.ofSeconds(90),
                () -> client.persistentVolumes().withName(pvName).get() == null);
        assertThat(dir).doesNotExist();
        assertThat(dir.resolveSibling("archived-" + dir.getFileName())).doesNotExist();

        var before = client.persistentVolumes().list().getItems().stream()
                .map(v -> v.getMetadata().getName())
                .sorted()
                .toList();
        List<Path> directories;
        try (var s = Files.list(node.exportDir)) {
            directories = s.sorted().toList();
        }
        assertThat(before).isNotEmpty();
        Helm.run(node, List.of("uninstall", RELEASE, "--namespace", SYSTEM, "--wait", "--timeout", "2m"));
        Await.until(
                "the controller's Pods gone",
                Duration.ofSeconds(90),
                () -> controllerPods().isEmpty());
        var after = client.persistentVolumes().list().getItems().stream()
                .map(v -> v.getMetadata().getName())
                .sorted()
                .toList();
        assertThat(after).isEqualTo(before);
        try (var s = Files.list(node.exportDir)) {
            assertThat(s.sorted().toList()).isEqualTo(directories);
        }
        // The finalizers the controller left would make every later delete of these volumes hang: released.
        String provisioner = "cluster.local/" + DEPLOYMENT;
        String released = Await.until(
                "release-finalizers accepted once the controller's Lease expires",
                Duration.ofSeconds(60),
                () -> nfsprov("release-finalizers", "--provisioner", provisioner, "--apply"),
                out -> out.endsWith("exit 0"));
        assertThat(released).contains("volume(s) released.");
        assertThat(client.persistentVolumes().list().getItems())
                .noneMatch(pv -> pv.getMetadata().getFinalizers() != null
                        && pv.getMetadata().getFinalizers().contains(dev.nfsprov.protocol.Names.FINALIZER));
        // The databases keep running on their volumes.
        assertThat(kubeflow.awaitPod(
                        "mysql", "Running", p -> "Running".equals(p.getStatus().getPhase())))
                .isNotNull();
    }

    private void upgrade(String... values) {
        Helm.run(node, upgradeArgs(values));
    }

    private List<String> upgradeArgs(String... values) {
        var args = new ArrayList<>(List.of(
                "upgrade",
                RELEASE,
                node.chart,
                "--version",
                node.chartVersion,
                "--reuse-values",
                "--wait",
                "--timeout",
                "3m",
                "--namespace",
                SYSTEM));
        args.addAll(List.of(values));
        return args;
    }

    private List<Pod> controllerPods() {
        return client
                .pods()
                .inNamespace(SYSTEM)
                .withLabel("app.kubernetes.io/instance", RELEASE)
                .list()
                .getItems()
                .stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                .toList();
    }

    /** The Pod named by the Lease's holder identity ({@code <pod name>_<random suffix>}). */
    private String leaderPod() {
        var lease = client.leases()
                .inNamespace(SYSTEM)
                .withName("cluster.local-" + DEPLOYMENT)
                .get();
        String holder = lease == null || lease.getSpec() == null
                ? null
                : lease.getSpec().getHolderIdentity();
        return holder == null || holder.lastIndexOf('_') < 0 ? holder : holder.substring(0, holder.lastIndexOf('_'));
    }

    /** A Pod of the toolbox in kubeflow, as uid:gid {@code id}, with {@code claim} at /data, run until it ends. */
    private Pod runToEnd(String name, long id, String claim, String command) {
        client.pods()
                .inNamespace(KUBEFLOW)
                .resource(new io.fabric8.kubernetes.api.model.PodBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .endMetadata()
                        .withNewSpec()
                        .withRestartPolicy("Never")
                        .withTerminationGracePeriodSeconds(1L)
                        .withNewSecurityContext()
                        .withRunAsUser(id)
                        .withRunAsGroup(id)
                        .endSecurityContext()
                        .addNewContainer()
                        .withName(name)
                        .withImage(NodeEnvironment.TOOLBOX)
                        .withImagePullPolicy("Never")
                        .withCommand("sh", "-c", command)
                        .addNewVolumeMount()
                        .withName("data")
                        .withMountPath("/data")
                        .endVolumeMount()
                        .endContainer()
                        .addNewVolume()
                        .withName("data")
                        .withNewPersistentVolumeClaim()
                        .withClaimName(claim)
                        .endPersistentVolumeClaim()
                        .endVolume()
                        .endSpec()
                        .build())
                .create();
        return Await.until(
                "Pod " + name + " finished",
                Duration.ofSeconds(120),
                () -> client.pods().inNamespace(KUBEFLOW).withName(name).get(),
                p -> p != null
                        && List.of("Succeeded", "Failed").contains(p.getStatus().getPhase()));
    }

    private String nfsprov(String... args) {
        var all = new ArrayList<>(List.of(args));
        all.add("--kubeconfig"); // last: the (sub)command's own option, however deep it is
        all.add(node.kubeconfig.toString());
        var r = dev.nfsprov.testenv.Cli.run(all);
        return r.all() + "\nexit " + r.exit();
    }

    /** Claims and Kubeflow-shaped database Deployments in one namespace. */
    record Workloads(KubernetesClient client, String namespace) {
        Kube kube() {
            return new Kube(client, namespace);
        }

        PersistentVolumeClaim claim(String name, String storageClass, String size) {
            return kube().create(kube().claimBuilder(name, storageClass)
                    .editSpec()
                    .editResources()
                    .addToRequests("storage", new Quantity(size))
                    .endResources()
                    .endSpec());
        }

        PersistentVolumeClaim claim(String name) {
            return kube().claim(name);
        }

        String claimPhase(String name) {
            return claim(name).getStatus().getPhase();
        }

        PersistentVolumeClaim awaitBound(String name) {
            return kube().awaitBound(name, Duration.ofSeconds(120));
        }

        static void namespace(KubernetesClient client, String name) {
            client.namespaces()
                    .resource(new NamespaceBuilder()
                            .withNewMetadata()
                            .withName(name)
                            .endMetadata()
                            .build())
                    .serverSideApply();
        }

        /** Shaped like Kubeflow's MySQL: uid 999, fsGroup 999, Recreate; writes a file and its ids on the volume. */
        void database(String app, String claimName) {
            var yaml = """
                    apiVersion: apps/v1
                    kind: Deployment
                    metadata: {name: %1$s, namespace: %2$s, labels: {app: %1$s}}
                    spec:
                      replicas: 1
                      strategy: {type: Recreate}
                      selector: {matchLabels: {app: %1$s}}
                      template:
                        metadata: {labels: {app: %1$s}}
                        spec:
                          securityContext: {runAsUser: 999, runAsGroup: 999, fsGroup: 999}
                          terminationGracePeriodSeconds: 1
                          containers:
                          - name: db
                            image: %3$s
                            imagePullPolicy: Never
                            command:
                            - sh
                            - -c
                            - cd /var/lib/mysql && id > id && echo kubeflow > written-by-pod && exec sleep 1000000
                            volumeMounts: [{name: data, mountPath: /var/lib/mysql}]
                          volumes:
                          - name: data
                            persistentVolumeClaim: {claimName: %4$s}
                    """.formatted(app, namespace, NodeEnvironment.TOOLBOX, claimName);
            client.load(new java.io.ByteArrayInputStream(yaml.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                    .inNamespace(namespace)
                    .create();
        }

        Pod awaitPod(String app, String what, java.util.function.Predicate<Pod> done) {
            return Await.until(
                    "a Pod of " + namespace + "/" + app + " " + what,
                    Duration.ofSeconds(120),
                    () -> client.pods().inNamespace(namespace).withLabel("app", app).list().getItems().stream()
                            .filter(p -> p.getMetadata().getDeletionTimestamp() == null
                                    && p.getStatus() != null
                                    && p.getStatus().getConditions() != null
                                    && done.test(p))
                            .findFirst()
                            .orElse(null),
                    p -> p != null);
        }
    }
}
