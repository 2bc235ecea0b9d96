package dev.nfsprov.protocol;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/** Kubernetes client errors in one line of words, without the client's long prefix and stack. */
public final class ApiErrors {
    private ApiErrors() {}

    /** The first Kubernetes API error in a cause chain, described; else the root cause, described. */
    public static String describeAny(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof KubernetesClientException k) return describe(k);
        }
        return words(root(t));
    }

    public static String describe(KubernetesClientException e) {
        if (e.getCode() == 401) return "the API server did not accept the credentials (HTTP 401 Unauthorized)";
        if (e.getStatus() != null && e.getStatus().getMessage() != null) {
            return e.getStatus().getMessage() + " (HTTP " + e.getCode() + ")";
        }
        Throwable root = root(e);
        return root == e ? String.valueOf(e.getMessage()) : words(root);
    }

    /** What went wrong below HTTP, said so that the reader knows what to check. */
    static String words(Throwable root) {
        String m = root.getMessage();
        return switch (root) {
            case UnresolvedAddressException u -> "the API server's host name cannot be resolved";
            case UnknownHostException u ->
                "the API server's host name cannot be resolved" + (m == null ? "" : " (" + m + ")");
            case ConnectException c -> "connection refused: is the API server up at that address?";
            case NoRouteToHostException n -> "no route to the API server's host";
            case SocketTimeoutException s -> "no answer from the API server in time";
            case TimeoutException s -> "no answer from the API server in time";
            case SSLException s -> "TLS handshake with the API server failed: " + m;
            default -> m == null ? root.getClass().getSimpleName() : m;
        };
    }

    private static Throwable root(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        return root;
    }
}
