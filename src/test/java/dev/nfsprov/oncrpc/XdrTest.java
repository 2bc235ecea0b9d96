package dev.nfsprov.oncrpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Byte-exact vectors, written out from RFC 4506 (XDR) and RFC 5531 (RPC). */
class XdrTest {
    private static final HexFormat HEX = HexFormat.of();

    private static byte[] hex(String s) {
        return HEX.parseHex(s.replace(" ", ""));
    }

    @Test
    void encodesUnsignedIntsAndPaddedOpaques() {
        assertThat(new Xdr.Writer().u32(0x186A3).u32(0xffffffffL).bytes()).isEqualTo(hex("000186a3 ffffffff"));
        assertThat(new Xdr.Writer().string("abc").bytes()).isEqualTo(hex("00000003 61626300"));
        assertThat(new Xdr.Writer().string("abcd").bytes()).isEqualTo(hex("00000004 61626364"));
        assertThat(new Xdr.Writer().opaque(new byte[0]).bytes()).isEqualTo(hex("00000000"));
    }

    @Test
    void decodesAndRefusesShortInput() throws Exception {
        var r = new Xdr.Reader(hex("00000003 61626300 ffffffff"));
        assertThat(r.string()).isEqualTo("abc");
        assertThat(r.u32()).isEqualTo(0xffffffffL);
        assertThatThrownBy(r::u32).isInstanceOf(RpcException.class).hasMessageContaining("ended early");
        assertThatThrownBy(() -> new Xdr.Reader(hex("00000010 6162")).opaque()).isInstanceOf(RpcException.class);
    }

    @Test
    void nullCallToNfsV4WithAuthNone() {
        byte[] call = Rpc.call(1, 100003, 4, 0, false, new byte[0]);
        assertThat(call)
                .isEqualTo(hex(
                        "00000001 00000000 00000002 000186a3 00000004 00000000 00000000 00000000 00000000 00000000"));
        assertThat(Rpc.recordMark(call)).startsWith(hex("80000028"));
    }

    @Test
    void authSysCredentialIsRoot() {
        byte[] call = Rpc.call(7, 100003, 4, 1, true, hex("cafe0000"));
        // flavor 1, body length 28: stamp 0, "nfsprov" (7 bytes + 1 pad), uid 0, gid 0, no extra gids
        assertThat(call)
                .isEqualTo(hex("00000007 00000000 00000002 000186a3 00000004 00000001"
                        + " 00000001 0000001c 00000000 00000007 6e667370726f7600 00000000 00000000 00000000"
                        + " 00000000 00000000 cafe0000"));
    }

    @Test
    void parsesAcceptedAndRejectedReplies() throws Exception {
        var ok = Rpc.parseReply(hex("00000001 00000001 00000000 00000000 00000000 00000000 0000abcd"));
        assertThat(ok.outcome()).isEqualTo(Rpc.Outcome.SUCCESS);
        assertThat(ok.results().u32()).isEqualTo(0xabcd);
        var mismatch = Rpc.parseReply(hex("00000002 00000001 00000000 00000000 00000000 00000002 00000002 00000004"));
        assertThat(mismatch.outcome()).isEqualTo(Rpc.Outcome.PROG_MISMATCH);
        assertThat(mismatch.low()).isEqualTo(2);
        assertThat(mismatch.high()).isEqualTo(4);
        var denied = Rpc.parseReply(hex("00000003 00000001 00000001 00000001 00000005"));
        assertThat(denied.outcome()).isEqualTo(Rpc.Outcome.AUTH_ERROR);
        assertThatThrownBy(() -> Rpc.parseReply(hex("00000001 00000000"))).hasMessageContaining("not an RPC reply");
    }
}
