package dev.nfsprov.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.testenv.Commands;
import dev.nfsprov.testenv.RealCluster;
import dev.nfsprov.testenv.RealCluster.TestNamespace;
import dev.nfsprov.testenv.TestEnvironment;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The chart and the kustomize base, rendered and checked by the real API server (server-side dry run). */
@ExtendWith(RealCluster.class)
class ChartIT {

    static List<HasMetadata> objects(TestEnvironment env, String yaml) {
        return env.client
                .load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)))
                .items();
    }

    @Test
    void lintIsClean() {
        String out = Chart.helm("lint", "--strict", Chart.CHART.toString(), "--set", "nfs.server=10.0.0.2");
        assertThat(out)
                .contains("0 chart(s) failed")
                .doesNotContain("[WARNING]")
                .doesNotContain("[ERROR]");
    }

    @Test
    void theGuidesHelmInstallRendersADefaultClassNamedNfs(TestNamespace ns) {
        String yaml = Chart.template("nfs-client-provisioner", ns.name(), Chart.GUIDE_VALUES);
        var objects = objects(ns.env(), yaml);
        var sc = objects.stream()
                .filter(StorageClass.class::isInstance)
                .map(StorageClass.class::cast)
                .findFirst()
                .orElseThrow();
        assertThat(sc.getMetadata().getName()).isEqualTo("nfs");
        assertThat(sc.getMetadata().getAnnotations())
                .containsEntry("storageclass.kubernetes.io/is-default-class", "true");
        assertThat(sc.getProvisioner()).isEqualTo("cluster.local/nfs-client-provisioner-nfsprov");
        assertThat(sc.getMountOptions()).as("no NFS version pinned by default").isNullOrEmpty();
        assertThat(sc.getAllowVolumeExpansion()).isFalse();
        var deployment = objects.stream()
                .filter(Deployment.class::isInstance)
                .map(Deployment.class::cast)
                .findFirst()
                .orElseThrow();
        var pod = deployment.getSpec().getTemplate().getSpec();
        assertThat(pod.getVolumes().getFirst().getNfs().getServer()).isEqualTo("10.0.0.2");
        assertThat(pod.getVolumes().getFirst().getNfs().getPath()).isEqualTo("/exported/path");
        var container = pod.getContainers().getFirst();
        assertThat(container.getImage())
                .as("the published image, tag the appVersion")
                .isEqualTo("ghcr.io/nfsprov/nfsprov:" + TestEnvironment.VERSION);
        assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
        assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");

        var dryRun = Chart.kubectl(ns.env(), yaml, "apply", "--dry-run=server", "-n", ns.name(), "-f", "-");
        assertThat(dryRun.exitCode()).as(dryRun.stderr()).isZero();
        assertThat(dryRun.stdout())
                .contains("storageclass.storage.k8s.io/nfs created (server dry run)")
                .contains("deployment.apps/nfs-client-provisioner-nfsprov created (server dry run)");
    }

    @Test
    void everyOptionalObjectRendersAndIsAccepted(TestNamespace ns) {
        String yaml = Chart.template(
                "full",
                ns.name(),
                List.of(
                        "--set",
                        "nfs.server=nfs.example",
                        "--set",
                        "nfs.mountOptions={nfsvers=4.2}",
                        "--set",
                        "podDisruptionBudget.enabled=true",
                        "--set",
                        "storageClass.pathPattern=${.PVC.namespace}/${.PVC.name}",
                        "--set",
                        "storageClass.onDelete=delete",
                        "--set",
                        "storageClass.name=full-" + ns.name(),
                        "--set",
                        "replicaCount=2",
                        "--set",
                        "networkPolicy.enabled=true",
                        "--set",
                        "networkPolicy.metricsFrom[0].namespaceSelector.matchLabels.team=monitoring"));
        assertThat(yaml)
                .contains("kind: PodDisruptionBudget")
                .contains("kind: NetworkPolicy")
                .contains("kind: PersistentVolume\n")
                .contains("pathPattern: ${.PVC.namespace}/${.PVC.name}\n");
        var dryRun = Chart.kubectl(ns.env(), yaml, "apply", "--dry-run=server", "-n", ns.name(), "-f", "-");
        assertThat(dryRun.exitCode()).as(dryRun.stderr()).isZero();
    }

    /**
     * Issue 32: NOTES.txt's test claim was a heredoc whose terminator was indented, so pasted into a shell it never
     * ended. Each command NOTES prints for the test claim runs as printed, against the real cluster.
     */
    @Test
    void theTestClaimNotesPrintWorksAsPrinted(TestNamespace ns) {
        var install = Commands.run(
                Map.of(
                        "HOME", TestEnvironment.REPO.resolve("target").toString(),
                        "KUBECONFIG", ns.env().kubeconfig.toString()),
                List.of(
                        TestEnvironment.tool("helm").toString(),
                        "install",
                        "notes",
                        Chart.CHART.toString(),
                        "--dry-run=server",
                        "--namespace",
                        ns.name(),
                        "--set",
                        "nfs.server=127.0.0.1",
                        "--set",
                        "storageClass.name=" + ns.name() + "-notes"));
        assertThat(install.exitCode()).as(install.stderr()).isZero();
        String notes = install.stdout().substring(install.stdout().indexOf("NOTES:"));
        var lines = notes.lines()
                .map(String::strip)
                .filter(l -> l.startsWith("echo '") || l.startsWith("kubectl get pvc nfsprov-test-claim"))
                .toList();
        assertThat(lines).hasSize(2);
        for (String line : lines) {
            var r = Commands.run(
                    Map.of("KUBECONFIG", ns.env().kubeconfig.toString(), "PATH", pathWithKubectl()),
                    List.of(
                            "bash",
                            "-c",
                            "set -o pipefail; cd /tmp; " + line.replace("kubectl ", "kubectl -n " + ns.name() + " ")));
            assertThat(r.exitCode()).as(line + ": " + r.stderr()).isZero();
        }
        assertThat(notes).contains("networkPolicy.metricsFrom");
        ns.env()
                .client
                .persistentVolumeClaims()
                .inNamespace(ns.name())
                .withName("nfsprov-test-claim")
                .delete();
    }

    /**
     * Issue 32: the schema refused archiveRetention, archiveMaxBytes, directoryAnnotations, directoryIdRange,
     * nestedValues and share, so archive growth could not be capped without hand-writing a class. Every parameter
     * nfsprov reads is a storageClass value of the same name.
     */
    @Test
    void everyClassParameterNfsprovReadsIsAChartValue(TestNamespace ns) {
        var samples = new java.util.LinkedHashMap<String, String>();
        samples.put("pathPattern", "${.PVC.namespace}/${.PVC.name}");
        samples.put("onDelete", "delete");
        samples.put("archiveOnDelete", "false");
        samples.put("existingDirectory", "reuse");
        samples.put("directoryAnnotations", "owner");
        samples.put("directoryIdRange", "1000-2000");
        samples.put("nestedValues", "true");
        samples.put("ownership", "consumer");
        samples.put("share", "default");
        samples.put("capacityPolicy", "free");
        samples.put("overcommit", "1.5");
        samples.put("archiveRetention", "30d");
        samples.put("archiveMaxBytes", "10Gi");
        samples.put("snapshotRetention", "7d");
        assertThat(samples.keySet()).containsExactlyInAnyOrderElementsOf(dev.nfsprov.provision.ClassParameters.KNOWN);
        var values = new java.util.ArrayList<String>(List.of("--set", "nfs.server=127.0.0.1"));
        samples.forEach((k, v) -> values.addAll(List.of("--set-string", "storageClass." + k + "=" + v)));
        var cls = objects(ns.env(), Chart.template("params", ns.name(), values)).stream()
                .filter(StorageClass.class::isInstance)
                .map(StorageClass.class::cast)
                .findFirst()
                .orElseThrow();
        assertThat(cls.getParameters()).containsAllEntriesOf(samples);
    }

    private static String pathWithKubectl() {
        return TestEnvironment.tool("kubectl").getParent() + ":" + System.getenv("PATH");
    }

    @Test
    void doctorChecksExactlyTheVerbsOfTheChartsClusterRole(TestNamespace ns) {
        var role = objects(ns.env(), Chart.template("verbs", ns.name(), Chart.GUIDE_VALUES)).stream()
                .filter(io.fabric8.kubernetes.api.model.rbac.ClusterRole.class::isInstance)
                .map(io.fabric8.kubernetes.api.model.rbac.ClusterRole.class::cast)
                .filter(c -> c.getMetadata().getName().endsWith("-runner"))
                .findFirst()
                .orElseThrow();
        var granted = new java.util.TreeSet<String>();
        for (var rule : role.getRules()) {
            for (String g : rule.getApiGroups())
                for (String r : rule.getResources())
                    for (String v : rule.getVerbs()) granted.add(g + "/" + r + "/" + v);
        }
        var checked = new java.util.TreeSet<String>();
        for (String[] n : dev.nfsprov.doctor.ClusterChecks.NEEDED) checked.add(n[0] + "/" + n[1] + "/" + n[2]);
        assertThat(checked).isEqualTo(granted);
    }

    @Test
    void nfsSubdirsMountOptionsKeepTheirMeaning(TestNamespace ns) {
        // nfs-subdir's values file: nfs.mountOptions mounts the volumes (and the controller's own share)
        var objects = objects(
                ns.env(),
                Chart.template(
                        "old",
                        ns.name(),
                        List.of("--set", "nfs.server=nas.example", "--set", "nfs.mountOptions={nfsvers=3,nolock}")));
        var sc = objects.stream()
                .filter(StorageClass.class::isInstance)
                .map(StorageClass.class::cast)
                .findFirst()
                .orElseThrow();
        assertThat(sc.getMountOptions()).containsExactly("nfsvers=3", "nolock");
        // storageClass.mountOptions, ours, overrides for the volumes only
        var ours = objects(
                ns.env(),
                Chart.template(
                        "new",
                        ns.name(),
                        List.of(
                                "--set",
                                "nfs.server=nas.example",
                                "--set",
                                "nfs.mountOptions={nfsvers=3}",
                                "--set",
                                "storageClass.mountOptions={nfsvers=4.1}")));
        var sc2 = ours.stream()
                .filter(StorageClass.class::isInstance)
                .map(StorageClass.class::cast)
                .findFirst()
                .orElseThrow();
        assertThat(sc2.getMountOptions()).containsExactly("nfsvers=4.1");
    }

    @Test
    void severalSharesAreMountedPassedToTheControllerAndGivenTheirClasses(TestNamespace ns) {
        var values = new java.util.ArrayList<>(Chart.GUIDE_VALUES);
        values.addAll(List.of(
                "--set", "shares[0].name=fast",
                "--set", "shares[0].server=10.1.1.2",
                "--set", "shares[0].path=/export/fast",
                "--set", "shares[0].storageClass.name=nfs-fast",
                "--set", "shares[1].name=cold",
                "--set", "shares[1].server=nas.example",
                "--set", "shares[1].path=/cold",
                "--set", "shares[1].mountOptions={nfsvers=4.1}"));
        String yaml = Chart.template("two", ns.name(), values);
        var objects = objects(ns.env(), yaml);
        var deployment = objects.stream()
                .filter(io.fabric8.kubernetes.api.model.apps.Deployment.class::isInstance)
                .map(io.fabric8.kubernetes.api.model.apps.Deployment.class::cast)
                .findFirst()
                .orElseThrow();
        var pod = deployment.getSpec().getTemplate().getSpec();
        var args = pod.getContainers().getFirst().getArgs();
        // what the controller is given is what it parses, and what doctor reads back from the Deployment
        var shares = dev.nfsprov.doctor.Controllers.moreShares(args);
        assertThat(shares)
                .extracting(m -> m.name() + " " + m.where() + " " + m.mountPath())
                .containsExactly("fast 10.1.1.2:/export/fast /shares/fast", "cold nas.example:/cold /shares/cold");
        assertThat(pod.getContainers().getFirst().getVolumeMounts())
                .extracting(m -> m.getName() + " " + m.getMountPath())
                .contains("share-fast /shares/fast", "share-cold /shares/cold");
        var volumes = pod.getVolumes().stream().collect(java.util.stream.Collectors.toMap(v -> v.getName(), v -> v));
        assertThat(volumes.get("share-fast").getNfs().getServer()).isEqualTo("10.1.1.2");
        assertThat(volumes.get("share-cold").getPersistentVolumeClaim().getClaimName())
                .isEqualTo("pvc-two-nfsprov-cold");
        var classes = objects.stream()
                .filter(StorageClass.class::isInstance)
                .map(StorageClass.class::cast)
                .collect(java.util.stream.Collectors.toMap(c -> c.getMetadata().getName(), c -> c));
        assertThat(classes).containsOnlyKeys("nfs", "nfs-fast");
        assertThat(classes.get("nfs-fast").getParameters()).containsEntry("share", "fast");
        assertThat(classes.get("nfs-fast").getProvisioner())
                .isEqualTo(classes.get("nfs").getProvisioner());
        assertThat(classes.get("nfs-fast").getMetadata().getAnnotations())
                .as("one default class")
                .isNullOrEmpty();
        var dryRun = Chart.kubectl(ns.env(), yaml, "apply", "--dry-run=server", "-n", ns.name(), "-f", "-");
        assertThat(dryRun.exitCode()).as(dryRun.stderr()).isZero();

        var reserved = Chart.templateRefused(
                "nfs.server=a", "shares[0].name=default", "shares[0].server=b", "shares[0].path=/x");
        assertThat(reserved.exitCode()).isNotZero();
        assertThat(reserved.stderr()).contains("shares/0/name");
    }

    @Test
    void aDigestPinsTheImageAndAnythingElseIsRefused(TestNamespace ns) {
        String digest = "sha256:" + "ab".repeat(32);
        var values = new java.util.ArrayList<>(Chart.GUIDE_VALUES);
        values.addAll(List.of("--set", "image.digest=" + digest));
        var deployment = objects(ns.env(), Chart.template("pinned", ns.name(), values)).stream()
                .filter(Deployment.class::isInstance)
                .map(Deployment.class::cast)
                .findFirst()
                .orElseThrow();
        assertThat(deployment
                        .getSpec()
                        .getTemplate()
                        .getSpec()
                        .getContainers()
                        .getFirst()
                        .getImage())
                .isEqualTo("ghcr.io/nfsprov/nfsprov:" + TestEnvironment.VERSION + "@" + digest);

        var bad = Chart.templateRefused("nfs.server=a", "image.digest=0.1.0");
        assertThat(bad.exitCode()).isNotZero();
        assertThat(bad.stderr()).contains("image/digest");
    }

    @Test
    void missingServerFailsWithWhatToSet() {
        var r = Chart.templateRefused();
        assertThat(r.exitCode()).isNotZero();
        assertThat(r.stderr()).contains("nfs.server is required");
    }
}
