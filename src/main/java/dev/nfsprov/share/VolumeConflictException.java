package dev.nfsprov.share;

/**
 * The path a claim renders to cannot be its volume (another volume is there, or on the way, or a name is reserved):
 * caused by the claim or its class, so said once and not retried as if the share were failing.
 */
public final class VolumeConflictException extends ShareException {
    public VolumeConflictException(String message) {
        super(message);
    }
}
