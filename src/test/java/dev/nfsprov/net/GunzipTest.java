package dev.nfsprov.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;
import org.junit.jupiter.api.Test;

class GunzipTest {

    private static final byte[] JSON = ("{\"kind\":\"PersistentVolumeClaimList\",\"items\":["
                    + "{\"metadata\":{\"name\":\"claim\"}},".repeat(3000) + "{}]}")
            .getBytes(StandardCharsets.UTF_8);

    @Test
    void decodesAStreamCutAtEveryPlace() throws IOException {
        byte[] small = "{\"items\":[]}".getBytes(StandardCharsets.UTF_8);
        byte[] zipped = gzip(small);
        for (int cut = 0; cut <= zipped.length; cut++) {
            assertThat(decode(List.of(slice(zipped, 0, cut), slice(zipped, cut, zipped.length))))
                    .as("cut at %d", cut)
                    .isEqualTo(small);
        }
        assertThat(decode(bytewise(zipped))).isEqualTo(small);
    }

    @Test
    void decodesALargeStreamInRandomPieces() throws IOException {
        byte[] noise = new byte[300_000];
        new Random(7).nextBytes(noise);
        for (byte[] data : List.of(JSON, noise)) {
            byte[] zipped = gzip(data);
            var random = new Random(data.length);
            var pieces = new ArrayList<ByteBuffer>();
            for (int at = 0; at < zipped.length; ) {
                int n = Math.min(zipped.length - at, 1 + random.nextInt(20_000));
                pieces.add(slice(zipped, at, at + n));
                at += n;
            }
            assertThat(decode(pieces)).isEqualTo(data);
        }
    }

    @Test
    void skipsOptionalHeaderFieldsAndDecodesMembersOneAfterAnother() throws IOException {
        byte[] first = "{\"a\":".getBytes(StandardCharsets.UTF_8);
        byte[] second = "1}".getBytes(StandardCharsets.UTF_8);
        byte[] stream = concat(withAllHeaderFields(first), gzip(second));
        assertThat(decode(bytewise(stream))).isEqualTo(concat(first, second));
        assertThat(decode(List.of(ByteBuffer.wrap(stream)))).isEqualTo(concat(first, second));
    }

    @Test
    void refusesACorruptStream() throws IOException {
        byte[] zipped = gzip(JSON);
        zipped[zipped.length - 6] ^= 1; // the CRC-32
        assertThatThrownBy(() -> decode(List.of(ByteBuffer.wrap(zipped))))
                .isInstanceOf(ZipException.class)
                .hasMessageContaining("checksum");
        byte[] body = gzip(JSON);
        body[20] ^= (byte) 0xff;
        assertThatThrownBy(() -> decode(List.of(ByteBuffer.wrap(body)))).isInstanceOf(ZipException.class);
        assertThatThrownBy(() -> decode(List.of(ByteBuffer.wrap("0123456789ab".getBytes()))))
                .isInstanceOf(ZipException.class)
                .hasMessageContaining("not a gzip stream");
    }

    @Test
    void tellsGzipFromJson() throws IOException {
        assertThat(Gunzip.isGzip(ByteBuffer.wrap(gzip(JSON)))).isTrue();
        assertThat(Gunzip.isGzip(ByteBuffer.wrap(JSON))).isFalse();
        assertThat(Gunzip.isGzip(ByteBuffer.allocate(0))).isFalse();
    }

    private static byte[] decode(List<ByteBuffer> pieces) throws ZipException {
        var gunzip = new Gunzip();
        var out = new ByteArrayOutputStream();
        for (ByteBuffer piece : pieces) {
            for (ByteBuffer b : gunzip.push(List.of(piece))) {
                byte[] chunk = new byte[b.remaining()];
                b.get(chunk);
                out.writeBytes(chunk);
            }
        }
        gunzip.close();
        return out.toByteArray();
    }

    private static byte[] gzip(byte[] data) throws IOException {
        var out = new ByteArrayOutputStream();
        try (var z = new GZIPOutputStream(out)) {
            z.write(data);
        }
        return out.toByteArray();
    }

    /** A member with FEXTRA, FNAME, FCOMMENT and FHCRC set, as GZIPOutputStream never writes. */
    private static byte[] withAllHeaderFields(byte[] data) {
        var out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {0x1f, (byte) 0x8b, 8, 2 | 4 | 8 | 16, 0, 0, 0, 0, 0, 3});
        out.writeBytes(new byte[] {3, 0, 'x', 'y', 'z'});
        out.writeBytes("name.json\0a comment\0".getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(new byte[] {0x12, 0x34});
        var deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        deflater.setInput(data);
        deflater.finish();
        byte[] buf = new byte[data.length + 64];
        out.write(buf, 0, deflater.deflate(buf));
        deflater.end();
        var crc = new CRC32();
        crc.update(data);
        for (long v : new long[] {crc.getValue(), data.length}) {
            for (int i = 0; i < 4; i++) out.write((int) (v >>> (8 * i)) & 0xff);
        }
        return out.toByteArray();
    }

    private static List<ByteBuffer> bytewise(byte[] data) {
        var pieces = new ArrayList<ByteBuffer>();
        for (int i = 0; i < data.length; i++) pieces.add(slice(data, i, i + 1));
        return pieces;
    }

    private static ByteBuffer slice(byte[] data, int from, int to) {
        return ByteBuffer.wrap(data, from, to - from).slice();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = new byte[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
