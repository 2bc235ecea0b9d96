package dev.nfsprov.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import picocli.CommandLine.Option;

/** -n and -A as kubectl has them: without either, the context's namespace if it names one. */
final class NamespaceOptions {

    @Option(
            names = {"-n", "--namespace"},
            paramLabel = "NAMESPACE",
            description = "only this namespace (default: the kubeconfig context's namespace, if it names one)")
    String namespace;

    @Option(
            names = {"-A", "--all-namespaces"},
            description = "every namespace")
    boolean all;

    /**
     * The namespace to work in, or null for every namespace; a namespace that does not exist is refused.
     * allByDefault: without -n, -A or a context namespace, every namespace (doctor, usage) rather than a refusal.
     */
    String resolve(KubeOptions kube, KubernetesClient client, boolean allByDefault) {
        if (namespace != null && all) throw new UserError("-n and -A cannot be used together");
        if (all) return null;
        String ns = namespace != null ? namespace : kube.contextNamespace();
        if (ns == null) {
            if (allByDefault) return null;
            throw new UserError("say which namespace: -n NAMESPACE or -A (the kubeconfig context names none)");
        }
        KubeOptions.requireNamespace(client, ns);
        return ns;
    }
}
