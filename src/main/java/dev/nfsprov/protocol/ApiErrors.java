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
        return words(t);
    }

    public static String describe(KubernetesClientException e) {
        if (e.getCode() == 401) return "the API server did not accept the credentials (HTTP 401 Unauthorized)";
        if (e.getStatus() != null && e.getStatus().getMessage() != null) {
            return e.getStatus().getMessage() + " (HTTP " + e.getCode() + ")";
        }
        Throwable root = root(e);
        return root == e ? String.valueOf(e.getMessage()) : words(e.getCause());
    }

    /**
     * What went wrong below HTTP, said so that the reader knows what to check: the first cause of a kind we know
     * (a refused connection arrives as a ConnectException around a ClosedChannelException), else the deepest message.
     */
    static String words(Throwable t) {
        // the deepest cause we know says most (a refused or unresolvable address under a ConnectException)
        String found = null;
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            String known = known(c);
            if (known != null) found = known;
        }
        if (found != null) return found;
        String deepest = root(t).getMessage();
        if (deepest != null && !deepest.isBlank()) return deepest;
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c.getMessage() != null && !c.getMessage().isBlank()) return c.getMessage();
        }
        return "no details were given";
    }

    private static String known(Throwable root) {
        String m = root.getMessage();
        return switch (root) {
            case UnresolvedAddressException u -> "the API server's host name cannot be resolved";
            case UnknownHostException u ->
                "the API server's host name cannot be resolved" + (m == null ? "" : " (" + m + ")");
            case ConnectException c -> "connection refused: is the API server up at that address?";
            // what a refused connection leaves under the ConnectException in the JDK's HTTP client
            case java.nio.channels.ClosedChannelException c ->
                "connection refused or closed: is the API server up at that address?";
            case NoRouteToHostException n -> "no route to the API server's host";
            case SocketTimeoutException s -> "no answer from the API server in time";
            case TimeoutException s -> "no answer from the API server in time";
            case SSLException s -> "TLS handshake with the API server failed: " + m;
            default -> null;
        };
    }

    private static Throwable root(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        return root;
    }
}
