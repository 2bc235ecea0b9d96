package dev.nfsprov.share;

/** Slows a walk of the share to a rate of entries per second, so measuring never crowds out provisioning. */
public interface Throttle {
    /** Called with the number of entries just read; may sleep. */
    void entries(int n) throws InterruptedException;

    Throttle NONE = n -> {};

    /** At most {@code rate} entries a second on average (bursts of up to a second's worth); 0 or less: no limit. */
    static Throttle perSecond(double rate) {
        if (rate <= 0) return NONE;
        return new Throttle() {
            private final long start = System.nanoTime();
            private long seen;

            @Override
            public void entries(int n) throws InterruptedException {
                seen += n;
                long due = start + (long) (seen / rate * 1e9);
                long ahead = due - System.nanoTime();
                if (ahead > 1_000_000_000L) Thread.sleep(ahead / 1_000_000L);
                else if (ahead > 10_000_000L) Thread.sleep(ahead / 1_000_000L);
            }
        };
    }
}
