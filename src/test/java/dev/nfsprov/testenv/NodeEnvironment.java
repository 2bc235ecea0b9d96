package dev.nfsprov.testenv;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A second local cluster, with a node that runs Pods ({@code scripts/dev-cluster up --node}: kube-scheduler,
 * kubelet, kube-proxy, containerd, runc, CNI) and the NFS export its Pods mount; the nfsprov image built by
 * {@code scripts/build-image} and loaded into the node. One per test JVM, started by the first node test and
 * stopped when the JVM exits. The node tests are tagged {@code node}; see docs/testing.md.
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
    /** The nfsprov image as loaded into the node, e.g. {@code localhost/nfsprov:0.1.0}. */
    public final String imageRepository;

    public final String imageTag;
    public static final String TOOLBOX = "localhost/nfsprov-toolbox:1";
    public final KubernetesClient client;

    private NodeEnvironment(Path stateDir, Map<String, String> vars, String image) {
        this.stateDir = stateDir;
        this.kubeconfig = Path.of(vars.get("KUBECONFIG"));
        this.nfsServer = vars.get("NFS_SERVER");
        this.nfsPath = vars.get("NFS_PATH");
        this.exportDir = Path.of(vars.get("NFS_EXPORT_DIR"));
        int colon = image.lastIndexOf(':');
        this.imageRepository = image.substring(0, colon);
        this.imageTag = image.substring(colon + 1);
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
        String archive = lastLine(Commands.runOrFail(
                Map.of(),
                List.of(repo.resolve("scripts/build-image").toString()),
                "scripts/build-image failed: it needs root, umoci and apt-get (apt-get install -y umoci)"));
        String up = Commands.runOrFail(
                env,
                List.of(repo.resolve("scripts/dev-cluster").toString(), "up", "--node"),
                "scripts/dev-cluster up --node failed: it needs containerd, containernetworking-plugins, "
                        + "iptables, umoci "
                        + "(apt-get install -y containerd containernetworking-plugins iptables umoci "
                        + "libseccomp-dev); logs in "
                        + state);
        String image = lastLine(Commands.runOrFail(
                env,
                List.of(repo.resolve("scripts/dev-cluster").toString(), "load-image", archive),
                "scripts/dev-cluster load-image failed"));
        Map<String, String> vars = new HashMap<>();
        for (String line : up.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0 && line.substring(0, eq).matches("[A-Z_]+"))
                vars.put(line.substring(0, eq), line.substring(eq + 1).strip());
        }
        return new NodeEnvironment(state, vars, image);
    }

    private static String lastLine(String out) {
        String[] lines = out.strip().split("\n");
        return lines[lines.length - 1].strip();
    }
}
