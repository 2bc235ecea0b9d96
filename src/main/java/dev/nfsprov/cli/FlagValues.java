package dev.nfsprov.cli;

/** Parsing of the flags several commands share: addresses and durations. */
final class FlagValues {
    private FlagValues() {}

    /** An address flag (HOST:PORT, :PORT, [IPv6]:PORT), or a user error naming the flag and the form it takes. */
    static dev.nfsprov.net.HostPort address(
            String flag, String form, String text, String defaultHost, int defaultPort) {
        try {
            return dev.nfsprov.net.HostPort.parse(text, defaultHost, defaultPort);
        } catch (IllegalArgumentException e) {
            throw new UserError(flag + " must be " + form + ": " + e.getMessage());
        }
    }

    /** "90s", "5m", "1h" or ISO-8601 "PT5M". */
    static java.time.Duration duration(String text, String flag) {
        String t = text.strip().toLowerCase();
        try {
            if (t.matches("\\d+(ms|s|m|h)")) {
                long n = Long.parseLong(t.replaceAll("[a-z]", ""));
                return switch (t.replaceAll("\\d", "")) {
                    case "ms" -> java.time.Duration.ofMillis(n);
                    case "s" -> java.time.Duration.ofSeconds(n);
                    case "m" -> java.time.Duration.ofMinutes(n);
                    default -> java.time.Duration.ofHours(n);
                };
            }
            return java.time.Duration.parse(text.strip().toUpperCase());
        } catch (RuntimeException e) {
            throw new UserError(flag + " \"" + text + "\" is not a duration such as 90s, 5m or 1h");
        }
    }
}
