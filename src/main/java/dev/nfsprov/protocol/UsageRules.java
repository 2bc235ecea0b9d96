package dev.nfsprov.protocol;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What a volume's measured usage means: the threshold of its request it has crossed (Events once per crossing, the
 * level kept on the volume so a restart does not say it again), and when the usage recorded on the volume is worth
 * writing again.
 */
public final class UsageRules {
    private UsageRules() {}

    /** Recorded on the volume: "bytes=N files=N scanned=INSTANT[ partial]". */
    public static final String ANN_USAGE = "nfsprov.dev/usage";
    /** The highest threshold (percent of the request) the usage has crossed, 0 for none. */
    public static final String ANN_LEVEL = "nfsprov.dev/usage-level";
    /** A recorded usage this old is written again even if nothing changed, so its time says when it was true. */
    public static final Duration REFRESH = Duration.ofHours(1);

    public record Recorded(long bytes, long files, Instant scanned, boolean partial) {
        public String format() {
            return "bytes=" + bytes + " files=" + files + " scanned=" + scanned + (partial ? " partial" : "");
        }
    }

    private static final Pattern RECORDED =
            Pattern.compile("bytes=([0-9]{1,19}) files=([0-9]{1,19}) scanned=(\\S+)( partial)?");

    /** The usage recorded on a volume, or null if none (or it is unreadable: then it is simply written again). */
    public static Recorded recorded(Map<String, String> annotations) {
        String v = annotations == null ? null : annotations.get(ANN_USAGE);
        if (v == null) return null;
        var m = RECORDED.matcher(v.strip());
        if (!m.matches()) return null;
        try {
            return new Recorded(
                    Long.parseLong(m.group(1)),
                    Long.parseLong(m.group(2)),
                    Instant.parse(m.group(3)),
                    m.group(4) != null);
        } catch (RuntimeException e) {
            return null;
        }
    }

    public static int level(Map<String, String> annotations) {
        String v = annotations == null ? null : annotations.get(ANN_LEVEL);
        try {
            return v == null ? 0 : Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The highest threshold reached by used of capacity (0 when none, or when the capacity is unknown). */
    public static int level(long used, long capacity, List<Integer> thresholds) {
        if (capacity <= 0) return 0;
        int level = 0;
        for (int t : thresholds) if ((double) used * 100 >= (double) capacity * t) level = Math.max(level, t);
        return level;
    }

    /** Whether the newly measured usage is worth writing on the volume (it changed, or the record is old). */
    public static boolean worthRecording(Recorded before, Recorded now) {
        return before == null
                || before.bytes() != now.bytes()
                || before.files() != now.files()
                || before.partial() != now.partial()
                || Duration.between(before.scanned(), now.scanned()).compareTo(REFRESH) >= 0;
    }

    /** The Event for a crossing upwards, or null when the level did not rise. */
    public static String[] crossing(int before, int now, long used, long capacity, long files) {
        if (now <= before) return null;
        String numbers = "uses %s of its %s request (%d%%), %d files"
                .formatted(
                        dev.nfsprov.provision.Capacity.human(used),
                        dev.nfsprov.provision.Capacity.human(capacity),
                        Math.round((double) used * 100 / capacity),
                        files);
        return now >= 100
                ? new String[] {
                    "VolumeOverCapacity",
                    "the volume " + numbers + ": NFS does not enforce the request, so it keeps growing into the share"
                            + " that other volumes use; free space in it, or grow the claim"
                }
                : new String[] {"VolumeNearlyFull", "the volume " + numbers + " (warning at " + now + "%)"};
    }
}
