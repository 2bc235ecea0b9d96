package dev.nfsprov.oncrpc;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** XDR (RFC 4506): big-endian 4-byte units, opaque data padded to a multiple of 4. Only what nfsprov needs. */
public final class Xdr {
    private Xdr() {}

    /** Writes XDR into a growing buffer. */
    public static final class Writer {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        public Writer u32(long v) {
            out.write((int) (v >>> 24));
            out.write((int) (v >>> 16));
            out.write((int) (v >>> 8));
            out.write((int) v);
            return this;
        }

        /** Variable-length opaque: length, bytes, zero padding. */
        public Writer opaque(byte[] b) {
            u32(b.length);
            out.writeBytes(b);
            for (int i = b.length; i % 4 != 0; i++) out.write(0);
            return this;
        }

        public Writer string(String s) {
            return opaque(s.getBytes(StandardCharsets.UTF_8));
        }

        public Writer raw(byte[] b) {
            out.writeBytes(b);
            return this;
        }

        public byte[] bytes() {
            return out.toByteArray();
        }
    }

    /** Reads XDR; running past the end is a {@link RpcException} (a short or garbled reply), never a crash. */
    public static final class Reader {
        private final ByteBuffer in;

        public Reader(byte[] data) {
            in = ByteBuffer.wrap(data);
        }

        public long u32() throws RpcException {
            need(4);
            return in.getInt() & 0xffffffffL;
        }

        public byte[] opaque() throws RpcException {
            long len = u32();
            if (len > in.remaining())
                throw new RpcException("XDR opaque of " + len + " bytes in a reply of " + in.remaining());
            byte[] b = new byte[(int) len];
            in.get(b);
            int pad = (int) ((4 - len % 4) % 4);
            need(pad);
            in.position(in.position() + pad);
            return b;
        }

        public String string() throws RpcException {
            return new String(opaque(), StandardCharsets.UTF_8);
        }

        public boolean bool() throws RpcException {
            return u32() != 0;
        }

        public int remaining() {
            return in.remaining();
        }

        private void need(int n) throws RpcException {
            if (in.remaining() < n) throw new RpcException("reply ended early (wanted " + n + " more bytes)");
        }
    }
}
