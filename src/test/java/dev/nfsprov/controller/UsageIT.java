package dev.nfsprov.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.protocol.UsageRules;
import dev.nfsprov.testenv.Await;
import dev.nfsprov.testenv.Kube;
import dev.nfsprov.testenv.Nfs;
import dev.nfsprov.testenv.ProvisionerProcess;
import dev.nfsprov.testenv.RealCluster;
import dev.nfsprov.testenv.RealCluster.TestNamespace;
import dev.nfsprov.testenv.TestEnvironment;
import io.fabric8.kubernetes.api.model.Quantity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Usage of each volume, measured by the leader from the share and written by a tenant through NFS: gauges, one
 * Event per threshold crossed, the record nfsprov usage reads.
 */
@ExtendWith(RealCluster.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UsageIT {

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
        provisioner = ProvisionerProcess.start(
                env, name, true, Map.of(), "--usage-scan-interval", "1s", "--usage-scan-rate", "0");
        kube.storageClass(ns + "-std", name, Map.of(), "Delete", "Immediate");
    }

    @AfterAll
    void stop() {
        provisioner.close();
    }

    private double scans() {
        var m = Pattern.compile("(?m)^nfsprov_usage_scans_total (\\S+)")
                .matcher(provisioner.get("/metrics").body());
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    private void awaitPasses(int n) {
        double from = scans();
        Await.until(n + " more usage passes", Duration.ofSeconds(60), () -> scans() >= from + n);
    }

    private String nfsUsage(String... args) {
        var all = new ArrayList<>(List.of("usage", "--kubeconfig", env.kubeconfig.toString()));
        all.addAll(List.of(args));
        var r = dev.nfsprov.testenv.Cli.run(all);
        assertThat(r.exit()).as(r.all()).isZero();
        return r.all();
    }

    @Test
    void aVolumeFilledPastItsThresholdsGetsOneEventPerCrossingAndShowsInGaugesAndUsage() throws Exception {
        kube.create(kube.claimBuilder("data", ns + "-std")
                .editSpec()
                .editResources()
                .addToRequests("storage", new Quantity("100Ki"))
                .endResources()
                .endSpec());
        var bound = kube.awaitBound("data");
        String pv = bound.getSpec().getVolumeName();
        String path = kube.volume(pv).getSpec().getNfs().getPath();
        // A tenant writes over NFS; the bulk goes straight into the exported directory (what a Pod on the node
        // does through its mount): libnfs 4.0's NFSv4 client cannot write more than a few KB in one go ("ZDR
        // error: Failed to encode COMPOUND4args").
        new Nfs(env).write(path + "/hello", "written over NFS\n");
        var dir = env.exportDir.resolve(path.substring(env.nfsPath.length() + 1));
        java.nio.file.Files.write(dir.resolve("a"), new byte[80 * 1024]); // with the blocks around it: past 80 %
        var nearly = kube.awaitEvent("data", "VolumeNearlyFull", "of its 100Ki request");
        assertThat(nearly.getType()).isEqualTo("Warning");
        assertThat(nearly.getMessage()).contains("(warning at 80%)").contains("2 files");
        java.nio.file.Files.write(dir.resolve("b"), new byte[40 * 1024]);
        var over = kube.awaitEvent("data", "VolumeOverCapacity", "of its 100Ki request");
        assertThat(over.getMessage()).contains("3 files").contains("NFS does not enforce the request");
        awaitPasses(3);
        assertThat(kube.events("data", "VolumeNearlyFull"))
                .as("once per crossing, not per scan")
                .hasSize(1);
        assertThat(kube.events("data", "VolumeOverCapacity")).hasSize(1);

        String metrics = provisioner.get("/metrics").body();
        var used = Pattern.compile("(?m)^nfsprov_volume_used_bytes\\{namespace=\"" + ns
                        + "\",persistentvolume=\"" + pv + "\",persistentvolumeclaim=\"data\",storageclass=\"" + ns
                        + "-std\"} (\\S+)")
                .matcher(metrics);
        assertThat(used.find()).as(metrics).isTrue();
        assertThat(Double.parseDouble(used.group(1))).isGreaterThanOrEqualTo(120 * 1024);
        assertThat(metrics)
                .contains("nfsprov_volume_capacity_bytes{namespace=\"" + ns + "\",persistentvolume=\"" + pv
                        + "\",persistentvolumeclaim=\"data\",storageclass=\"" + ns + "-std\"} 102400.0")
                .contains("nfsprov_volume_files{namespace=\"" + ns + "\",persistentvolume=\"" + pv
                        + "\",persistentvolumeclaim=\"data\",storageclass=\"" + ns + "-std\"} 3.0")
                .containsPattern("nfsprov_share_size_bytes\\{share=\"127.0.0.1:/nfsprov\"} [1-9]")
                .containsPattern("nfsprov_share_provisioned_bytes\\{share=\"127.0.0.1:/nfsprov\"} [1-9]");

        var recorded = UsageRules.recorded(kube.volume(pv).getMetadata().getAnnotations());
        assertThat(recorded.files()).isEqualTo(3);
        String table = nfsUsage("-n", ns);
        assertThat(table.lines().findFirst().orElseThrow())
                .matches("NAMESPACE +CLAIM +VOLUME +REQUEST +USED +USE% +FILES +LAST SCAN");
        assertThat(table).containsPattern(ns + " +data +" + pv + " +100Ki +1\\d\\dKi +1\\d\\d% +3 +\\d+s ago");
        assertThat(nfsUsage("-n", ns, "-o", "json"))
                .contains("\"claim\":\"data\"")
                .contains("\"files\":3");

        // doctor: per class what is requested against the share's free space, and the claim past its request
        var doctor = dev.nfsprov.testenv.Cli.run(List.of(
                "doctor",
                "--kubeconfig",
                env.kubeconfig.toString(),
                "-n",
                ns,
                "--nfs-server",
                "127.0.0.1:" + env.nfsPort,
                "--nfs-path",
                env.nfsPath));
        assertThat(doctor.all())
                .containsPattern("✓ capacity of " + ns + "-std: \\d volume\\(s\\) request [0-9.]+Gi; the share has"
                        + " [0-9.]+[GT]i of [0-9.]+[GT]i available")
                .containsPattern("! claim " + ns + "/data: uses 1\\d\\dKi of its 100Ki request");

        // The chart's PrometheusRule alerts on series this controller really exposes
        String rule = dev.nfsprov.testenv.Commands.runOrFail(
                Map.of("HOME", TestEnvironment.REPO.resolve("target").toString()),
                List.of(
                        TestEnvironment.tool("helm").toString(),
                        "template",
                        "x",
                        TestEnvironment.REPO.resolve("deploy/helm/nfsprov").toString(),
                        "--set",
                        "nfs.server=nfs.example",
                        "--set",
                        "metrics.prometheusRule.enabled=true",
                        "--show-only",
                        "templates/prometheusrule.yaml"),
                "helm template failed");
        var names = Pattern.compile("nfsprov_[a-z_]+")
                .matcher(rule)
                .results()
                .map(java.util.regex.MatchResult::group)
                .collect(java.util.stream.Collectors.toSet());
        assertThat(names).hasSizeGreaterThanOrEqualTo(4);
        for (String n : names)
            assertThat(metrics).as("PrometheusRule series " + n).contains("\n" + n + "{");

        kube.deleteClaim("data");
        kube.awaitVolumeGone(pv);
        awaitPasses(2);
        assertThat(provisioner.get("/metrics").body())
                .as("a gone volume's series go")
                .doesNotContain(pv);
    }

    @Test
    void usageCanMeasureNowThroughALocalMountOfTheShare() throws Exception {
        kube.create(kube.claimBuilder("scanned", ns + "-std"));
        var bound = kube.awaitBound("scanned");
        String path =
                kube.volume(bound.getSpec().getVolumeName()).getSpec().getNfs().getPath();
        new Nfs(env).write(path + "/file", "z".repeat(900));
        String out = nfsUsage(
                "-n",
                ns,
                "--scan",
                "--mount-path",
                env.exportDir.toString(),
                "--nfs-path",
                env.nfsPath,
                "--sort",
                "name");
        assertThat(out)
                .containsPattern("scanned +" + bound.getSpec().getVolumeName() + " +1Gi +\\d+Ki +0% +1 +\\d+s ago");
    }
}
