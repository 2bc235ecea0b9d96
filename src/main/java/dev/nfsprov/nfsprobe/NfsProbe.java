package dev.nfsprov.nfsprobe;

import dev.nfsprov.oncrpc.Rpc;
import dev.nfsprov.oncrpc.RpcClient;
import dev.nfsprov.oncrpc.RpcException;
import dev.nfsprov.oncrpc.Xdr;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Asks an NFS server what it speaks, without mounting anything: RPC NULL calls for NFSv3 and v4, empty
 * COMPOUNDs for the v4 minor versions, PUTROOTFH + LOOKUP for a v4 path, and MOUNT's export list for v3.
 */
public final class NfsProbe {

    static final long NFS = 100003;
    static final long MOUNT = 100005;
    static final long PORTMAP = 100000;
    static final int OP_LOOKUP = 15;
    static final int OP_PUTROOTFH = 24;
    public static final long NFS4_OK = 0;
    public static final long NFS4ERR_NOENT = 2;

    private final String host;
    private final int port;
    private final Duration timeout;

    public NfsProbe(String host, int port, Duration timeout) {
        this.host = host;
        this.port = port;
        this.timeout = timeout;
    }

    /** Null if the port accepts a TCP connection within the timeout, else why not. */
    public String tcpProblem() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
            return null;
        } catch (IOException e) {
            return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        }
    }

    /** Whether the NFS program answers a NULL call at this version. */
    public boolean speaks(int version) throws RpcException {
        var reply = new RpcClient(host, port, timeout).call(NFS, version, 0, false, new byte[0]);
        return reply.outcome() == Rpc.Outcome.SUCCESS;
    }

    /** The status of an empty COMPOUND at this NFSv4 minor version: NFS4_OK or NFS4ERR_MINOR_VERS_MISMATCH. */
    public long compoundStatus(int minorVersion) throws RpcException {
        return compound(minorVersion, new Xdr.Writer().u32(0).bytes());
    }

    /** NFSv4.0 PUTROOTFH then LOOKUP of each component of path: NFS4_OK if it exists in the server's namespace. */
    public long lookupStatus(String path) throws RpcException {
        List<String> parts = new ArrayList<>();
        for (String p : path.split("/")) if (!p.isEmpty()) parts.add(p);
        var ops = new Xdr.Writer().u32(1 + parts.size()).u32(OP_PUTROOTFH);
        for (String p : parts) ops.u32(OP_LOOKUP).string(p);
        return compound(0, ops.bytes());
    }

    static byte[] compoundArgs(int minorVersion, byte[] ops) {
        return new Xdr.Writer()
                .string("nfsprov-doctor")
                .u32(minorVersion)
                .raw(ops)
                .bytes();
    }

    private long compound(int minorVersion, byte[] ops) throws RpcException {
        var reply = new RpcClient(host, port, timeout).call(NFS, 4, 1, true, compoundArgs(minorVersion, ops));
        if (reply.outcome() != Rpc.Outcome.SUCCESS)
            throw new RpcException("COMPOUND was not accepted: " + reply.outcome());
        return reply.results().u32();
    }

    /** NFSv3's export list through the portmapper (port 111) and MOUNT v3; empty if there is no portmapper. */
    public Optional<List<String>> v3Exports(int portmapperPort) throws RpcException {
        RpcClient portmap = new RpcClient(host, portmapperPort, timeout);
        Rpc.Reply getport;
        try {
            getport = portmap.call(
                    PORTMAP,
                    2,
                    3,
                    false,
                    new Xdr.Writer().u32(MOUNT).u32(3).u32(6).u32(0).bytes());
        } catch (RpcException noPortmapper) {
            return Optional.empty();
        }
        if (getport.outcome() != Rpc.Outcome.SUCCESS) return Optional.empty();
        long mountPort = getport.results().u32();
        if (mountPort == 0) return Optional.empty();
        if (mountPort > 65535)
            throw new RpcException("the portmapper gave MOUNT port " + mountPort + ", which is not a port");
        var reply = new RpcClient(host, (int) mountPort, timeout).call(MOUNT, 3, 5, false, new byte[0]);
        if (reply.outcome() != Rpc.Outcome.SUCCESS)
            throw new RpcException("MOUNT EXPORT was not accepted: " + reply.outcome());
        return Optional.of(parseExports(reply.results()));
    }

    /** The lock manager (NLM v4) and the status monitor (NSM v1) that NFSv3 locking needs. */
    public static final long NLM = 100021;

    public static final long NSM = 100024;

    /**
     * Whether the portmapper lists a program and version, over TCP or UDP; empty if there is no portmapper to ask.
     */
    public Optional<Boolean> registered(int portmapperPort, long program, int version) throws RpcException {
        RpcClient portmap = new RpcClient(host, portmapperPort, timeout);
        for (int protocol : new int[] {6, 17}) {
            Rpc.Reply getport;
            try {
                getport = portmap.call(
                        PORTMAP,
                        2,
                        3,
                        false,
                        new Xdr.Writer()
                                .u32(program)
                                .u32(version)
                                .u32(protocol)
                                .u32(0)
                                .bytes());
            } catch (RpcException noPortmapper) {
                return Optional.empty();
            }
            if (getport.outcome() != Rpc.Outcome.SUCCESS) return Optional.empty();
            if (getport.results().u32() != 0) return Optional.of(true);
        }
        return Optional.of(false);
    }

    static List<String> parseExports(Xdr.Reader r) throws RpcException {
        List<String> dirs = new ArrayList<>();
        while (r.bool()) {
            dirs.add(r.string());
            while (r.bool()) r.string(); // groups allowed to mount it
        }
        return dirs;
    }
}
