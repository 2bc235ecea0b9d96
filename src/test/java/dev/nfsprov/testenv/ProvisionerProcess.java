package dev.nfsprov.testenv;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The provisioner as a real process, started through bin/nfsprov exactly as a user or the image does, so it
 * can be SIGKILLed, restarted and run twice. Its output goes to a log file under target/testenv.
 */
public final class ProvisionerProcess implements AutoCloseable {

    private final Map<String, String> env;
    private final Path launcher;
    private final List<String> extraArgs;
    private final Path log;
    private final int port;
    private final MemoryCgroup cgroup;
    private Process process;

    private ProvisionerProcess(
            Map<String, String> env, Path launcher, List<String> extraArgs, Path log, MemoryCgroup cgroup) {
        this.env = env;
        this.launcher = launcher;
        this.extraArgs = extraArgs;
        this.log = log;
        this.cgroup = cgroup;
        this.port = freePort();
    }

    /** A controller for provisionerName on the test share, with leader election as given. */
    public static ProvisionerProcess start(
            TestEnvironment te,
            String provisionerName,
            boolean leaderElection,
            Map<String, String> extraEnv,
            String... extraArgs) {
        return start(
                te, TestEnvironment.REPO.resolve("bin/nfsprov"), provisionerName, leaderElection, extraEnv, extraArgs);
    }

    /** As above, through another launcher, e.g. the image layout's bin/nfsprov. extraEnv may override KUBECONFIG. */
    public static ProvisionerProcess start(
            TestEnvironment te,
            Path launcher,
            String provisionerName,
            boolean leaderElection,
            Map<String, String> extraEnv,
            String... extraArgs) {
        return start(te, launcher, provisionerName, leaderElection, extraEnv, null, extraArgs);
    }

    /** As above, in a memory cgroup (null: none), as in a container with a memory limit; restarts stay in it. */
    public static ProvisionerProcess start(
            TestEnvironment te,
            Path launcher,
            String provisionerName,
            boolean leaderElection,
            Map<String, String> extraEnv,
            MemoryCgroup cgroup,
            String... extraArgs) {
        Map<String, String> env = new HashMap<>();
        env.put("NFS_SERVER", "127.0.0.1");
        env.put("NFS_PATH", te.nfsPath);
        env.put("PROVISIONER_NAME", provisionerName);
        env.put("ENABLE_LEADER_ELECTION", String.valueOf(leaderElection));
        env.put("KUBECONFIG", te.kubeconfig.toString());
        env.put("NFS_MOUNT_PATH", te.exportDir.toString());
        env.putAll(extraEnv);
        Path log = te.stateDir.resolve(
                "provisioner-" + provisionerName.replaceAll("[^A-Za-z0-9]", "-") + "-" + System.nanoTime() + ".log");
        var p = new ProvisionerProcess(env, launcher, List.of(extraArgs), log, cgroup);
        p.start();
        return p;
    }

    public void start() {
        List<String> cmd =
                new ArrayList<>(List.of(launcher.toString(), "controller", "--metrics-address", "127.0.0.1:" + port));
        cmd.addAll(extraArgs);
        var pb = new ProcessBuilder(cgroup == null ? cmd : cgroup.wrap(cmd))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putAll(env);
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start bin/nfsprov: " + e.getMessage(), e);
        }
        Await.until("provisioner /readyz (log: " + log + ")", Duration.ofSeconds(60), () -> {
            if (!process.isAlive())
                throw new AssertionError("provisioner exited with " + process.exitValue() + ":\n" + log());
            return get("/readyz").statusCode() == 200;
        });
    }

    /** SIGKILL: no shutdown hook, no cleanup, as a crashed node or an OOM kill. */
    public void kill() {
        process.destroyForcibly();
        waitFor();
    }

    /** SIGTERM, and the exit code. */
    public int terminate() {
        process.destroy();
        return waitFor();
    }

    public int waitFor() {
        try {
            return process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    /** Where its probe and metrics server answers {@code path}. */
    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    public HttpResponse<String> get(String path) {
        try (var http = HttpClient.newHttpClient()) {
            return http.send(
                    HttpRequest.newBuilder(uri(path))
                            .timeout(Duration.ofSeconds(5))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException("GET " + path + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public String log() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "(cannot read " + log + ")";
        }
    }

    /** A free port for the controller's metrics, picked by the rule the scripts' servers use (scripts/lib/ports.sh). */
    private static int freePort() {
        String port = Commands.runOrFail(
                Map.of(),
                List.of(
                        "bash",
                        "-c",
                        "source \"$1\" && free_port",
                        "free_port",
                        TestEnvironment.REPO.resolve("scripts/lib/ports.sh").toString()),
                "cannot pick a port with scripts/lib/ports.sh (it needs python3)");
        return Integer.parseInt(port.trim());
    }

    @Override
    public void close() {
        if (process == null || !process.isAlive()) return;
        process.destroy(); // SIGTERM, as the kubelet does, so the Lease is handed back
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) kill();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill();
        }
    }
}
