package dev.nfsprov.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** API errors reach the user in words, with the configuration that was tried. */
class DoctorCommandTest {

    @Test
    void anUnresolvableApiServerIsSaidInWordsWithItsConfiguration(@TempDir Path dir) throws Exception {
        Path kubeconfig = TestKubeconfig.write(dir, "https://api.nfsprov-test.invalid:6443");
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
