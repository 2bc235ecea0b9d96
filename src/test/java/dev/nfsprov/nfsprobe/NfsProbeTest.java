package dev.nfsprov.nfsprobe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nfsprov.oncrpc.RpcException;
import dev.nfsprov.oncrpc.Xdr;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class NfsProbeTest {

    @Test
    void emptyCompoundAtMinorVersionOne() {
        // tag "nfsprov-doctor" (14 bytes + 2 pad), minorversion 1, zero operations
        assertThat(NfsProbe.compoundArgs(1, new Xdr.Writer().u32(0).bytes()))
                .isEqualTo(HexFormat.of().parseHex("0000000e6e667370726f762d646f63746f7200000000000100000000"));
    }

    @Test
    void mountExportListIsALinkedList() throws Exception {
        var body = new Xdr.Writer()
                .u32(1)
                .string("/exp")
                .u32(1)
                .string("*")
                .u32(0)
                .u32(1)
                .string("/other")
                .u32(0)
                .u32(0)
                .bytes();
        assertThat(NfsProbe.parseExports(new Xdr.Reader(body))).containsExactly("/exp", "/other");
    }

    @Test
    void aServerThatNeverAnswersIsBoundedByTheTimeout() throws Exception {
        try (var silent = new ServerSocket(0)) { // accepts connections (backlog) but never reads or writes
            var probe = new NfsProbe("127.0.0.1", silent.getLocalPort(), Duration.ofMillis(300));
            long start = System.nanoTime();
            assertThatThrownBy(() -> probe.speaks(4))
                    .isInstanceOf(RpcException.class)
                    .hasMessageContaining("no answer");
            assertThat((System.nanoTime() - start) / 1e9).isLessThan(3.0);
        }
    }

    @org.junit.jupiter.api.Test
    void aRefusalForAPortAbove1023SaysSo() {
        var tooWeak = new dev.nfsprov.oncrpc.Rpc.Reply(
                1, dev.nfsprov.oncrpc.Rpc.Outcome.AUTH_ERROR, NfsProbe.AUTH_TOOWEAK, 0, null);
        org.assertj.core.api.Assertions.assertThat(NfsProbe.insecure(tooWeak))
                .isEqualTo(" (the export requires a privileged port (secure); run as root or export with insecure)");
        var other = new dev.nfsprov.oncrpc.Rpc.Reply(1, dev.nfsprov.oncrpc.Rpc.Outcome.AUTH_ERROR, 1, 0, null);
        org.assertj.core.api.Assertions.assertThat(NfsProbe.insecure(other)).isEmpty();
    }
}
