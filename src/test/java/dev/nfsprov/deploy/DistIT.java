package dev.nfsprov.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.testenv.Commands;
import dev.nfsprov.testenv.RealCluster;
import dev.nfsprov.testenv.TestEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The command line as an administrator gets it: the archive from scripts/build-dist, unpacked anywhere, run as a
 * kubectl plugin with no JDK named and no checkout, with bash completion and a krew manifest that matches it.
 */
@ExtendWith(RealCluster.class)
class DistIT {

    private static List<String> concat(List<String> a, List<String> b) {
        var all = new java.util.ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    @Test
    void theArchiveRunsAsAKubectlPluginWithItsOwnRuntime(TestEnvironment env) throws Exception {
        String archive = Commands.runOrFail(
                        Map.of(),
                        List.of(TestEnvironment.REPO
                                .resolve("scripts/build-dist")
                                .toString()),
                        "scripts/build-dist failed")
                .strip()
                .lines()
                .reduce((a, b) -> b)
                .orElseThrow();
        Path tar = TestEnvironment.REPO.resolve(archive);
        Path unpacked = Files.createTempDirectory("nfsprov-dist");
        Commands.runOrFail(
                Map.of(), List.of("tar", "-C", unpacked.toString(), "-xzf", tar.toString()), "tar -x failed");
        Path home = unpacked.resolve("nfsprov-" + TestEnvironment.VERSION);
        assertThat(home.resolve("runtime/bin/java")).isExecutable();

        // kubectl finds kubectl-nfsprov on the PATH; no JAVA_HOME, no repository on the way
        var env2 = Map.of(
                "PATH",
                home.resolve("bin") + ":" + TestEnvironment.tool("kubectl").getParent() + ":/usr/bin:/bin",
                "KUBECONFIG",
                env.kubeconfig.toString(),
                "HOME",
                unpacked.toString(),
                "JAVA_HOME",
                "",
                // the archive's class-data archive must be usable where the tar put it (else a silent slow start)
                "NFSPROV_JAVA_OPTS",
                "-Xshare:on");
        var version = Commands.run(env2, List.of(TestEnvironment.tool("kubectl").toString(), "nfsprov", "--version"));
        assertThat(version.stdout()).as(version.stderr()).contains("nfsprov " + TestEnvironment.VERSION);
        // The plugin and the standalone command are one program: the same answers, the same exit codes.
        for (List<String> args :
                List.of(List.of("--version"), List.of("--help"), List.of("doctor", "-n", "no-such-ns"))) {
            var plugin = Commands.run(
                    env2, concat(List.of(TestEnvironment.tool("kubectl").toString(), "nfsprov"), args));
            var standalone = Commands.run(
                    env2, concat(List.of(home.resolve("bin/nfsprov").toString()), args));
            assertThat(plugin.exitCode()).as(String.join(" ", args)).isEqualTo(standalone.exitCode());
            assertThat(plugin.stdout()).as(String.join(" ", args)).isEqualTo(standalone.stdout());
            assertThat(plugin.stderr()).as(String.join(" ", args)).isEqualTo(standalone.stderr());
        }
        var doctor = Commands.run(
                env2, List.of(TestEnvironment.tool("kubectl").toString(), "nfsprov", "doctor", "--only", "cluster"));
        assertThat(doctor.stdout()).as(doctor.stderr()).contains("Kubernetes API");

        var completion = Commands.run(
                env2,
                List.of(
                        "bash",
                        "-c",
                        "source " + home.resolve("share/bash-completion/completions/nfsprov")
                                + " && complete -p nfsprov"));
        assertThat(completion.stdout()).as(completion.stderr()).contains("nfsprov");

        String manifest = Files.readString(tar.resolveSibling("nfsprov.krew.yaml"));
        String sha =
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(tar)));
        assertThat(manifest)
                .contains("sha256: " + sha)
                .contains("version: v" + TestEnvironment.VERSION)
                .contains("bin: bin/kubectl-nfsprov")
                .doesNotContain("@");
    }
}
