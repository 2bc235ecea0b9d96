package dev.nfsprov.oncrpc;

/** The other side did not answer as an ONC RPC server would (or not at all); the message says how. */
public class RpcException extends Exception {
    public RpcException(String message) {
        super(message);
    }

    public RpcException(String message, Throwable cause) {
        super(message, cause);
    }
}
