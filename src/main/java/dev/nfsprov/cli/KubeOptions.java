package dev.nfsprov.cli;

import dev.nfsprov.net.GzipResponses;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import picocli.CommandLine.Option;

/**
 * Where the cluster is, as kubectl finds it: --kubeconfig, else every file KUBECONFIG lists (merged), else
 * ~/.kube/config, else the Pod's ServiceAccount; --context picks a context. One place, so that every command
 * says the same words when there is nothing to find.
 */
public final class KubeOptions {

    static final String NOTHING_CONFIGURED = "no cluster to talk to: give --kubeconfig FILE, set KUBECONFIG or write"
            + " ~/.kube/config (in a Pod, its ServiceAccount is used)";

    @Option(
            names = "--kubeconfig",
            paramLabel = "FILE",
            description = "kubeconfig file (default: the files KUBECONFIG lists, then ~/.kube/config, then the Pod's"
                    + " ServiceAccount)")
    Path kubeconfig;

    @Option(names = "--context", paramLabel = "NAME", description = "kubeconfig context (default: the current one)")
    String context;

    private Config config;

    /** interactive: a command a person waits for (doctor, rebind), which should fail fast rather than retry. */
    KubernetesClient client(boolean interactive) {
        Config c = config();
        // A person waits at the terminal: say what is wrong at once rather than after ten retries with backoff.
        if (interactive) c.setRequestRetryBackoffLimit(1);
        return new KubernetesClientBuilder()
                .withConfig(c)
                .withHttpClientBuilderConsumer(
                        http -> http.addOrReplaceInterceptor(GzipResponses.NAME, new GzipResponses()))
                .build();
    }

    /** The namespace the chosen context names, or null when it names none (then commands ask for -n or -A). */
    String contextNamespace() {
        var current = config().getCurrentContext();
        if (current == null || current.getContext() == null) return null;
        String ns = current.getContext().getNamespace();
        return ns == null || ns.isBlank() ? null : ns;
    }

    /** Where the configuration came from, for messages: which one was tried matters more than a stack. */
    String source() {
        String where;
        if (kubeconfig != null) where = "--kubeconfig " + kubeconfig;
        else if (env() != null) where = "KUBECONFIG=" + env();
        else if (Files.exists(homeConfig())) where = "~/.kube/config";
        else where = "the Pod's ServiceAccount";
        return context == null ? where : where + ", context " + context;
    }

    private Config config() {
        if (config != null) return config;
        if (kubeconfig != null) {
            if (!Files.isReadable(kubeconfig))
                throw new UserError("cannot read kubeconfig " + kubeconfig + ": no such file, or not readable");
        } else if (env() != null) {
            boolean any = Arrays.stream(env().split(File.pathSeparator))
                    .anyMatch(f -> !f.isBlank() && Files.isReadable(Path.of(f)));
            if (!any) throw new UserError("cannot read kubeconfig: KUBECONFIG=" + env() + " names no readable file");
        } else if (!Files.exists(homeConfig()) && System.getenv("KUBERNETES_SERVICE_HOST") == null) {
            throw new UserError(NOTHING_CONFIGURED);
        }
        Config c;
        try {
            c = kubeconfig == null
                    ? Config.autoConfigure(context)
                    : Config.fromKubeconfig(context, kubeconfig.toAbsolutePath().toFile());
        } catch (RuntimeException e) {
            throw new UserError("cannot use " + source() + ": " + dev.nfsprov.protocol.ApiErrors.describeAny(e));
        }
        if (context != null
                && (c.getCurrentContext() == null
                        || !context.equals(c.getCurrentContext().getName())))
            throw new UserError("context " + context + " is not in " + source().replace(", context " + context, ""));
        return config = c;
    }

    /** kubectl's rule: a namespace that does not exist is an error, not an empty (green) result. */
    static void requireNamespace(KubernetesClient client, String namespace) {
        if (namespace == null) return;
        try {
            if (client.namespaces().withName(namespace).get() == null)
                throw new UserError("namespace " + namespace + " does not exist");
        } catch (KubernetesClientException e) {
            // Allowed to read claims there but not Namespaces: nothing to tell, let the command go on.
            if (e.getCode() != 403) throw e;
        }
    }

    private static String env() {
        String e = System.getenv("KUBECONFIG");
        return e == null || e.isBlank() ? null : e;
    }

    private static Path homeConfig() {
        return Path.of(System.getProperty("user.home"), ".kube", "config");
    }
}
