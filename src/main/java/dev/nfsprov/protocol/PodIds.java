package dev.nfsprov.protocol;

import java.util.List;
import java.util.OptionalLong;
import java.util.TreeSet;

/**
 * The ids a Pod uses a claim's volume with, as its spec says: the user and group of the first container mounting it
 * (its own securityContext over the Pod's), the Pod's fsGroup and supplemental groups (the kubelet adds both to
 * every container's groups, though it never applies fsGroup to an NFS volume's files).
 */
public record PodIds(
        String pod, OptionalLong uid, OptionalLong runAsGroup, OptionalLong fsGroup, List<Long> supplementalGroups) {

    /** Whether the spec names any id at all; a Pod that does not runs as its image's user, unknown here. */
    public boolean namesAny() {
        return uid.isPresent() || runAsGroup.isPresent() || fsGroup.isPresent();
    }

    /** Every group the Pod's processes are known to have. */
    public TreeSet<Long> groups() {
        var all = new TreeSet<>(supplementalGroups);
        runAsGroup.ifPresent(all::add);
        fsGroup.ifPresent(all::add);
        return all;
    }

    public String describe() {
        var parts = new java.util.ArrayList<String>();
        uid.ifPresent(u -> parts.add("runAsUser " + u));
        runAsGroup.ifPresent(g -> parts.add("runAsGroup " + g));
        fsGroup.ifPresent(g -> parts.add("fsGroup " + g));
        if (!supplementalGroups.isEmpty()) parts.add("supplementalGroups " + supplementalGroups);
        return parts.isEmpty() ? "no runAsUser, runAsGroup or fsGroup" : String.join(", ", parts);
    }
}
