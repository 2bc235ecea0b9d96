package dev.nfsprov.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client every command uses asks for compressed answers and reads both kinds, through the real HTTP client. */
class KubeOptionsTest {

    private HttpServer server;
    private final List<String> acceptEncodings = new CopyOnWriteArrayList<>();
    private volatile boolean compress;

    @BeforeEach
    void serve() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/v1/persistentvolumes", exchange -> {
            acceptEncodings.add(String.valueOf(exchange.getRequestHeaders().getFirst("Accept-Encoding")));
            byte[] body = volumeList(3000).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            if (compress) {
                var zipped = new ByteArrayOutputStream();
                try (var z = new GZIPOutputStream(zipped)) {
                    z.write(body);
                }
                body = zipped.toByteArray();
                exchange.getResponseHeaders().add("Content-Encoding", "gzip");
            }
            exchange.sendResponseHeaders(200, body.length);
            try (var out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void asksForGzipAndReadsCompressedAndPlainAnswers(@TempDir Path dir) throws IOException {
        Path kubeconfig = TestKubeconfig.write(
                dir, "http://127.0.0.1:" + server.getAddress().getPort());
        var options = new KubeOptions();
        options.kubeconfig = kubeconfig;
        try (var client = options.client(true)) {
            for (boolean gzip : new boolean[] {true, false}) {
                compress = gzip;
                var names = client.persistentVolumes().list().getItems().stream()
                        .map(v -> v.getMetadata().getName())
                        .toList();
                assertThat(names)
                        .as("compressed: %s", gzip)
                        .hasSize(3000)
                        .startsWith("pv-0")
                        .endsWith("pv-2999");
            }
        }
        assertThat(acceptEncodings).containsOnly("gzip").hasSize(2);
    }

    private static String volumeList(int n) {
        return IntStream.range(0, n)
                .mapToObj(i -> "{\"apiVersion\":\"v1\",\"kind\":\"PersistentVolume\",\"metadata\":{\"name\":\"pv-" + i
                        + "\"},\"spec\":{\"storageClassName\":\"nfs\"}}")
                .collect(Collectors.joining(
                        ",", "{\"apiVersion\":\"v1\",\"kind\":\"PersistentVolumeList\",\"items\":[", "]}"));
    }
}
