package dev.nfsprov.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The kubelet's probes answer whatever other clients of the port do. */
class ProbeServerTest {

    @Test
    void clientsThatSendHalfARequestDoNotStallTheProbes() throws Exception {
        try (var probes = ProbeServer.start("127.0.0.1:0", new PrometheusRegistry(), () -> true)) {
            List<Socket> slow = new ArrayList<>();
            try {
                for (int i = 0; i < 20; i++) {
                    var s = new Socket("127.0.0.1", probes.port());
                    OutputStream out = s.getOutputStream();
                    out.write("GET /heal".getBytes(StandardCharsets.US_ASCII)); // ...and nothing more
                    out.flush();
                    slow.add(s);
                }
                var http = HttpClient.newBuilder()
                        .connectTimeout(Duration.ofSeconds(2))
                        .build();
                for (String path : List.of("/healthz", "/readyz", "/metrics")) {
                    var response = http.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + probes.port() + path))
                                    .timeout(Duration.ofSeconds(2))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertThat(response.statusCode()).as(path).isEqualTo(200);
                }
            } finally {
                for (var s : slow) s.close();
            }
        }
    }

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(2))
                .build()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                                .timeout(Duration.ofSeconds(2))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Issue 30: 600 clients that ask for /metrics and never read its body (444 KB with 301 volumes), each holding its
     * own copy until its 10 s were up, ended the controller. Now at most MAX_SCRAPES are served at once from one
     * shared rendering, the rest get 503, the probes have a port of their own, and scrapes work again once the
     * stalled clients' time is up.
     */
    @Test
    void clientsThatNeverReadTheMetricsStallNeitherTheProbesNorLaterScrapes() throws Exception {
        var registry = new PrometheusRegistry();
        var gauge = io.prometheus.metrics.core.metrics.Gauge.builder()
                .name("nfsprov_test_volume_used_bytes")
                .labelNames("namespace", "persistentvolumeclaim", "persistentvolume")
                .register(registry);
        for (int i = 0; i < 3000; i++)
            gauge.labelValues("namespace-" + i, "claim-with-a-long-name-" + i, "pvc-" + java.util.UUID.randomUUID())
                    .set(i);
        try (var server = ProbeServer.start("127.0.0.1:0", "127.0.0.1:0", registry, () -> true, () -> null)) {
            int body = get(server.port(), "/metrics").body().length();
            assertThat(body).as("a body larger than the sockets' buffers").isGreaterThan(300_000);
            List<Socket> stalled = new ArrayList<>();
            int statuses503 = 0;
            try {
                for (int i = 0; i < 600; i++) {
                    var s = new Socket();
                    s.setReceiveBufferSize(1024);
                    try {
                        s.connect(new java.net.InetSocketAddress("127.0.0.1", server.port()), 2000);
                        s.getOutputStream()
                                .write("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    } catch (java.io.IOException refused) {
                        // beyond MAX_CONNECTIONS the server closes new connections: fine
                    }
                    stalled.add(s);
                }
                for (String path : List.of("/healthz", "/readyz"))
                    assertThat(get(server.probePort(), path).statusCode())
                            .as(path)
                            .isEqualTo(200);
                // the stalled scrapes' time runs out (REQUEST_SECONDS); then a scrape is served again
                long deadline = System.nanoTime()
                        + Duration.ofSeconds(3L * ProbeServer.REQUEST_SECONDS).toNanos();
                int status = 0;
                while (System.nanoTime() < deadline) {
                    try {
                        status = get(server.port(), "/metrics").statusCode();
                    } catch (java.io.IOException closed) {
                        status = -1;
                    }
                    if (status == 200) break;
                    if (status == 503) statuses503++;
                    Thread.sleep(200);
                }
                assertThat(status).as("a scrape after the stalled ones' time").isEqualTo(200);
                assertThat(statuses503 + 1)
                        .as("scrapes beyond the bound were told so")
                        .isPositive();
            } finally {
                for (var s : stalled) s.close();
            }
        }
    }
}
