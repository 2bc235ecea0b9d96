package dev.nfsprov.node;

import dev.nfsprov.testenv.Commands;
import dev.nfsprov.testenv.NodeEnvironment;
import dev.nfsprov.testenv.TestEnvironment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** helm (built by scripts/build-testenv) against the node cluster: the chart in the node's registry or deploy/helm/nfsprov. */
final class Helm {
    static final Path CHART = TestEnvironment.REPO.resolve("deploy/helm/nfsprov");

    private Helm() {}

    static String run(NodeEnvironment node, List<String> args) {
        var r = result(node, args);
        if (r.exitCode() != 0)
            throw new IllegalStateException("helm " + String.join(" ", args) + " failed (exit " + r.exitCode() + ")\n"
                    + r.stdout() + r.stderr());
        return r.stdout();
    }

    static Commands.Result result(NodeEnvironment node, List<String> args) {
        var cmd = new ArrayList<String>();
        cmd.add(TestEnvironment.tool("helm").toString());
        cmd.addAll(args);
        return Commands.run(
                Map.of(
                        "KUBECONFIG",
                        node.kubeconfig.toString(),
                        "HOME",
                        TestEnvironment.REPO.resolve("target").toString(),
                        // the node registry's CA, trusted as a user's system trusts a public registry's
                        "SSL_CERT_FILE",
                        node.registryCa.toString()),
                cmd);
    }
}
