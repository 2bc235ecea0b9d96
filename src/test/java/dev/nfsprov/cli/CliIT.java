package dev.nfsprov.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.testenv.Cli;
import dev.nfsprov.testenv.Kube;
import dev.nfsprov.testenv.RealCluster;
import dev.nfsprov.testenv.RealCluster.TestNamespace;
import dev.nfsprov.testenv.TestEnvironment;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The command line as kubectl users expect it (issue 32): kubeconfig lists, contexts, namespaces, -o yaml. */
@ExtendWith(RealCluster.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CliIT {

    private TestEnvironment env;

    @BeforeAll
    void setUp(TestEnvironment env) {
        this.env = env;
    }

    record Run(int exit, String out, String err) {}

    /** bin/nfsprov as a person runs it: with this environment only (no KUBECONFIG unless given), this home. */
    private static Run launch(Path home, Map<String, String> extraEnv, String... args) throws Exception {
        var cmd = new ArrayList<>(
                List.of(TestEnvironment.REPO.resolve("bin/nfsprov").toString()));
        cmd.addAll(List.of(args));
        var pb = new ProcessBuilder(cmd);
        pb.environment().remove("KUBECONFIG");
        pb.environment().remove("KUBERNETES_SERVICE_HOST");
        pb.environment().put("HOME", home.toString());
        // the JVM takes its home from the password file, not HOME
        pb.environment().put("NFSPROV_JAVA_OPTS", "-Duser.home=" + home);
        pb.environment().putAll(extraEnv);
        Path out = home.resolve("out-" + System.nanoTime());
        Path err = home.resolve("err-" + System.nanoTime());
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        var p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(cmd + " did not end within 60 s");
        }
        return new Run(
                p.exitValue(),
                Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void aKubeconfigListTheContextAndItsNamespaceWorkAsWithKubectl(TestNamespace ns, @TempDir Path home)
            throws Exception {
        String n = ns.name();
        var kube = new Kube(env.client, n);
        kube.create(kube.claimBuilder("stuck-in-context", "no-such-class-" + n));
        String other = n + "-other";
        env.client
                .namespaces()
                .resource(new NamespaceBuilder()
                        .withNewMetadata()
                        .withName(other)
                        .endMetadata()
                        .build())
                .create();
        try {
            new Kube(env.client, other).create(new Kube(env.client, other).claimBuilder("elsewhere", "gone-" + n));
            // KUBECONFIG=a:b, as kubectl merges it: a holds the cluster and the user, b the contexts
            var a = Serialization.unmarshal(
                    Files.readString(env.kubeconfig), io.fabric8.kubernetes.api.model.Config.class);
            String cluster = a.getContexts().getFirst().getContext().getCluster();
            String user = a.getContexts().getFirst().getContext().getUser();
            Path b = Files.writeString(home.resolve("contexts"), """
                    apiVersion: v1
                    kind: Config
                    contexts:
                    - {name: mine, context: {cluster: %s, user: %s, namespace: %s}}
                    - {name: typo, context: {cluster: %s, user: %s, namespace: kubefolw}}
                    current-context: mine
                    """.formatted(cluster, user, n, cluster, user));
            var kubeconfig = Map.of("KUBECONFIG", b + ":" + env.kubeconfig);

            var r = launch(home, kubeconfig, "doctor", "--only", "cluster");
            assertThat(r.out() + r.err())
                    .contains("claim " + n + "/stuck-in-context: Pending")
                    .doesNotContain("elsewhere");
            assertThat(r.exit()).isEqualTo(ExitCode.REFUSED); // doctor: a problem found

            r = launch(home, kubeconfig, "doctor", "--only", "cluster", "-A");
            assertThat(r.out()).contains("claim " + n + "/stuck-in-context").contains("claim " + other + "/elsewhere");

            r = launch(home, kubeconfig, "doctor", "--only", "cluster", "--context", "typo");
            assertThat(r.exit()).isEqualTo(ExitCode.REFUSED);
            assertThat(r.err()).isEqualTo("nfsprov: namespace kubefolw does not exist\n");
        } finally {
            env.client.namespaces().withName(other).delete();
        }
    }

    @Test
    void aNamespaceThatDoesNotExistIsRefusedNotAnEmptyGreenResult() {
        for (var command : List.of(List.of("doctor", "--only", "cluster"), List.of("rebind"), List.of("usage"))) {
            var args = new ArrayList<>(command);
            args.addAll(List.of("-n", "kubefolw", "--kubeconfig", env.kubeconfig.toString()));
            var r = Cli.run(args);
            assertThat(r.exit()).as("%s: %s", command, r.all()).isEqualTo(ExitCode.REFUSED);
            assertThat(r.err()).as("%s", command).contains("namespace kubefolw does not exist");
        }
    }

    @Test
    void withNoClusterConfiguredEveryCommandSaysTheSame(@TempDir Path home) throws Exception {
        for (var command : List.of(
                List.of("doctor", "--only", "cluster"),
                List.of("rebind", "-A"),
                List.of("usage"),
                List.of("release-finalizers"))) {
            var r = launch(home, Map.of(), command.toArray(String[]::new));
            assertThat(r.exit()).as("%s: %s", command, r.err()).isEqualTo(ExitCode.REFUSED);
            assertThat(r.err()).as("%s", command).isEqualTo("nfsprov: " + KubeOptions.NOTHING_CONFIGURED + "\n");
        }
        var r = launch(home, Map.of("KUBECONFIG", home.resolve("a") + ":" + home.resolve("b")), "usage");
        assertThat(r.err())
                .isEqualTo("nfsprov: cannot read kubeconfig: KUBECONFIG=" + home.resolve("a") + ":" + home.resolve("b")
                        + " names no readable file\n");
    }

    @Test
    void yamlIsTheSameDataAsJson(TestNamespace ns) throws IOException {
        String n = ns.name();
        var kube = new Kube(env.client, n);
        kube.create(kube.claimBuilder("stuck-for-yaml", "no-such-class-" + n));
        var json = Cli.run(List.of(
                "doctor", "--only", "cluster", "-n", n, "-o", "json", "--kubeconfig", env.kubeconfig.toString()));
        var yaml = Cli.run(List.of(
                "doctor", "--only", "cluster", "-n", n, "-o", "yaml", "--kubeconfig", env.kubeconfig.toString()));
        assertThat(yaml.exit()).isEqualTo(json.exit());
        assertThat(Serialization.unmarshal(yaml.out(), Map.class))
                .isEqualTo(Serialization.unmarshal(json.out(), Map.class))
                .containsKey("checks");
        var usage = Cli.run(List.of("usage", "-n", n, "-o", "yaml", "--kubeconfig", env.kubeconfig.toString()));
        assertThat(usage.exit()).as(usage.all()).isZero();
        assertThat(Serialization.unmarshal(usage.out(), List.class)).isEmpty();
    }
}
