package dev.nfsprov.reclaim;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Which archives a class's retention lets go: archiveRetention (older than, e.g. 30d) and archiveMaxBytes (the
 * oldest first, until each namespace's archives of the class fit: a budget per namespace, so that one tenant's large
 * archive never makes another tenant's go). Only archives whose record names the class are ever chosen: an archive
 * of unknown origin is the administrator's.
 */
public final class Retention {
    private Retention() {}

    public static final String PARAM_RETENTION = "archiveRetention";
    public static final String PARAM_MAX_BYTES = "archiveMaxBytes";

    /** An archive with its record and size (-1 when not measured). */
    public record Held(Archives.Archive archive, long bytes) {}

    /** One archive to delete, and why (for the log line). */
    public record Expired(Archives.Archive archive, String reason) {}

    public static Duration retention(Map<String, String> classParameters) {
        return duration(classParameters, PARAM_RETENTION);
    }

    /** A class parameter holding a duration (archiveRetention, snapshotRetention), or null when unset. */
    public static Duration duration(Map<String, String> classParameters, String parameter) {
        String v = classParameters == null ? null : classParameters.get(parameter);
        if (v == null || v.isBlank()) return null;
        return duration(v, "StorageClass parameter " + parameter);
    }

    /** A duration as 30d, 12h or 90m; {@code what} names where it was read, for the refusal. */
    public static Duration duration(String v, String what) {
        var m = Pattern.compile("([0-9]{1,6})([dhm])").matcher(v.strip());
        if (!m.matches() || Long.parseLong(m.group(1)) == 0)
            throw new IllegalArgumentException(what + "=\"" + v + "\" is not a duration such as 30d, 12h or 90m");
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "d" -> Duration.ofDays(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofMinutes(n);
        };
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return r < 0 ? Long.MAX_VALUE : r;
    }

    public static Long maxBytes(Map<String, String> classParameters) {
        String v = classParameters == null ? null : classParameters.get(PARAM_MAX_BYTES);
        if (v == null || v.isBlank()) return null;
        try {
            var q = new io.fabric8.kubernetes.api.model.Quantity(v.strip()).getNumericalAmount();
            if (q.signum() >= 0)
                return q.min(java.math.BigDecimal.valueOf(Long.MAX_VALUE)).longValue();
        } catch (RuntimeException e) {
            // said below
        }
        throw new IllegalArgumentException(
                "StorageClass parameter " + PARAM_MAX_BYTES + "=\"" + v + "\" is not a size such as 100Gi");
    }

    /** The archives of one class (by their record) to delete now, oldest first. */
    public static List<Expired> expired(List<Held> ofClass, Map<String, String> classParameters, Instant now) {
        Duration keep = retention(classParameters);
        Long max = maxBytes(classParameters);
        List<Held> oldestFirst = ofClass.stream()
                .filter(h -> h.archive().record() != null)
                .sorted(Comparator.comparing((Held h) -> h.archive().record().archived()))
                .toList();
        List<Expired> out = new ArrayList<>();
        List<Held> kept = new ArrayList<>();
        for (Held h : oldestFirst) {
            var age = Duration.between(h.archive().record().archived(), now);
            if (keep != null && age.compareTo(keep) > 0) {
                out.add(new Expired(h.archive(), "archived " + age.toDays() + "d ago, beyond " + PARAM_RETENTION));
            } else {
                kept.add(h);
            }
        }
        if (max != null) {
            var byNamespace = new java.util.TreeMap<String, List<Held>>();
            for (Held h : kept) {
                String ns = h.archive().record().namespace();
                byNamespace
                        .computeIfAbsent(ns == null ? "" : ns, k -> new ArrayList<>())
                        .add(h);
            }
            byNamespace.forEach((ns, ofNamespace) -> {
                // rest[i]: the bytes of archive i and every newer one (kept is oldest first), at most Long.MAX_VALUE
                long[] rest = new long[ofNamespace.size() + 1];
                for (int i = ofNamespace.size() - 1; i >= 0; i--)
                    rest[i] = saturatedAdd(
                            rest[i + 1], Math.max(0, ofNamespace.get(i).bytes()));
                for (int i = 0; i < ofNamespace.size() && rest[i] > max; i++)
                    out.add(new Expired(
                            ofNamespace.get(i).archive(),
                            "namespace " + (ns.isEmpty() ? "(unknown)" : ns) + "'s archives of the class hold "
                                    + rest[i] + " bytes, beyond " + PARAM_MAX_BYTES + " " + max
                                    + "; its oldest go first"));
            });
        }
        return out;
    }
}
