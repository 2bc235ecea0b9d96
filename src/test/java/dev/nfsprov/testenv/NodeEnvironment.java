package dev.nfsprov.testenv;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A second local cluster, with a node that runs Pods ({@code scripts/dev-cluster up --node}: kube-scheduler,
 * kubelet, kube-proxy, containerd, runc, CNI), the NFS export its Pods mount and the OCI registry its containerd
 * pulls from; nfsprov released into that registry by {@code scripts/release --push} (the image index for amd64 and
 * arm64, the chart as an OCI artifact), as the project publishes it. One per test JVM, started by the first node
 * test and stopped when the JVM exits. The node tests are tagged {@code node}; see docs/testing.md.
 */
public final class NodeEnvironment {

    private static NodeEnvironment instance;

    public final Path stateDir;
    public final Path kubeconfig;
    /** The NFS server and export as the nodes (and so the chart's {@code nfs.server}/{@code nfs.path}) see them. */
    public final String nfsServer;

    public final String nfsPath;
    /** The local directory behind the export. */
    public final Path exportDir;
    /** The node's registry, {@code 127.0.0.1:<port>}, and the CA its certificate is signed by. */
    public final String registry;

    public final Path registryCa;
    /**
     * Where the release went: the registry standing for the public one, {@code ghcr.io/nfsprov} (docs/install.md),
     * as {@code <registry>/nfsprov}.
     */
    public final String releaseTarget;
    /** The nfsprov image as the node pulls it, e.g. {@code 127.0.0.1:5000/nfsprov/nfsprov} and {@code 0.1.0}. */
    public final String imageRepository;

    public final String imageTag;
    /** The chart in the registry: {@code oci://<registry>/nfsprov/charts/nfsprov}, and its version. */
    public final String chart;

    public final String chartVersion;
    /** target/release: the release's image layout, chart, CLI archives. */
    public final Path release;

    public static final String TOOLBOX = "localhost/nfsprov-toolbox:1";
    public final KubernetesClient client;

    private NodeEnvironment(Path stateDir, Map<String, String> vars, Path release) {
        this.stateDir = stateDir;
        this.kubeconfig = Path.of(vars.get("KUBECONFIG"));
        this.nfsServer = vars.get("NFS_SERVER");
        this.nfsPath = vars.get("NFS_PATH");
        this.exportDir = Path.of(vars.get("NFS_EXPORT_DIR"));
        this.registry = vars.get("REGISTRY");
        this.registryCa = Path.of(vars.get("REGISTRY_CA"));
        this.releaseTarget = registry + "/nfsprov";
        this.imageRepository = releaseTarget + "/nfsprov";
        this.imageTag = TestEnvironment.VERSION;
        this.chart = "oci://" + releaseTarget + "/charts/nfsprov";
        this.release = release;
        try (var charts = Files.list(release)) {
            String tgz = charts.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("nfsprov-") && n.endsWith(".tgz"))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("scripts/release made no chart in " + release));
            this.chartVersion = tgz.substring("nfsprov-".length(), tgz.length() - ".tgz".length());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.client = TestEnvironment.client(kubeconfig);
    }

    public static synchronized NodeEnvironment get() {
        if (instance == null) instance = start();
        return instance;
    }

    private static NodeEnvironment start() {
        Path repo = TestEnvironment.REPO;
        Path state =
                repo.resolve("target/testenv/node-" + ProcessHandle.current().pid());
        var env = Map.of("NFSPROV_DEV_DIR", state.toString());
        Runtime.getRuntime()
                .addShutdownHook(Thread.ofPlatform()
                        .unstarted(() -> Commands.run(
                                env, List.of(repo.resolve("scripts/dev-cluster").toString(), "down"))));
        String up = Commands.runOrFail(
                env,
                List.of(repo.resolve("scripts/dev-cluster").toString(), "up", "--node"),
                "scripts/dev-cluster up --node failed: it needs containerd, containernetworking-plugins, "
                        + "iptables, umoci "
                        + "(apt-get install -y containerd containernetworking-plugins iptables umoci "
                        + "libseccomp-dev); logs in "
                        + state);
        Map<String, String> vars = new HashMap<>();
        for (String line : up.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0 && line.substring(0, eq).matches("[A-Z_]+"))
                vars.put(line.substring(0, eq), line.substring(eq + 1).strip());
        }
        String release = lastLine(Commands.runOrFail(
                Map.of(),
                List.of(
                        repo.resolve("scripts/release").toString(),
                        "--push",
                        vars.get("REGISTRY") + "/nfsprov",
                        "--ca-file",
                        vars.get("REGISTRY_CA")),
                "scripts/release failed: it needs root, umoci, skopeo, unzip, qemu-user-static and Debian's arm64 "
                        + "packages (scripts/ensure-packages installs them)"));
        return new NodeEnvironment(state, vars, repo.resolve(release));
    }

    /** The digest of the release's image index (target/release/oci/index.json), which the node pulls by tag. */
    public String imageIndexDigest() {
        try {
            var index = new ObjectMapper()
                    .readTree(release.resolve("oci/index.json").toFile());
            return index.get("manifests").get(0).get("digest").asText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String lastLine(String out) {
        String[] lines = out.strip().split("\n");
        return lines[lines.length - 1].strip();
    }
}
