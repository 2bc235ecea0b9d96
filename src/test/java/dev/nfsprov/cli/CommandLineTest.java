package dev.nfsprov.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.testenv.Cli;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What every command shares, as typed at a terminal: one exit-code table, one way to say a cluster is unreachable. */
class CommandLineTest {

    /** The commands that talk to the API server, each with the least it needs to get that far. */
    private static List<List<String>> apiCommands(Path share) {
        return List.of(
                List.of("doctor", "--only", "cluster"),
                List.of("rebind", "-A"),
                List.of("usage"),
                List.of("release-finalizers"),
                List.of(
                        "migrate",
                        "--from-provisioner",
                        "a/b",
                        "--to-provisioner",
                        "c/d",
                        "--nfs-server",
                        "127.0.0.1",
                        "--nfs-path",
                        "/x"),
                List.of("archives", "--nfs-server", "127.0.0.1", "--nfs-path", "/x", "--mount-path", share.toString()));
    }

    @Test
    void everyHelpCarriesTheOneExitCodeTable() {
        var names = new ArrayList<String>();
        names.add(null);
        names.addAll(Main.commandLine().getSubcommands().keySet());
        for (String name : names) {
            var r = Cli.run(name == null ? List.of("--help") : List.of(name, "--help"));
            assertThat(r.exit()).as(name).isZero();
            assertThat(r.out())
                    .as("%s --help", name)
                    .contains("Exit codes:")
                    .containsPattern("(?m)^\\s+0\\s+done")
                    .containsPattern("(?m)^\\s+2\\s+refused")
                    .containsPattern("(?m)^\\s+3\\s+the Kubernetes API server could not be reached")
                    .containsPattern("(?m)^\\s+70\\s+internal error");
        }
    }

    @Test
    void aRefusedPortIsWordsAndExitThreeInEveryCommand(@TempDir Path dir) throws IOException {
        int port;
        try (var s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path kubeconfig = TestKubeconfig.write(dir, "https://127.0.0.1:" + port);
        for (var command : apiCommands(dir)) {
            var args = new ArrayList<>(command);
            args.addAll(List.of("--kubeconfig", kubeconfig.toString()));
            var r = Cli.run(args);
            // doctor reports an unreachable API server as the problem it found
            assertThat(r.exit())
                    .as("%s: %s", command, r.all())
                    .isEqualTo(command.getFirst().equals("doctor") ? ExitCode.REFUSED : ExitCode.API);
            assertThat(r.all())
                    .as("%s", command)
                    .contains("connection refused")
                    .doesNotContain("Exception")
                    .doesNotContain("\tat ");
        }
    }

    @Test
    void aMissingKubeconfigOrContextIsTheSameRefusalInEveryCommand(@TempDir Path dir) throws IOException {
        Path kubeconfig = TestKubeconfig.write(dir, "https://127.0.0.1:1");
        for (var command : apiCommands(dir)) {
            var missing = new ArrayList<>(command);
            missing.addAll(List.of("--kubeconfig", dir.resolve("nope").toString()));
            var r = Cli.run(missing);
            assertThat(r.exit()).as("%s", command).isEqualTo(ExitCode.REFUSED);
            assertThat(r.err())
                    .as("%s", command)
                    .isEqualTo("nfsprov: cannot read kubeconfig " + dir.resolve("nope")
                            + ": no such file, or not readable" + System.lineSeparator());

            var context = new ArrayList<>(command);
            context.addAll(List.of("--kubeconfig", kubeconfig.toString(), "--context", "nope"));
            r = Cli.run(context);
            assertThat(r.exit()).as("%s", command).isEqualTo(ExitCode.REFUSED);
            assertThat(r.err())
                    .as("%s", command)
                    .isEqualTo("nfsprov: context nope is not in --kubeconfig " + kubeconfig + System.lineSeparator());
        }
    }

    @Test
    void everyOutputFlagTakesTextJsonAndYamlAndNothingElse() {
        for (String command : List.of("doctor", "rebind", "usage", "archives")) {
            var r = Cli.run(List.of(command, "-o", "xml"));
            assertThat(r.exit()).as(command).isEqualTo(ExitCode.REFUSED);
            assertThat(r.err()).as(command).contains("-o must be text, json or yaml, not \"xml\"");
            assertThat(Cli.run(List.of(command, "--help")).out()).contains("text (default), json or yaml");
        }
    }
}
