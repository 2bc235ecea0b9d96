package dev.nfsprov.deploy;

import dev.nfsprov.testenv.Commands;
import dev.nfsprov.testenv.TestEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** helm and kubectl, as built by scripts/build-testenv, run on the chart in deploy/helm/nfsprov. */
final class Chart {
    static final Path CHART = TestEnvironment.REPO.resolve("deploy/helm/nfsprov");
    /** The Kubeflow guide's values, in Helm 3 syntax. */
    static final List<String> GUIDE_VALUES = List.of(
            "--set",
            "nfs.server=10.0.0.2",
            "--set",
            "nfs.path=/exported/path",
            "--set",
            "storageClass.name=nfs",
            "--set",
            "storageClass.defaultClass=true");

    private Chart() {}

    static String helm(String... args) {
        var cmd = new ArrayList<String>();
        cmd.add(TestEnvironment.tool("helm").toString());
        cmd.addAll(List.of(args));
        return Commands.runOrFail(
                Map.of("HOME", TestEnvironment.REPO.resolve("target").toString()), cmd, "helm failed");
    }

    static String template(String release, String namespace, List<String> values) {
        // No --kube-version: helm built as its release is (scripts/build-testenv) assumes the Kubernetes its client
        // library is for, which the chart's kubeVersion accepts, as a user's official helm does.
        var args = new ArrayList<>(List.of("template", release, CHART.toString(), "--namespace", namespace));
        args.addAll(values);
        return helm(args.toArray(String[]::new));
    }

    /** helm template with these --set values, for values the chart must refuse: its exit code and messages. */
    static Commands.Result templateRefused(String... sets) {
        var cmd = new ArrayList<>(List.of(TestEnvironment.tool("helm").toString(), "template", "x", CHART.toString()));
        for (String s : sets) cmd.addAll(List.of("--set", s));
        return Commands.run(Map.of(), cmd);
    }

    static Commands.Result kubectl(TestEnvironment env, String stdin, String... args) {
        try {
            Path input = Files.createTempFile("nfsprov-manifest", ".yaml");
            Files.writeString(input, stdin == null ? "" : stdin);
            var cmd = new ArrayList<String>();
            cmd.add(TestEnvironment.tool("kubectl").toString());
            cmd.addAll(List.of(args));
            for (int i = 0; i < cmd.size(); i++) if (cmd.get(i).equals("-")) cmd.set(i, input.toString());
            var r = Commands.run(Map.of("KUBECONFIG", env.kubeconfig.toString()), cmd);
            Files.delete(input);
            return r;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
