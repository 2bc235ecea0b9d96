package dev.nfsprov.reclaim;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where an archive came from, written beside it when a volume is archived (".nfsprov.archived-NAME" in the same
 * parent, which tenants cannot write, unlike the archive itself): what restore and retention need to know.
 */
public record ArchiveRecord(
        String volume, String namespace, String claim, String storageClass, String capacity, Instant archived) {

    public String format() {
        var m = new LinkedHashMap<String, String>();
        m.put("volume", volume);
        m.put("namespace", namespace);
        m.put("claim", claim);
        m.put("storageClass", storageClass);
        m.put("capacity", capacity);
        m.put("archived", archived.toString());
        var b = new StringBuilder();
        m.forEach((k, v) ->
                b.append(k).append('=').append(v == null ? "" : clean(v)).append('\n'));
        return b.toString();
    }

    /** Names come from tenants: one line each, so a value cannot forge another key. */
    private static String clean(String v) {
        return v.replaceAll("[\\r\\n=]", "_");
    }

    /** The record in a marker's text; null when it is not one (an older marker, or garbage). */
    public static ArchiveRecord parse(String text) {
        if (text == null) return null;
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            int i = line.indexOf('=');
            if (i > 0) m.put(line.substring(0, i), line.substring(i + 1));
        }
        if (!m.containsKey("volume") || !m.containsKey("archived")) return null;
        try {
            return new ArchiveRecord(
                    m.get("volume"),
                    blankToNull(m.get("namespace")),
                    blankToNull(m.get("claim")),
                    blankToNull(m.get("storageClass")),
                    blankToNull(m.get("capacity")),
                    Instant.parse(m.get("archived")));
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
