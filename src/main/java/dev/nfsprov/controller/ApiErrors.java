package dev.nfsprov.controller;

import io.fabric8.kubernetes.client.KubernetesClientException;

/** Kubernetes client errors in one line, without the client's long prefix and stack. */
public final class ApiErrors {
    private ApiErrors() {}

    /** The first Kubernetes API error in a cause chain, described; else the root cause's message. */
    public static String describeAny(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof KubernetesClientException k) return describe(k);
        }
        Throwable root = t;
        while (root.getCause() != null) root = root.getCause();
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    static String describe(KubernetesClientException e) {
        if (e.getStatus() != null && e.getStatus().getMessage() != null) {
            return e.getStatus().getMessage() + " (HTTP " + e.getCode() + ")";
        }
        Throwable root = e;
        while (root.getCause() != null) root = root.getCause();
        return root == e ? String.valueOf(e.getMessage()) : root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}
