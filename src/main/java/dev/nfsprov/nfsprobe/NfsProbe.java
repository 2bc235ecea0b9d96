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
    static final int OP_CREATE = 6;
    static final int OP_GETATTR = 9;
    static final int OP_LOOKUP = 15;
    static final int OP_PUTROOTFH = 24;
    static final int OP_REMOVE = 28;
    static final int NF4DIR = 2;
    public static final long NFS4ERR_ACCESS = 13;
    public static final long NFS4ERR_PERM = 1;
    /** FATTR4_MODE (33), FATTR4_OWNER (36) and FATTR4_OWNER_GROUP (37): all in the bitmap's second word. */
    static final long MODE_OWNER_GROUP = (1L << 1) | (1L << 4) | (1L << 5);

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
        return compound(0, lookups(path, 0).bytes());
    }

    /** A directory's mode and its owner and group as the server names them ("0", "root@domain", "65534"...). */
    public record Attributes(int mode, String owner, String group) {
        /** Whether the owner is root, by number or by name. */
        public boolean rootOwned() {
            return owner.equals("0") || owner.equals("root") || owner.startsWith("root@");
        }
    }

    /** A directory made by {@link #squashProbe}: its NFSv4 status and, when made, its attributes. */
    public record Made(long status, Attributes attributes) {}

    /**
     * What the server does to root: makes a directory under {@code path} as uid 0 over NFSv4.0 (AUTH_SYS), reads
     * its owner, and removes it. Under root_squash or all_squash the owner is the anonymous uid, or the create is
     * refused (NFS4ERR_ACCESS) when the export's directory is not writable for it.
     */
    public Made squashProbe(String path) throws RpcException {
        String name = ".nfsprov-doctor." + Long.toHexString(System.nanoTime());
        var ops = lookups(path, 2);
        ops.u32(OP_CREATE).u32(NF4DIR).string(name);
        ops.u32(2).u32(0).u32(1L << 1).opaque(new Xdr.Writer().u32(0700).bytes()); // createattrs: mode 0700
        ops.u32(OP_GETATTR).u32(2).u32(0).u32(MODE_OWNER_GROUP);
        var r = compoundReply(0, ops.bytes());
        long status = r.u32();
        r.string(); // tag
        long count = r.u32();
        boolean created = false;
        try {
            for (long i = 0; i < count; i++) {
                long op = r.u32();
                long opStatus = r.u32();
                if (opStatus != NFS4_OK) return new Made(opStatus, null);
                if (op == OP_CREATE) {
                    created = true;
                    for (int w = 0; w < 5; w++) r.u32(); // change_info4: atomic, before and after (u64 each)
                    skipBitmap(r); // attrset
                } else if (op == OP_GETATTR) {
                    return new Made(status, attributes(r));
                }
            }
            return new Made(status, null);
        } finally {
            if (created) remove(path, name);
        }
    }

    /** The mode, owner and group of a directory in the server's NFSv4 namespace; empty if it does not exist. */
    public Optional<Attributes> attributes(String path) throws RpcException {
        var values = getattr(path, MODE_OWNER_GROUP);
        if (values.isEmpty()) return Optional.empty();
        var v = values.get();
        return Optional.of(new Attributes((int) v.u32() & 07777, v.string(), v.string()));
    }

    /** FATTR4_SPACE_AVAIL (42) and FATTR4_SPACE_TOTAL (44): the bitmap's second word. */
    static final long SPACE = (1L << 10) | (1L << 12);

    /** The file system's size and the bytes available to this client under path: {total, available}. */
    public Optional<long[]> space(String path) throws RpcException {
        var values = getattr(path, SPACE);
        if (values.isEmpty()) return Optional.empty();
        var v = values.get();
        long available = v.u32() << 32 | v.u32();
        long total = v.u32() << 32 | v.u32();
        return Optional.of(new long[] {total, available});
    }

    /** GETATTR of a path for attributes of the bitmap's second word: their values, in attribute order. */
    private Optional<Xdr.Reader> getattr(String path, long word1) throws RpcException {
        var ops = lookups(path, 1);
        ops.u32(OP_GETATTR).u32(2).u32(0).u32(word1);
        var r = compoundReply(0, ops.bytes());
        long status = r.u32();
        if (status == NFS4ERR_NOENT) return Optional.empty();
        if (status != NFS4_OK) throw new RpcException("GETATTR of " + path + " answered status " + status);
        r.string();
        long count = r.u32();
        for (long i = 0; i < count; i++) {
            long op = r.u32();
            r.u32(); // status: OK, as the compound's is
            if (op == OP_GETATTR) {
                skipBitmap(r);
                return Optional.of(new Xdr.Reader(r.opaque()));
            }
        }
        throw new RpcException("GETATTR of " + path + ": no attributes in the reply");
    }

    private void remove(String path, String name) throws RpcException {
        var ops = lookups(path, 1);
        ops.u32(OP_REMOVE).string(name);
        long status = compoundReply(0, ops.bytes()).u32();
        if (status != NFS4_OK)
            throw new RpcException("could not remove the probe directory " + path + "/" + name + ": status " + status);
    }

    /** PUTROOTFH and a LOOKUP per component of path, in a COMPOUND with {@code more} operations after them. */
    private static Xdr.Writer lookups(String path, int more) {
        List<String> parts = new ArrayList<>();
        for (String p : path.split("/")) if (!p.isEmpty()) parts.add(p);
        var ops = new Xdr.Writer().u32(1 + parts.size() + more).u32(OP_PUTROOTFH);
        for (String p : parts) ops.u32(OP_LOOKUP).string(p);
        return ops;
    }

    private static void skipBitmap(Xdr.Reader r) throws RpcException {
        long words = r.u32();
        for (long w = 0; w < words; w++) r.u32();
    }

    /** A fattr4 asked for with {@link #MODE_OWNER_GROUP}: mode, owner and owner_group, in attribute order. */
    static Attributes attributes(Xdr.Reader r) throws RpcException {
        skipBitmap(r);
        var values = new Xdr.Reader(r.opaque());
        int mode = (int) values.u32() & 07777;
        return new Attributes(mode, values.string(), values.string());
    }

    static byte[] compoundArgs(int minorVersion, byte[] ops) {
        return new Xdr.Writer()
                .string("nfsprov-doctor")
                .u32(minorVersion)
                .raw(ops)
                .bytes();
    }

    private long compound(int minorVersion, byte[] ops) throws RpcException {
        return compoundReply(minorVersion, ops).u32();
    }

    /** AUTH_TOOWEAK: what a server answers a request from a port above 1023 on an export with {@code secure}. */
    static final long AUTH_TOOWEAK = 5;

    /** Said after a refusal that a privileged source port would have avoided. */
    static String insecure(Rpc.Reply reply) {
        if (reply.outcome() != Rpc.Outcome.AUTH_ERROR || reply.low() != AUTH_TOOWEAK) return "";
        return " (the export requires a privileged port (secure); run as root or export with insecure)";
    }

    private Xdr.Reader compoundReply(int minorVersion, byte[] ops) throws RpcException {
        var reply = new RpcClient(host, port, timeout).call(NFS, 4, 1, true, compoundArgs(minorVersion, ops));
        if (reply.outcome() != Rpc.Outcome.SUCCESS)
            throw new RpcException("COMPOUND was not accepted: " + reply.outcome() + insecure(reply));
        return reply.results();
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
            throw new RpcException("MOUNT EXPORT was not accepted: " + reply.outcome() + insecure(reply));
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
