package dev.nfsprov.bench;

import dev.nfsprov.testenv.Commands;
import dev.nfsprov.testenv.TestEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * kube-controller-manager's writes to the API server so far, from its own metrics. Its client's rate limit
 * (--kube-api-qps) is what bounds a burst, so what a binding costs it in writes says how fast any side can be.
 */
final class ControllerManagerWrites {
    private ControllerManagerWrites() {}

    private static final Pattern REQUESTS =
            Pattern.compile("^rest_client_requests_total\\{(.*)\\} (\\S+)$", Pattern.MULTILINE);

    static long count(TestEnvironment env) throws IOException {
        Path cluster = env.stateDir.resolve("cluster");
        String port =
                Files.readString(cluster.resolve("controller-manager.port")).trim();
        String metrics = Commands.runOrFail(
                Map.of(),
                List.of(
                        "curl",
                        "-sfk",
                        "--cert",
                        cluster.resolve("pki/admin.crt").toString(),
                        "--key",
                        cluster.resolve("pki/admin.key").toString(),
                        "https://127.0.0.1:" + port + "/metrics"),
                "cannot read kube-controller-manager's metrics (curl is installed by scripts/ensure-packages)");
        return writes(metrics);
    }

    /** Every request but reads (GET, which watches are too), whatever its answer: each took a token of the limit. */
    static long writes(String metrics) {
        long sum = 0;
        var m = REQUESTS.matcher(metrics);
        while (m.find()) if (!m.group(1).contains("method=\"GET\"")) sum += (long) Double.parseDouble(m.group(2));
        return sum;
    }
}
