package dev.nfsprov.controller;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.nfsprov.net.HostPort;
import io.javaoperatorsdk.operator.Operator;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/** /healthz, /readyz and /metrics on the JDK's built-in HTTP server: one port, no web framework. */
final class ProbeServer implements AutoCloseable {

    private final HttpServer server;

    private ProbeServer(HttpServer server) {
        this.server = server;
    }

    /** address is HOST:PORT or :PORT; port 0 picks a free one. */
    static ProbeServer start(String address, PrometheusRegistry registry, Operator operator) throws IOException {
        var hp = HostPort.parse(address, "0.0.0.0", -1);
        HttpServer server = HttpServer.create(new InetSocketAddress(hp.host(), hp.port()), 16);
        server.createContext("/healthz", ex -> respond(ex, 200, "text/plain", "ok\n"));
        server.createContext("/readyz", ex -> {
            var info = operator.getRuntimeInfo();
            boolean ready = info.isStarted() && info.allEventSourcesAreHealthy();
            respond(ex, ready ? 200 : 503, "text/plain", ready ? "ok\n" : "not ready\n");
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
