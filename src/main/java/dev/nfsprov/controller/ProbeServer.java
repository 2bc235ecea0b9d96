package dev.nfsprov.controller;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.nfsprov.net.HostPort;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * /healthz, /readyz and /metrics on the JDK's built-in HTTP server, no web framework. Whoever can reach the port
 * is not trusted (the endpoints are unauthenticated, as in every sig-storage provisioner), so each bound is a
 * defence: a request must arrive within {@link #REQUEST_SECONDS} on a virtual thread of its own (on the one
 * dispatcher thread, half a request stalled every probe); at most {@link #MAX_CONNECTIONS} connections per port;
 * one rendering of the metrics body at a time, its bytes sent to every scraper waiting for it (each connection held
 * its own copy until its client read it: 600 clients that never read ended the controller);
 * at most {@link #MAX_SCRAPES} scrapes at once, 503 beyond. The kubelet's probes can have a port of their own, so
 * that nothing done to the metrics port fails them.
 */
final class ProbeServer implements AutoCloseable {

    static final int REQUEST_SECONDS = 10;
    static final int MAX_CONNECTIONS = 128;
    static final int MAX_SCRAPES = 4;

    private final List<HttpServer> servers;

    private ProbeServer(List<HttpServer> servers) {
        this.servers = servers;
    }

    /** address is HOST:PORT or :PORT; port 0 picks a free one. */
    static ProbeServer start(String address, PrometheusRegistry registry, BooleanSupplier ready) throws IOException {
        return start(address, null, registry, ready, () -> null);
    }

    /**
     * metricsAddress serves all three; probeAddress, when given, /healthz and /readyz again on a port of their own.
     * notes: a line /readyz adds after its verdict (something degraded, not unready), or null.
     */
    static ProbeServer start(
            String metricsAddress,
            String probeAddress,
            PrometheusRegistry registry,
            BooleanSupplier ready,
            Supplier<String> notes)
            throws IOException {
        // Read once, when the JDK's server classes load: set before the first server is made.
        System.setProperty("sun.net.httpserver.maxReqTime", String.valueOf(REQUEST_SECONDS));
        System.setProperty("sun.net.httpserver.maxRspTime", String.valueOf(REQUEST_SECONDS));
        System.setProperty("jdk.httpserver.maxConnections", String.valueOf(MAX_CONNECTIONS));
        // an idle kept-alive connection holds one of them: closed after as long as a request may take
        System.setProperty("sun.net.httpserver.idleInterval", String.valueOf(REQUEST_SECONDS));
        var servers = new ArrayList<HttpServer>();
        try {
            HttpServer metrics = server(metricsAddress, ready, notes);
            var body = new RenderedMetrics(registry);
            var scrapes = new Semaphore(MAX_SCRAPES);
            metrics.createContext("/metrics", ex -> {
                if (!scrapes.tryAcquire()) {
                    ex.getResponseHeaders().set("Connection", "close"); // nor keep the connection
                    respond(ex, 503, "text/plain", "too many scrapes at once\n".getBytes(StandardCharsets.UTF_8));
                    return;
                }
                try {
                    respond(ex, 200, body.contentType(), body.bytes());
                } finally {
                    scrapes.release();
                }
            });
            servers.add(metrics);
            if (probeAddress != null) servers.add(server(probeAddress, ready, notes));
        } catch (IOException | RuntimeException e) {
            servers.forEach(s -> s.stop(0));
            throw e;
        }
        servers.forEach(HttpServer::start);
        return new ProbeServer(List.copyOf(servers));
    }

    private static HttpServer server(String address, BooleanSupplier ready, Supplier<String> notes) throws IOException {
        var hp = HostPort.parse(address, "0.0.0.0", -1);
        HttpServer server = HttpServer.create(new InetSocketAddress(hp.host(), hp.port()), 64);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        byte[] ok = "ok\n".getBytes(StandardCharsets.UTF_8);
        server.createContext("/healthz", ex -> respond(ex, 200, "text/plain", ok));
        server.createContext("/readyz", ex -> {
            boolean isReady = ready.getAsBoolean();
            String note = notes.get();
            String text = (isReady ? "ok\n" : "not ready\n") + (note == null ? "" : "warning: " + note + "\n");
            respond(ex, isReady ? 200 : 503, "text/plain", text.getBytes(StandardCharsets.UTF_8));
        });
        return server;
    }

    /**
     * The metrics body, one rendering at a time, shared: a scrape is answered with the first rendering that began
     * after it arrived, so it is never stale, and scrapes that arrive together wait for one rendering and send the
     * same array. A client cannot make the controller render more than one body at once, nor hold a copy of its own.
     */
    private static final class RenderedMetrics {
        private final PrometheusRegistry registry;
        private final PrometheusTextFormatWriter writer = new PrometheusTextFormatWriter(false);
        private byte[] bytes;
        private long startedAt;
        private boolean rendering;

        RenderedMetrics(PrometheusRegistry registry) {
            this.registry = registry;
        }

        byte[] bytes() throws IOException {
            long arrived = System.nanoTime();
            synchronized (this) {
                while (true) {
                    if (bytes != null && startedAt - arrived >= 0) return bytes; // began after this scrape came
                    if (!rendering) break;
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException("interrupted while waiting for the metrics");
                    }
                }
                rendering = true;
            }
            long started = System.nanoTime();
            byte[] rendered = null;
            try {
                var out = new ByteArrayOutputStream();
                writer.write(out, registry.scrape());
                rendered = out.toByteArray();
                return rendered;
            } finally {
                synchronized (this) {
                    if (rendered != null) {
                        bytes = rendered;
                        startedAt = started;
                    }
                    rendering = false;
                    notifyAll();
                }
            }
        }

        String contentType() {
            return writer.getContentType();
        }
    }

    /** The metrics port (the first server). */
    int port() {
        return servers.getFirst().getAddress().getPort();
    }

    /** The probes' own port, or the metrics port when they have none. */
    int probePort() {
        return servers.getLast().getAddress().getPort();
    }

    private static void respond(HttpExchange ex, int status, String type, byte[] bytes) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, bytes.length);
        try (var os = ex.getResponseBody()) {
            os.write(bytes);
        }
    }

    @Override
    public void close() {
        servers.forEach(s -> s.stop(0));
    }
}
