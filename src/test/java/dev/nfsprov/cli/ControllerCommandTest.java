package dev.nfsprov.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ControllerCommandTest {

    @TempDir
    Path share;

    private record Run(int exit, String err) {}

    private Run run(String... args) {
        var cli = Main.commandLine();
        var err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute(args);
        return new Run(exit, err.toString());
    }

    private String[] with(String... extra) {
        String[] base = {
            "controller",
            "--provisioner-name",
            "cluster.local/nfs",
            "--nfs-server",
            "10.0.0.5",
            "--nfs-path",
            "/exports",
            "--mount-path",
            share.toString(),
            "--kubeconfig",
            share.resolve("none").toString()
        };
        String[] all = new String[base.length + extra.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return all;
    }

    @Test
    void missingSettingsAreOneLineWithWhatToSet() {
        var r = run("controller", "--nfs-server", "x", "--nfs-path", "/e", "--provisioner-name", "");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip())
                .isEqualTo(
                        "nfsprov: PROVISIONER_NAME (or --provisioner-name) is required, e.g. cluster.local/nfs-client");
    }

    @Test
    void badValuesAreExplainedWithoutAStackTrace() {
        assertThat(run(with("--default-mode", "999")).err()).contains("mode \"999\" is not an octal file mode");
        assertThat(run(with("--leader-election", "maybe")).err()).contains("must be true or false");
        assertThat(run(
                                "controller",
                                "--provisioner-name",
                                "a/b",
                                "--nfs-server",
                                "x",
                                "--nfs-path",
                                "/e",
                                "--mount-path",
                                share.resolve("absent").toString())
                        .err())
                .contains("is not a directory");
        assertThat(run(with("--metrics-address", "localhost")).err()).contains("--metrics-address must be HOST:PORT");
        var r = run(
                "controller",
                "--provisioner-name",
                "a/b",
                "--nfs-server",
                "x",
                "--nfs-path",
                "relative",
                "--mount-path",
                share.toString());
        assertThat(r.err()).contains("must be absolute").doesNotContain("\tat ");
        assertThat(r.exit()).isEqualTo(2);
    }

    @Test
    void unreadableKubeconfigIsAUserError() {
        var r = run(with());
        assertThat(r.err()).contains("cannot read kubeconfig");
        assertThat(r.exit()).isEqualTo(2);
    }
}
