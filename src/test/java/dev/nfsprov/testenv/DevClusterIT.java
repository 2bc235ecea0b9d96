package dev.nfsprov.testenv;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * scripts/dev-cluster as a person uses it: up prints KUBECONFIG, kubectl sees the built release, down leaves nothing.
 */
class DevClusterIT {

    @Test
    void upServesTheBuiltReleaseAndDownLeavesNoProcess() throws Exception {
        Path dir = Files.createTempDirectory(TestEnvironment.REPO.resolve("target"), "dev-cluster-");
        var env = Map.of("NFSPROV_DEV_DIR", dir.toString());
        String script = TestEnvironment.REPO.resolve("scripts/dev-cluster").toString();
        try {
            String out = Commands.runOrFail(env, List.of(script, "up"), "scripts/dev-cluster up failed");
            String last = out.strip().lines().reduce((a, b) -> b).orElseThrow();
            assertThat(last).isEqualTo("KUBECONFIG=" + dir.resolve("kubeconfig"));
            var kc = Map.of("KUBECONFIG", dir.resolve("kubeconfig").toString());
            String kubectl = TestEnvironment.tool("kubectl").toString();
            assertThat(Commands.runOrFail(kc, List.of(kubectl, "version"), "kubectl version")
                            .lines())
                    .contains("Server Version: v1.35.4");
            assertThat(Commands.runOrFail(kc, List.of(kubectl, "get", "--raw", "/readyz"), "readyz"))
                    .isEqualTo("ok");
            assertThat(Commands.run(env, List.of(script, "status")).exitCode()).isZero();
        } finally {
            Commands.runOrFail(env, List.of(script, "down"), "scripts/dev-cluster down failed");
        }
        assertThat(Commands.run(env, List.of(script, "status")).exitCode()).isEqualTo(3);
        var left = Commands.run(Map.of(), List.of("pgrep", "-f", dir.toString()));
        assertThat(left.stdout()).as("processes left behind").isEmpty();
    }
}
