package dev.nfsprov.share;

/**
 * A tree past the copy's bounds (deeper than 256 levels, more hard-linked files than it remembers): caused by what a
 * tenant wrote, not by the share, so said once and looked at again slowly, not retried with backoff.
 */
public final class TreeTooLargeException extends ShareException {
    public TreeTooLargeException(String message) {
        super(message);
    }
}
