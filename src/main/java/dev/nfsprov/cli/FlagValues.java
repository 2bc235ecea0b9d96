package dev.nfsprov.cli;

import dev.nfsprov.net.GzipResponses;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A client from --kubeconfig, else the usual places (KUBECONFIG, ~/.kube/config, in-cluster). */
final class KubeClients {
    private KubeClients() {}

    /** interactive: a command a person waits for (doctor, rebind), which should fail fast rather than retry. */
    static KubernetesClient create(Path kubeconfig, boolean interactive) {
        Config config;
        if (kubeconfig == null) {
            config = Config.autoConfigure(null);
        } else {
            try {
                config = Config.fromKubeconfig(
                        null,
                        Files.readString(kubeconfig),
                        kubeconfig.toAbsolutePath().toString());
            } catch (IOException e) {
                throw new UserError("cannot read kubeconfig " + kubeconfig + ": " + e.getMessage());
            }
        }
        // A person waits at the terminal: say what is wrong at once rather than after ten retries with backoff.
        if (interactive) config.setRequestRetryBackoffLimit(1);
        return new KubernetesClientBuilder()
                .withConfig(config)
                .withHttpClientBuilderConsumer(
                        http -> http.addOrReplaceInterceptor(GzipResponses.NAME, new GzipResponses()))
                .build();
    }

    /** Where the configuration came from, for error messages: which one was tried matters more than the stack. */
    static String source(Path kubeconfig) {
        if (kubeconfig != null) {
            String env = System.getenv("KUBECONFIG");
            return (kubeconfig.toString().equals(env) ? "KUBECONFIG=" : "--kubeconfig ") + kubeconfig;
        }
        if (Files.exists(Path.of(System.getProperty("user.home"), ".kube", "config"))) return "~/.kube/config";
        if (System.getenv("KUBERNETES_SERVICE_HOST") != null) return "in-cluster configuration";
        return "no configuration: no --kubeconfig, no KUBECONFIG, no ~/.kube/config, not in a Pod";
    }

    /** An address flag (HOST:PORT, :PORT, [IPv6]:PORT), or a user error naming the flag and the form it takes. */
    static dev.nfsprov.net.HostPort address(
            String flag, String form, String text, String defaultHost, int defaultPort) {
        try {
            return dev.nfsprov.net.HostPort.parse(text, defaultHost, defaultPort);
        } catch (IllegalArgumentException e) {
            throw new UserError(flag + " must be " + form + ": " + e.getMessage());
        }
    }

    /** "90s", "5m", "1h" or ISO-8601 "PT5M". */
    static java.time.Duration duration(String text, String flag) {
        String t = text.strip().toLowerCase();
        try {
            if (t.matches("\\d+(ms|s|m|h)")) {
                long n = Long.parseLong(t.replaceAll("[a-z]", ""));
                return switch (t.replaceAll("\\d", "")) {
                    case "ms" -> java.time.Duration.ofMillis(n);
                    case "s" -> java.time.Duration.ofSeconds(n);
                    case "m" -> java.time.Duration.ofMinutes(n);
                    default -> java.time.Duration.ofHours(n);
                };
            }
            return java.time.Duration.parse(text.strip().toUpperCase());
        } catch (RuntimeException e) {
            throw new UserError(flag + " \"" + text + "\" is not a duration such as 90s, 5m or 1h");
        }
    }
}
