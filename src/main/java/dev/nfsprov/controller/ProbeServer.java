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
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * /healthz, /readyz and /metrics on the JDK's built-in HTTP server: one port, no web framework. Each connection is
 * served on its own virtual thread, and a request must arrive within {@link #REQUEST_SECONDS}: without an executor the
 * server reads requests on its one dispatcher thread, so a client that sent half a request stalled every probe and
 * the kubelet restarted the controller in a loop.
 */
final class ProbeServer implements AutoCloseable {

    static final int REQUEST_SECONDS = 10;

    private final HttpServer server;

    private ProbeServer(HttpServer server) {
        this.server = server;
    }

    /** address is HOST:PORT or :PORT; port 0 picks a free one. */
    static ProbeServer start(String address, PrometheusRegistry registry, BooleanSupplier ready) throws IOException {
        return start(address, registry, ready, () -> null);
    }

    /** notes: a line /readyz adds after its verdict (something degraded, not unready), or null. */
    static ProbeServer start(String address, PrometheusRegistry registry, BooleanSupplier ready, Supplier<String> notes)
            throws IOException {
        // Read once, when the JDK's server classes load: set before the first server is made.
        System.setProperty("sun.net.httpserver.maxReqTime", String.valueOf(REQUEST_SECONDS));
        System.setProperty("sun.net.httpserver.maxRspTime", String.valueOf(REQUEST_SECONDS));
        var hp = HostPort.parse(address, "0.0.0.0", -1);
        HttpServer server = HttpServer.create(new InetSocketAddress(hp.host(), hp.port()), 64);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/healthz", ex -> respond(ex, 200, "text/plain", "ok\n"));
        server.createContext("/readyz", ex -> {
            boolean isReady = ready.getAsBoolean();
            String note = notes.get();
            respond(
                    ex,
                    isReady ? 200 : 503,
                    "text/plain",
                    (isReady ? "ok\n" : "not ready\n") + (note == null ? "" : "warning: " + note + "\n"));
        });
        var writer = new PrometheusTextFormatWriter(false);
        server.createContext("/metrics", ex -> {
            var out = new ByteArrayOutputStream();
            writer.write(out, registry.scrape());
            respond(ex, 200, writer.getContentType(), out.toString(StandardCharsets.UTF_8));
        });
        server.start();
        return new ProbeServer(server);
    }

    int port() {
        return server.getAddress().getPort();
    }

    private static void respond(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, bytes.length);
        try (var os = ex.getResponseBody()) {
            os.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
