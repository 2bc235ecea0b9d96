package dev.nfsprov.net;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import java.util.zip.ZipException;

/**
 * A gzip stream (RFC 1952) decoded as its pieces arrive, for an HTTP body delivered in buffers rather than read from
 * an InputStream. Header fields are skipped, each member's CRC-32 and length are checked, members may follow one
 * another. Not thread-safe: one body, its pieces in order.
 */
public final class Gunzip {

    private static final int FHCRC = 2, FEXTRA = 4, FNAME = 8, FCOMMENT = 16;
    private static final int TRAILER = 8;
    private static final int OUT_CHUNK = 64 * 1024;

    private final Inflater inflater = new Inflater(true);
    private final CRC32 crc = new CRC32();
    /** Inflated into, then copied out at its filled length: a short piece does not cost a whole chunk each. */
    private final byte[] inflated = new byte[OUT_CHUNK];
    /** Header or trailer bytes until there are enough to read it. */
    private byte[] held = new byte[0];

    private boolean inBody;
    private long bodyBytes;

    /** True when the data starts as a gzip stream does (its first magic byte, 0x1f, with which JSON never starts). */
    public static boolean isGzip(ByteBuffer first) {
        return first.remaining() >= 1 && first.get(first.position()) == (byte) 0x1f;
    }

    /** Decodes the next pieces; returns what they decode to (possibly nothing yet). */
    public List<ByteBuffer> push(List<ByteBuffer> pieces) throws ZipException {
        var out = new ArrayList<ByteBuffer>();
        for (ByteBuffer piece : pieces) push(piece, out);
        return out;
    }

    /** Frees the inflater's native memory; further pushes fail. */
    public void close() {
        inflater.end();
    }

    private void push(ByteBuffer piece, List<ByteBuffer> out) throws ZipException {
        while (piece.hasRemaining()) {
            if (!inBody) {
                byte[] all = take(piece);
                int header = headerLength(all);
                if (header < 0) {
                    held = all;
                    return;
                }
                held = new byte[0];
                inBody = true;
                bodyBytes = 0;
                piece = ByteBuffer.wrap(all, header, all.length - header);
            } else if (!inflater.finished()) {
                inflater.setInput(piece);
                inflate(out);
                piece.position(piece.limit() - inflater.getRemaining());
            } else {
                byte[] all = take(piece);
                if (all.length < TRAILER) {
                    held = all;
                    return;
                }
                checkTrailer(all);
                held = new byte[0];
                inBody = false;
                bodyBytes = 0;
                inflater.reset();
                crc.reset();
                piece = ByteBuffer.wrap(all, TRAILER, all.length - TRAILER);
            }
        }
    }

    private void inflate(List<ByteBuffer> out) throws ZipException {
        try {
            while (!inflater.finished() && !inflater.needsInput()) {
                int n = inflater.inflate(inflated);
                if (n == 0 && inflater.needsDictionary()) throw new ZipException("gzip body needs a preset dictionary");
                if (n > 0) {
                    crc.update(inflated, 0, n);
                    bodyBytes += n;
                    out.add(ByteBuffer.wrap(Arrays.copyOf(inflated, n)));
                }
            }
        } catch (DataFormatException e) {
            throw new ZipException("corrupt gzip body: " + e.getMessage());
        }
    }

    private void checkTrailer(byte[] t) throws ZipException {
        long wantCrc = le32(t, 0), wantSize = le32(t, 4);
        if (wantCrc != crc.getValue() || wantSize != (bodyBytes & 0xffffffffL))
            throw new ZipException("gzip body does not match its checksum or length");
    }

    /** What was held back followed by the rest of this piece, which is consumed. */
    private byte[] take(ByteBuffer piece) {
        byte[] all = new byte[held.length + piece.remaining()];
        System.arraycopy(held, 0, all, 0, held.length);
        piece.get(all, held.length, piece.remaining());
        return all;
    }

    /** The header's length, or -1 when b does not hold all of it yet. */
    private static int headerLength(byte[] b) throws ZipException {
        if (b.length < 10) return -1;
        if ((b[0] & 0xff) != 0x1f || (b[1] & 0xff) != 0x8b) throw new ZipException("not a gzip stream");
        if (b[2] != 8) throw new ZipException("gzip method " + b[2] + " is not deflate");
        int flags = b[3] & 0xff;
        int at = 10;
        if ((flags & FEXTRA) != 0) {
            if (b.length < at + 2) return -1;
            at += 2 + ((b[at] & 0xff) | (b[at + 1] & 0xff) << 8);
        }
        for (int field : new int[] {FNAME, FCOMMENT}) {
            if ((flags & field) == 0) continue;
            do {
                if (at >= b.length) return -1;
            } while (b[at++] != 0);
        }
        if ((flags & FHCRC) != 0) at += 2;
        return at <= b.length ? at : -1;
    }

    private static long le32(byte[] b, int at) {
        return (b[at] & 0xffL) | (b[at + 1] & 0xffL) << 8 | (b[at + 2] & 0xffL) << 16 | (b[at + 3] & 0xffL) << 24;
    }
}
