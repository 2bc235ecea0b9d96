package dev.nfsprov.controller;

import io.fabric8.kubernetes.client.KubernetesClientException;

/** Kubernetes client errors in one line, without the client's long prefix and stack. */
final class ApiErrors {
    private ApiErrors() {}

    static String describe(KubernetesClientException e) {
        if (e.getStatus() != null && e.getStatus().getMessage() != null) {
            return e.getStatus().getMessage() + " (HTTP " + e.getCode() + ")";
        }
        Throwable root = e;
        while (root.getCause() != null) root = root.getCause();
        return root == e ? String.valueOf(e.getMessage()) : root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}
