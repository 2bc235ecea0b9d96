package dev.nfsprov.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** API errors reach the user in words, with the configuration that was tried. */
class DoctorCommandTest {

    @Test
    void anUnresolvableApiServerIsSaidInWordsWithItsConfiguration(@TempDir Path dir) throws Exception {
        Path kubeconfig = dir.resolve("kubeconfig");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters: [{name: c, cluster: {server: "https://api.nfsprov-test.invalid:6443"}}]
                users: [{name: u, user: {token: t}}]
                contexts: [{name: x, context: {cluster: c, user: u}}]
                current-context: x
                """);
        var cli = Main.commandLine();
        var out = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(out));
        int exit = cli.execute("doctor", "--only", "cluster", "--kubeconfig", kubeconfig.toString());
        assertThat(out.toString())
                .contains("✗ Kubernetes API: the API server's host name cannot be resolved")
                .contains("https://api.nfsprov-test.invalid:6443/, from --kubeconfig " + kubeconfig + ")")
                .doesNotContain("Exception");
        assertThat(exit).isEqualTo(2);
    }
}
