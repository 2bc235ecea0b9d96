package dev.nfsprov.faults;

import java.util.Set;

/**
 * Named crash points for the fault tests: with NFSPROV_FAULTS=after-directory the process dies (as with kill -9,
 * no shutdown hooks) right after that step. Unset in production, where every point is a no-op.
 */
public final class Faults {
    private static final Set<String> ENABLED = parse(System.getenv("NFSPROV_FAULTS"));

    private Faults() {}

    public static void point(String name) {
        if (ENABLED.contains(name)) {
            System.err.println("nfsprov: fault injected at " + name + ": halting");
            Runtime.getRuntime().halt(137);
        }
    }

    /**
     * With NFSPROV_FAULTS naming it, waits {@code millis} here: a step made slow enough that a test can act while it
     * runs (delete a clone's claim mid-copy). A no-op otherwise.
     */
    public static void pause(String name, long millis) {
        if (!ENABLED.contains(name)) return;
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Set<String> parse(String value) {
        return value == null || value.isBlank() ? Set.of() : Set.of(value.split(","));
    }
}
