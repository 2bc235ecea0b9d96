package dev.nfsprov.provision;

import dev.nfsprov.provision.VolumeService.RejectedException;
import java.math.BigDecimal;
import java.util.Locale;
import java.util.Map;

/**
 * Whether the share has room for a new volume, or for a volume's growth, under the class's capacityPolicy: none
 * (nfs-subdir's: a size is a label), free (the share's available bytes must cover the request), or provisioned (the
 * requests of this share's volumes must stay within its size times overcommit).
 */
public final class Capacity {
    private Capacity() {}

    public static final String PARAM_POLICY = "capacityPolicy";
    public static final String PARAM_OVERCOMMIT = "overcommit";

    public enum Policy {
        NONE,
        FREE,
        PROVISIONED
    }

    /** The share as statvfs sees it, and the sum of the requests of the volumes on it. */
    public record Space(long size, long available, long provisioned) {}

    public static Policy policy(Map<String, String> classParameters) throws RejectedException {
        String v = classParameters == null ? null : classParameters.get(PARAM_POLICY);
        if (v == null || v.isBlank()) return Policy.NONE;
        try {
            return Policy.valueOf(v.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new RejectedException(
                    "StorageClass parameter " + PARAM_POLICY + "=\"" + v + "\" is not one of none, free, provisioned");
        }
    }

    public static BigDecimal overcommit(Map<String, String> classParameters) throws RejectedException {
        String v = classParameters == null ? null : classParameters.get(PARAM_OVERCOMMIT);
        if (v == null || v.isBlank()) return BigDecimal.ONE;
        try {
            var o = new BigDecimal(v.strip());
            if (o.signum() > 0 && o.compareTo(BigDecimal.valueOf(1000)) <= 0) return o;
        } catch (NumberFormatException e) {
            // said below
        }
        throw new RejectedException("StorageClass parameter " + PARAM_OVERCOMMIT + "=\"" + v
                + "\" is not a number above 0 such as 1.0 or 1.5");
    }

    /**
     * Why {@code bytes} more (a new volume's request, or a volume's growth) must wait, or null when they fit. The
     * message has the numbers an administrator needs.
     */
    public static String refusal(Map<String, String> classParameters, long bytes, Space space)
            throws RejectedException {
        Policy policy = policy(classParameters);
        BigDecimal overcommit = overcommit(classParameters);
        return switch (policy) {
            case NONE -> null;
            case FREE ->
                space.available() >= bytes
                        ? null
                        : "the share has " + human(space.available()) + " available and " + human(bytes)
                                + " more is asked for (StorageClass " + PARAM_POLICY + ": free); it is provisioned"
                                + " as soon as space allows";
            case PROVISIONED -> {
                long limit = new BigDecimal(space.size())
                        .multiply(overcommit)
                        .min(BigDecimal.valueOf(Long.MAX_VALUE))
                        .longValue();
                if (bytes > limit)
                    yield human(bytes) + " is more than this share can ever hold under StorageClass " + PARAM_POLICY
                            + ": provisioned (its " + human(space.size()) + ", " + PARAM_OVERCOMMIT + " "
                            + overcommit.toPlainString() + ", allow " + human(limit) + " in all); ask for less";
                yield add(space.provisioned(), bytes) <= limit
                        ? null
                        : "this share's volumes request " + human(space.provisioned()) + " of its "
                                + human(space.size()) + " (" + PARAM_OVERCOMMIT + " " + overcommit.toPlainString()
                                + " allows " + human(limit) + "); " + human(bytes) + " more would exceed it"
                                + " (StorageClass " + PARAM_POLICY + ": provisioned); it is provisioned as soon as"
                                + " space allows";
            }
        };
    }

    /** a + b for sizes (never negative), at most Long.MAX_VALUE: a sum of tenants' requests cannot wrap round. */
    public static long add(long a, long b) {
        long r = a + b;
        return r < 0 ? Long.MAX_VALUE : r;
    }

    /** Bytes as kubectl users read them: 1.5Gi, 512Mi, 100Ki, 12 (binary units, as claims are usually written). */
    public static String human(long bytes) {
        String[] units = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
        double v = bytes;
        int u = 0;
        while (Math.abs(v) >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        if (u == 0) return bytes + "";
        String s = String.format(Locale.ROOT, v >= 100 ? "%.0f" : "%.1f", v);
        return (s.endsWith(".0") ? s.substring(0, s.length() - 2) : s) + units[u];
    }
}
