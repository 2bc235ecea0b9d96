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
}
