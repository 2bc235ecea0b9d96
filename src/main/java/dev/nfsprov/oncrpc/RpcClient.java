package dev.nfsprov.oncrpc;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One ONC RPC call over TCP, bounded in time and size: connecting, sending and reading all share one deadline (a
 * server trickling empty fragments cannot hold a probe past it), and the reply's fragments together stay under
 * {@link #MAX_REPLY} bytes, counted without overflow.
 */
public final class RpcClient {

    private static final AtomicLong XID = new AtomicLong(System.nanoTime() & 0xffffffL);
    static final int MAX_REPLY = 1 << 20;

    private final String host;
    private final int port;
    private final Duration timeout;

    public RpcClient(String host, int port, Duration timeout) {
        this.host = host;
        this.port = port;
        this.timeout = timeout;
    }

    public Rpc.Reply call(long program, long version, long procedure, boolean authSys, byte[] args)
            throws RpcException {
        long xid = XID.incrementAndGet() & 0xffffffffL;
        int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Socket s = new Socket()) {
            if (ROOT) reservedPort(s);
            s.connect(new InetSocketAddress(host, port), millis);
            s.setSoTimeout(millis);
            s.getOutputStream().write(Rpc.recordMark(Rpc.call(xid, program, version, procedure, authSys, args)));
            s.getOutputStream().flush();
            var in = s.getInputStream();
            var message = new ByteArrayOutputStream();
            boolean last = false;
            while (!last) {
                byte[] markBytes = read(s, in, 4, deadline);
                long mark = java.nio.ByteBuffer.wrap(markBytes).getInt() & 0xffffffffL;
                last = (mark & 0x80000000L) != 0;
                long len = mark & 0x7fffffffL;
                if ((long) message.size() + len > MAX_REPLY) {
                    throw new RpcException("reply larger than " + MAX_REPLY + " bytes from " + host + ":" + port);
                }
                message.writeBytes(read(s, in, (int) len, deadline));
            }
            Rpc.Reply reply = Rpc.parseReply(message.toByteArray());
            if (reply.xid() != xid) throw new RpcException("reply for another call (xid " + reply.xid() + ")");
            return reply;
        } catch (SocketTimeoutException e) {
            throw new RpcException("no answer from " + host + ":" + port + " within " + timeout.toMillis() + " ms", e);
        } catch (ConnectException e) {
            throw new RpcException("connection to " + host + ":" + port + " refused", e);
        } catch (UnknownHostException e) {
            throw new RpcException("unknown host " + host, e);
        } catch (IOException e) {
            throw new RpcException(host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    /** Whether this process runs as root, and so may take a port below 1024 as the kernel's NFS client does. */
    static final boolean ROOT = uid() == 0;

    private static int uid() {
        try {
            return (Integer) java.nio.file.Files.getAttribute(java.nio.file.Path.of("/proc/self"), "unix:uid");
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * Binds a source port below 1024, as the kernel's NFS client does: a Linux knfsd export with its default option
     * {@code secure} refuses a request from any other port. Tried at random in 600-1023 (the range the kernel's
     * client uses), a few times; without one free the call goes from any port and the server may say so.
     */
    private static void reservedPort(Socket s) {
        var random = java.util.concurrent.ThreadLocalRandom.current();
        for (int i = 0; i < 16; i++) {
            try {
                s.bind(new InetSocketAddress(600 + random.nextInt(424)));
                return;
            } catch (IOException taken) {
                // another one
            }
        }
    }

    /**
     * n bytes, each read given only what is left of the call's deadline: a socket timeout bounds one read, so a
     * server sending a byte just before each read's timeout held a 1 s call for 16.9 s.
     */
    private static byte[] read(Socket s, java.io.InputStream in, int n, long deadline) throws IOException {
        byte[] buf = new byte[n];
        int at = 0;
        while (at < n) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) throw new SocketTimeoutException();
            s.setSoTimeout((int) Math.min(left, Integer.MAX_VALUE));
            int r = in.read(buf, at, n - at);
            if (r < 0) throw new java.io.EOFException("the server closed the connection mid-reply");
            at += r;
        }
        return buf;
    }
}
