package dev.nfsprov.oncrpc;

/** ONC RPC v2 messages (RFC 5531): building a call, and reading what a reply says. */
public final class Rpc {
    private Rpc() {}

    public static final int AUTH_NONE = 0;
    public static final int AUTH_SYS = 1;

    /** How a server answered a call. */
    public enum Outcome {
        SUCCESS,
        PROG_UNAVAIL,
        PROG_MISMATCH,
        PROC_UNAVAIL,
        GARBAGE_ARGS,
        SYSTEM_ERR,
        RPC_MISMATCH,
        AUTH_ERROR
    }

    /** The reply: outcome, the version range for a mismatch, and the procedure's result bytes for SUCCESS. */
    public record Reply(long xid, Outcome outcome, long low, long high, Xdr.Reader results) {}

    /** A call message body (without TCP record marking). */
    public static byte[] call(long xid, long program, long version, long procedure, boolean authSys, byte[] args) {
        var w = new Xdr.Writer()
                .u32(xid)
                .u32(0)
                .u32(2)
                .u32(program)
                .u32(version)
                .u32(procedure);
        if (authSys) {
            // uid 0 / gid 0, as the NFS client of a provisioner running as root would send
            byte[] cred = new Xdr.Writer()
                    .u32(0)
                    .string("nfsprov")
                    .u32(0)
                    .u32(0)
                    .u32(0)
                    .bytes();
            w.u32(AUTH_SYS).opaque(cred);
        } else {
            w.u32(AUTH_NONE).u32(0);
        }
        w.u32(AUTH_NONE).u32(0); // verifier
        return w.raw(args).bytes();
    }

    public static Reply parseReply(byte[] message) throws RpcException {
        var r = new Xdr.Reader(message);
        long xid = r.u32();
        if (r.u32() != 1) throw new RpcException("not an RPC reply");
        long replyStat = r.u32();
        if (replyStat == 1) { // MSG_DENIED
            long reject = r.u32();
            if (reject == 0) return new Reply(xid, Outcome.RPC_MISMATCH, r.u32(), r.u32(), null);
            return new Reply(xid, Outcome.AUTH_ERROR, r.u32(), 0, null);
        }
        if (replyStat != 0) throw new RpcException("unknown reply_stat " + replyStat);
        r.u32(); // verifier flavor
        r.opaque(); // verifier body
        long accept = r.u32();
        return switch ((int) accept) {
            case 0 -> new Reply(xid, Outcome.SUCCESS, 0, 0, r);
            case 1 -> new Reply(xid, Outcome.PROG_UNAVAIL, 0, 0, null);
            case 2 -> new Reply(xid, Outcome.PROG_MISMATCH, r.u32(), r.u32(), null);
            case 3 -> new Reply(xid, Outcome.PROC_UNAVAIL, 0, 0, null);
            case 4 -> new Reply(xid, Outcome.GARBAGE_ARGS, 0, 0, null);
            case 5 -> new Reply(xid, Outcome.SYSTEM_ERR, 0, 0, null);
            default -> throw new RpcException("unknown accept_stat " + accept);
        };
    }

    /** TCP record marking (RFC 5531 section 11): one fragment, last-fragment bit set. */
    public static byte[] recordMark(byte[] message) {
        return new Xdr.Writer().u32(0x80000000L | message.length).raw(message).bytes();
    }
}
