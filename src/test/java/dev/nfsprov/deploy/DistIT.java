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
        Path home = unpacked.resolve("nfsprov-0.1.0");
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
                "");
        var version = Commands.run(env2, List.of(TestEnvironment.tool("kubectl").toString(), "nfsprov", "--version"));
        assertThat(version.stdout()).as(version.stderr()).contains("nfsprov 0.1.0");
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
                .contains("version: v0.1.0")
                .contains("bin: bin/kubectl-nfsprov")
                .doesNotContain("@");
    }
}
