package dev.nfsprov.net;

/** HOST, HOST:PORT, :PORT or [IPv6]:PORT: the one parser for every address flag (--metrics-address, --nfs-server). */
public record HostPort(String host, int port) {

    /**
     * Parses text; a missing host is defaultHost, a missing port defaultPort (-1: the port is required).
     * Throws IllegalArgumentException saying what is wrong.
     */
    public static HostPort parse(String text, String defaultHost, int defaultPort) {
        String t = text.strip();
        String host;
        String port = null;
        if (t.startsWith("[")) {
            int end = t.indexOf(']');
            if (end < 0) throw new IllegalArgumentException("\"" + text + "\" has an unclosed [");
            host = t.substring(1, end);
            String rest = t.substring(end + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) throw new IllegalArgumentException("\"" + text + "\" is not [IPv6]:PORT");
                port = rest.substring(1);
            }
        } else {
            int colon = t.lastIndexOf(':');
            if (colon >= 0 && t.indexOf(':') != colon)
                throw new IllegalArgumentException("\"" + text + "\": write an IPv6 address as [ADDRESS]:PORT");
            host = colon < 0 ? t : t.substring(0, colon);
            if (colon >= 0) port = t.substring(colon + 1);
        }
        if (host.isEmpty()) host = defaultHost;
        if (host == null) throw new IllegalArgumentException("\"" + text + "\" has no host");
        int p;
        if (port == null) {
            if (defaultPort < 0) throw new IllegalArgumentException("\"" + text + "\" has no :PORT");
            p = defaultPort;
        } else {
            if (!port.matches("[0-9]{1,5}") || Integer.parseInt(port) > 65535) {
                throw new IllegalArgumentException("\"" + text + "\" has no valid port (0-65535)");
            }
            p = Integer.parseInt(port);
        }
        return new HostPort(host, p);
    }
}
