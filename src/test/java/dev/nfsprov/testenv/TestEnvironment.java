package dev.nfsprov.testenv;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One real control plane (scripts/dev-cluster) and one real NFS server (scripts/dev-nfs) per test JVM, shared by
 * every test class and stopped when the JVM exits. A missing prerequisite fails the tests with how to get it.
 */
public final class TestEnvironment {

    public static final Path REPO = findRepo();
    /** nfsprov's version: the chart's appVersion, which the image, the jar and the CLI archives carry. */
    public static final String VERSION = appVersion();

    private static TestEnvironment instance;

    public final Path stateDir;
    public final Path kubeconfig;
    public final int nfsPort;
    public final String nfsPath;
    public final Path exportDir;
    public final KubernetesClient client;

    private TestEnvironment(Path stateDir, Path kubeconfig, int nfsPort, String nfsPath, Path exportDir) {
        this.stateDir = stateDir;
        this.kubeconfig = kubeconfig;
        this.nfsPort = nfsPort;
        this.nfsPath = nfsPath;
        this.exportDir = exportDir;
        this.client = client(kubeconfig);
    }

    public static synchronized TestEnvironment get() {
        if (instance == null) instance = start();
        return instance;
    }

    public static KubernetesClient client(Path kubeconfig) {
        try {
            var config = Config.fromKubeconfig(null, Files.readString(kubeconfig), kubeconfig.toString());
            return new KubernetesClientBuilder().withConfig(config).build();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static TestEnvironment start() {
        return start(
                REPO.resolve("target/testenv/run-" + ProcessHandle.current().pid()), Map.of());
    }

    /**
     * A control plane and NFS server of its own, for a test whose load (say 20,000 objects) must not reach the
     * shared one; {@link #stop()} it when done (the JVM's exit stops it too).
     */
    public static TestEnvironment startSeparate(String name, Map<String, String> extraEnv) {
        return start(
                REPO.resolve("target/testenv/run-" + ProcessHandle.current().pid() + "-" + name), extraEnv);
    }

    /** Stops this environment's control plane and NFS server. */
    public void stop() {
        client.close();
        Commands.run(envOf(stateDir), List.of(REPO.resolve("scripts/dev-nfs").toString(), "down"));
        Commands.run(
                envOf(stateDir), List.of(REPO.resolve("scripts/dev-cluster").toString(), "down"));
    }

    private static Map<String, String> envOf(Path state) {
        return Map.of(
                "NFSPROV_DEV_DIR",
                state.resolve("cluster").toString(),
                "NFSPROV_NFS_DIR",
                state.resolve("nfs").toString());
    }

    private static TestEnvironment start(Path state, Map<String, String> extraEnv) {
        var env = new HashMap<>(envOf(state));
        env.putAll(extraEnv);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
            Commands.run(env, List.of(REPO.resolve("scripts/dev-nfs").toString(), "down"));
            Commands.run(env, List.of(REPO.resolve("scripts/dev-cluster").toString(), "down"));
        }));
        var cluster = Commands.runOrFail(
                env,
                List.of(REPO.resolve("scripts/dev-cluster").toString(), "up"),
                "scripts/dev-cluster up failed; run scripts/build-testenv to build the control plane from source");
        var nfs = Commands.runOrFail(
                env,
                List.of(REPO.resolve("scripts/dev-nfs").toString(), "up"),
                "scripts/dev-nfs up failed; install the NFS server and client: apt-get install -y nfs-ganesha "
                        + "nfs-ganesha-vfs libnfs-utils");
        Map<String, String> vars = new HashMap<>();
        for (String line : (cluster + "\n" + nfs).split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0 && line.substring(0, eq).matches("[A-Z_]+"))
                vars.put(line.substring(0, eq), line.substring(eq + 1).strip());
        }
        var te = new TestEnvironment(
                state,
                Path.of(vars.get("KUBECONFIG")),
                Integer.parseInt(vars.get("NFS_PORT")),
                vars.get("NFS_PATH"),
                Path.of(vars.get("NFS_EXPORT_DIR")));
        te.installSnapshotCrd();
        return te;
    }

    /**
     * The ClaimSnapshot CRD, as the chart installs it for every user (the chart's file: one definition), applied before
     * any controller starts, so every controller of the tests serves snapshots, as installed ones do.
     */
    private void installSnapshotCrd() {
        String crd;
        try {
            crd = Files.readString(REPO.resolve("deploy/helm/nfsprov/crds/claimsnapshots.yaml"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        client.load(new java.io.ByteArrayInputStream(crd.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .serverSideApply();
        client.apiextensions()
                .v1()
                .customResourceDefinitions()
                .withName("claimsnapshots.nfsprov.dev")
                .waitUntilCondition(
                        c -> c != null
                                && c.getStatus() != null
                                && c.getStatus().getConditions().stream()
                                        .anyMatch(
                                                x -> "Established".equals(x.getType()) && "True".equals(x.getStatus())),
                        60,
                        java.util.concurrent.TimeUnit.SECONDS);
    }

    private static Path binDir;

    /** An upstream binary built by scripts/build-testenv (kubectl, helm, ...). */
    public static synchronized Path tool(String name) {
        if (binDir == null) {
            String out = Commands.runOrFail(
                    Map.of(),
                    List.of(REPO.resolve("scripts/build-testenv").toString()),
                    "scripts/build-testenv failed: it builds kubectl and helm from source through the Go module proxy");
            String[] lines = out.strip().split("\n");
            binDir = Path.of(lines[lines.length - 1]);
        }
        return binDir.resolve(name);
    }

    /** Restarts kube-apiserver on the same etcd and port (for fault tests). */
    public void restartApiServer() {
        Commands.runOrFail(
                Map.of("NFSPROV_DEV_DIR", stateDir.resolve("cluster").toString()),
                List.of(REPO.resolve("scripts/dev-cluster").toString(), "restart-apiserver"),
                "restart of kube-apiserver failed");
    }

    /** nfs:// URL for libnfs of a path on the exported share. */
    public String nfsUrl(String path) {
        return "nfs://127.0.0.1" + path + "?version=4&nfsport=" + nfsPort;
    }

    private static String appVersion() {
        try {
            return Files.readAllLines(REPO.resolve("deploy/helm/nfsprov/Chart.yaml")).stream()
                    .filter(l -> l.startsWith("appVersion:"))
                    .map(l -> l.substring("appVersion:".length()).strip().replace("\"", ""))
                    .findFirst()
                    .orElseThrow();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Path findRepo() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("scripts/dev-cluster"))) p = p.getParent();
        if (p == null) throw new IllegalStateException("run the tests from inside the nfsprov repository");
        return p;
    }
}
