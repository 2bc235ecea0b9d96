package dev.nfsprov.provision;

import dev.nfsprov.provision.VolumeService.RejectedException;
import dev.nfsprov.reclaim.OnDelete;
import dev.nfsprov.reclaim.Retention;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Which StorageClass parameter names nfsprov reads, and what it does with the others. nfs-subdir ignores every key it
 * does not read, and classes written for it carry junk copied from other provisioners (mountOptions under
 * parameters, a CSI driver's keys): those are ignored here too, and said once. A key that is a near-miss of one
 * nfsprov reads (archiveOnDelet, Ownership) is refused instead: ignored, it would silently give the volume the
 * default (a world-writable directory instead of a consumer-owned one, no capacity check, any owner id).
 */
public final class ClassParameters {
    private ClassParameters() {}

    /** Every StorageClass parameter nfsprov reads. */
    public static final List<String> KNOWN = List.of(
            VolumeService.PARAM_PATH_PATTERN,
            OnDelete.PARAM_ON_DELETE,
            OnDelete.PARAM_ARCHIVE_ON_DELETE,
            VolumeService.PARAM_EXISTING_DIRECTORY,
            VolumeService.PARAM_DIRECTORY_ANNOTATIONS,
            VolumeService.PARAM_DIRECTORY_ID_RANGE,
            VolumeService.PARAM_NESTED_VALUES,
            VolumeService.PARAM_OWNERSHIP,
            ShareCatalog.PARAM_SHARE,
            Capacity.PARAM_POLICY,
            Capacity.PARAM_OVERCOMMIT,
            Retention.PARAM_RETENTION,
            Retention.PARAM_MAX_BYTES,
            Snapshots.PARAM_RETENTION);

    /** The known key a name is a near-miss of (case aside, or at most two letters off), or null. */
    public static String nearMiss(String key) {
        if (KNOWN.contains(key)) return null;
        for (String k : KNOWN) {
            if (k.equalsIgnoreCase(key)) return k;
            if (key.length() >= 5 && distance(k.toLowerCase(Locale.ROOT), key.toLowerCase(Locale.ROOT)) <= 2) return k;
        }
        return null;
    }

    /** Refuses a near-miss of a known key, naming it; other unknown keys pass (see {@link #notes}). */
    public static void check(Map<String, String> classParameters) throws RejectedException {
        if (classParameters == null) return;
        for (String key : new TreeSet<>(classParameters.keySet())) {
            String meant = nearMiss(key);
            if (meant != null)
                throw new RejectedException("StorageClass parameter \"" + key + "\" is not one nfsprov knows: did you"
                        + " mean " + meant + "? (a near-miss of a parameter is refused, not ignored: ignored, the"
                        + " volume would get that parameter's default)");
        }
    }

    /**
     * Every rule the controller applies to a class's parameters when it provisions, applied now: a near-miss key,
     * a value it would refuse. The share's name is checked against the controller's shares by the controller alone.
     */
    public static void validate(Map<String, String> p) throws RejectedException {
        check(p);
        String pattern = p == null ? null : p.get(VolumeService.PARAM_PATH_PATTERN);
        if (pattern != null && !pattern.isBlank()) {
            try {
                dev.nfsprov.pathtemplate.PathTemplate.parse(pattern);
            } catch (dev.nfsprov.pathtemplate.InvalidPathException e) {
                throw new RejectedException("StorageClass parameter " + e.getMessage());
            }
        }
        VolumeService.annotationPolicy(p);
        VolumeService.idRange(p);
        VolumeService.nestedValues(p);
        VolumeService.consumerOwnership(p);
        VolumeService.existing(p);
        VolumeService.onDelete(p);
        Capacity.policy(p);
        Capacity.overcommit(p);
        try {
            Retention.retention(p);
            Retention.maxBytes(p);
        } catch (IllegalArgumentException e) {
            throw new RejectedException(e.getMessage());
        }
    }

    /** The keys nfsprov does not read and ignores (nfs-subdir ignores them too), in order. */
    public static List<String> ignored(Map<String, String> classParameters) {
        var out = new ArrayList<String>();
        if (classParameters == null) return out;
        for (String key : new TreeSet<>(classParameters.keySet()))
            if (!KNOWN.contains(key) && nearMiss(key) == null) out.add(key);
        return out;
    }

    /**
     * What a class's owner should hear, without anything being refused: a blank pathPattern (nfs-subdir's default
     * layout is used, as its master branch does), keys ignored. Empty when there is nothing to say.
     */
    public static List<String> notes(Map<String, String> classParameters) {
        var out = new ArrayList<String>();
        if (classParameters == null) return out;
        String pattern = classParameters.get(VolumeService.PARAM_PATH_PATTERN);
        if (pattern != null && pattern.isBlank())
            out.add("pathPattern is empty: nfs-subdir's default layout (${.PVC.namespace}-${.PVC.name}-${.PV.name}) is"
                    + " used");
        var ignored = ignored(classParameters);
        if (!ignored.isEmpty())
            out.add("StorageClass parameter(s) " + String.join(", ", ignored) + " are not ones nfsprov reads, and are"
                    + " ignored (as nfs-subdir ignores them)"
                    + (ignored.contains("mountOptions")
                            ? "; mount options belong in the class's own mountOptions field, not its parameters"
                            : ""));
        return out;
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1], cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
