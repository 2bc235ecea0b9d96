package dev.nfsprov.usage;

import dev.nfsprov.protocol.Names;
import dev.nfsprov.protocol.Quantities;
import dev.nfsprov.protocol.UsageRules;
import dev.nfsprov.provision.Capacity;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code nfsprov usage}'s rows: each nfsprov volume with its request and the usage the controller recorded on it. */
public final class UsageTable {
    private UsageTable() {}

    /** One volume; used, files and scanned are null until it was measured. */
    public record Row(
            String namespace,
            String claim,
            String volume,
            long request,
            Long used,
            Long files,
            Instant scanned,
            boolean partial) {
        public Integer percent() {
            return used == null || request <= 0 ? null : (int) Math.round((double) used * 100 / request);
        }
    }

    public static final List<String> SORTS = List.of("use", "used", "request", "files", "name");

    /** nfsprov's volumes (made by it, or measured by it) that are bound or claimed, in namespace (null: all). */
    public static List<Row> rows(List<PersistentVolume> volumes, String namespace) {
        List<Row> rows = new ArrayList<>();
        for (PersistentVolume v : volumes) {
            var a = v.getMetadata().getAnnotations() == null
                    ? Map.<String, String>of()
                    : v.getMetadata().getAnnotations();
            var ref = v.getSpec().getClaimRef();
            if (ref == null || v.getSpec().getNfs() == null) continue;
            if (!a.containsKey(UsageRules.ANN_USAGE) && !a.containsKey(Names.ANN_ON_DELETE)) continue;
            if (namespace != null && !namespace.equals(ref.getNamespace())) continue;
            var recorded = UsageRules.recorded(a);
            long request = v.getSpec().getCapacity() == null
                    ? 0
                    : Quantities.bytes(v.getSpec().getCapacity().get("storage"));
            rows.add(new Row(
                    ref.getNamespace(),
                    ref.getName(),
                    v.getMetadata().getName(),
                    request,
                    recorded == null ? null : recorded.bytes(),
                    recorded == null ? null : recorded.files(),
                    recorded == null ? null : recorded.scanned(),
                    recorded != null && recorded.partial()));
        }
        return rows;
    }

    public static List<Row> sorted(List<Row> rows, String by) {
        Comparator<Row> name = Comparator.comparing(Row::namespace).thenComparing(Row::claim);
        Comparator<Row> c = switch (by) {
            case "used" ->
                Comparator.comparing((Row r) -> r.used() == null ? -1 : r.used())
                        .reversed();
            case "request" -> Comparator.comparingLong(Row::request).reversed();
            case "files" ->
                Comparator.comparing((Row r) -> r.files() == null ? -1 : r.files())
                        .reversed();
            case "name" -> name;
            default ->
                Comparator.comparing((Row r) -> r.percent() == null ? -1 : r.percent())
                        .reversed();
        };
        return rows.stream().sorted(c.thenComparing(name)).toList();
    }

    public static final String[] HEADERS = {
        "NAMESPACE", "CLAIM", "VOLUME", "REQUEST", "USED", "USE%", "FILES", "LAST SCAN"
    };

    /** One row's cells, as the table shows them. */
    public static Object[] cells(Row r, Instant now) {
        return new Object[] {
            r.namespace(),
            r.claim(),
            r.volume(),
            Capacity.human(r.request()),
            r.used() == null ? null : (r.partial() ? ">=" : "") + Capacity.human(r.used()),
            r.percent() == null ? null : r.percent() + "%",
            r.files(),
            r.scanned() == null ? "never" : age(Duration.between(r.scanned(), now)) + " ago"
        };
    }

    /** For -o json|yaml: plain numbers and an instant. */
    public static List<Map<String, Object>> objects(List<Row> rows) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Row r : rows) {
            var m = new LinkedHashMap<String, Object>();
            m.put("namespace", r.namespace());
            m.put("claim", r.claim());
            m.put("volume", r.volume());
            m.put("requestBytes", r.request());
            m.put("usedBytes", r.used());
            m.put("usePercent", r.percent());
            m.put("files", r.files());
            m.put("scanned", r.scanned() == null ? null : r.scanned().toString());
            m.put("partial", r.partial());
            out.add(m);
        }
        return out;
    }

    /** kubectl's ages: 45s, 12m, 3h, 5d. */
    static String age(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 120) return s + "s";
        if (s < 7200) return s / 60 + "m";
        if (s < 172800) return s / 3600 + "h";
        return s / 86400 + "d";
    }
}
