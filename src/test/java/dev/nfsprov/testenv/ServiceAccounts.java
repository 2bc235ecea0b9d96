package dev.nfsprov.testenv;

import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A kubeconfig that authenticates as a ServiceAccount, so a test runs with exactly that account's RBAC. */
public final class ServiceAccounts {
    private ServiceAccounts() {}

    public static Path kubeconfig(TestEnvironment env, String namespace, String serviceAccount) throws IOException {
        var token = env.client
                .serviceAccounts()
                .inNamespace(namespace)
                .withName(serviceAccount)
                .tokenRequest(new TokenRequestBuilder()
                        .withNewSpec()
                        .withExpirationSeconds(7200L)
                        .endSpec()
                        .build())
                .getStatus()
                .getToken();
        Path kubeconfig = env.stateDir.resolve("sa-" + namespace + "-" + serviceAccount + ".kubeconfig");
        String admin = Files.readString(env.kubeconfig);
        String server = value(admin, "server:");
        String ca = value(admin, "certificate-authority:");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters: [{name: dev, cluster: {server: %s, certificate-authority: %s}}]
                users: [{name: sa, user: {token: %s}}]
                contexts: [{name: dev, context: {cluster: dev, user: sa, namespace: %s}}]
                current-context: dev
                """.formatted(server, ca, token, namespace));
        return kubeconfig;
    }

    private static String value(String kubeconfig, String key) {
        return kubeconfig
                .lines()
                .map(String::strip)
                .filter(l -> l.startsWith(key))
                .findFirst()
                .orElseThrow()
                .substring(key.length())
                .strip();
    }
}
