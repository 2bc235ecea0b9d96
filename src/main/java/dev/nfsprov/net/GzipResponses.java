package dev.nfsprov.net;

import io.fabric8.kubernetes.client.http.AsyncBody;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Asks the API server for gzip-compressed responses and decodes them, as Go clients (client-go) do by default.
 * The server compresses only large answers (lists over 128 KiB): at start-up the lists of every claim and volume in
 * the cluster arrive ~20 times smaller, and TLS decryption, which the JVM does in Java code without C2's
 * intrinsics, was half the controller's CPU time while listing (docs/performance.md).
 */
public final class GzipResponses implements Interceptor {

    /** The name it is registered under in the HTTP client. */
    public static final String NAME = "nfsprov-gzip";

    @Override
    public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
        // Not on WebSocket upgrades: their frames are not gzip bodies.
        if (builder instanceof HttpRequest.Builder) builder.setHeader("Accept-Encoding", "gzip");
    }

    @Override
    public AsyncBody.Consumer<List<ByteBuffer>> consumer(
            AsyncBody.Consumer<List<ByteBuffer>> next, HttpRequest request) {
        return new Decoding(next);
    }

    /**
     * Passes the body on, decoded when it is gzip. Decided by the body's first byte, not by a header: the API server
     * answers JSON, which never starts with gzip's 0x1f, so this cannot depend on when the client reads the headers.
     */
    private static final class Decoding implements AsyncBody.Consumer<List<ByteBuffer>> {
        private final AsyncBody.Consumer<List<ByteBuffer>> next;
        private boolean decided;
        private Gunzip gunzip;

        Decoding(AsyncBody.Consumer<List<ByteBuffer>> next) {
            this.next = next;
        }

        @Override
        public void consume(List<ByteBuffer> pieces, AsyncBody body) throws Exception {
            if (!decided) {
                var first = pieces.stream().filter(ByteBuffer::hasRemaining).findFirst();
                if (first.isEmpty()) {
                    next.consume(pieces, body);
                    return;
                }
                decided = true;
                if (Gunzip.isGzip(first.get())) {
                    var g = new Gunzip();
                    gunzip = g;
                    body.done().whenComplete((ok, failed) -> g.close());
                }
            }
            next.consume(gunzip == null ? pieces : gunzip.push(pieces), body);
        }

        @Override
        public <U> U unwrap(Class<U> type) {
            return next.unwrap(type);
        }
    }
}
