package dev.nfsprov.protocol;

import dev.nfsprov.share.DirectoryOwner;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * Ownership from the consumer: which Pods use a claim, which ids they run with, who the volume's directory is
 * given to (once), and whether a Pod's ids can write a directory. Shared by the controller and doctor.
 */
public final class OwnershipRules {
    private OwnershipRules() {}

    /** Claim names a Pod mounts. */
    public static List<String> claims(Pod pod) {
        return volumes(pod)
                .map(v -> v.getPersistentVolumeClaim().getClaimName())
                .filter(Objects::nonNull)
                .distinct()
                .toList();
    }

    private static Stream<Volume> volumes(Pod pod) {
        PodSpec spec = pod.getSpec();
        if (spec == null || spec.getVolumes() == null) return Stream.empty();
        return spec.getVolumes().stream().filter(v -> v.getPersistentVolumeClaim() != null);
    }

    /** Claims and containers kept of one Pod: a Pod may name 25,000 claims, and the API server takes it. */
    public static final int MAX_CLAIMS_KEPT = 16, MAX_CONTAINERS_KEPT = 16;

    /**
     * What the controller's cache keeps of a Pod: its identity, the node it is bound to, and only for a Pod that
     * mounts claims, the first {@link #MAX_CLAIMS_KEPT} of those volumes, its ids and which of the first
     * {@link #MAX_CONTAINERS_KEPT} containers mounts them. Bounded whatever the Pod, so that a tenant's Pods cost a
     * fixed amount each.
     */
    public static Pod trim(Pod pod) {
        var m = pod.getMetadata();
        var meta = new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
                .withName(m.getName())
                .withNamespace(m.getNamespace())
                .withUid(m.getUid())
                .withResourceVersion(m.getResourceVersion())
                .withCreationTimestamp(m.getCreationTimestamp())
                .build();
        var trimmed = new Pod();
        trimmed.setMetadata(meta);
        if (volumes(pod).findAny().isEmpty()) return trimmed;
        PodSpec spec = pod.getSpec();
        var s = new PodSpec();
        s.setNodeName(spec.getNodeName());
        var kept = volumes(pod).limit(MAX_CLAIMS_KEPT).toList();
        var keptNames = kept.stream().map(Volume::getName).collect(java.util.stream.Collectors.toSet());
        s.setVolumes(kept.stream()
                .map(v -> new io.fabric8.kubernetes.api.model.VolumeBuilder()
                        .withName(v.getName())
                        .withNewPersistentVolumeClaim()
                        .withClaimName(v.getPersistentVolumeClaim().getClaimName())
                        .endPersistentVolumeClaim()
                        .build())
                .toList());
        var p = spec.getSecurityContext();
        if (p != null) {
            s.setSecurityContext(new io.fabric8.kubernetes.api.model.PodSecurityContextBuilder()
                    .withRunAsUser(p.getRunAsUser())
                    .withRunAsGroup(p.getRunAsGroup())
                    .withFsGroup(p.getFsGroup())
                    .withSupplementalGroups(p.getSupplementalGroups())
                    .build());
        }
        s.setContainers(trim(spec.getContainers(), keptNames));
        s.setInitContainers(trim(spec.getInitContainers(), keptNames));
        trimmed.setSpec(s);
        return trimmed;
    }

    private static List<Container> trim(List<Container> containers, java.util.Set<String> volumes) {
        if (containers == null) return List.of();
        return containers.stream()
                .limit(MAX_CONTAINERS_KEPT)
                .map(c -> {
                    var t = new Container();
                    t.setName(c.getName());
                    if (c.getSecurityContext() != null) {
                        var sc = new SecurityContext();
                        sc.setRunAsUser(c.getSecurityContext().getRunAsUser());
                        sc.setRunAsGroup(c.getSecurityContext().getRunAsGroup());
                        t.setSecurityContext(sc);
                    }
                    if (c.getVolumeMounts() != null) {
                        t.setVolumeMounts(c.getVolumeMounts().stream()
                                .filter(v -> volumes.contains(v.getName()))
                                .limit(MAX_CLAIMS_KEPT)
                                .map(v -> new io.fabric8.kubernetes.api.model.VolumeMount(
                                        null, v.getName(), null, null, null, null, null))
                                .toList());
                    }
                    return t;
                })
                .toList();
    }

    /**
     * The ids the Pod uses the claim with: the first container mounting it (then init containers), its
     * securityContext over the Pod's; empty when the Pod does not mount the claim.
     */
    public static Optional<PodIds> ids(Pod pod, String claim) {
        List<String> volumeNames = volumes(pod)
                .filter(v -> claim.equals(v.getPersistentVolumeClaim().getClaimName()))
                .map(Volume::getName)
                .toList();
        if (volumeNames.isEmpty()) return Optional.empty();
        PodSpec spec = pod.getSpec();
        SecurityContext container = Stream.concat(
                        spec.getContainers() == null ? Stream.empty() : spec.getContainers().stream(),
                        spec.getInitContainers() == null ? Stream.empty() : spec.getInitContainers().stream())
                .filter(c -> c.getVolumeMounts() != null
                        && c.getVolumeMounts().stream().anyMatch(m -> volumeNames.contains(m.getName())))
                .findFirst()
                .map(Container::getSecurityContext)
                .orElse(null);
        PodSecurityContext p = spec.getSecurityContext();
        Long uid = container != null && container.getRunAsUser() != null
                ? container.getRunAsUser()
                : p == null ? null : p.getRunAsUser();
        Long gid = container != null && container.getRunAsGroup() != null
                ? container.getRunAsGroup()
                : p == null ? null : p.getRunAsGroup();
        return Optional.of(new PodIds(
                pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName(),
                optional(uid),
                optional(gid),
                optional(p == null ? null : p.getFsGroup()),
                p == null || p.getSupplementalGroups() == null ? List.of() : List.copyOf(p.getSupplementalGroups())));
    }

    private static OptionalLong optional(Long v) {
        return v == null ? OptionalLong.empty() : OptionalLong.of(v);
    }

    /** The ids a directory may be given: the class's directoryIdRange (never 0 unless it says so). */
    public record IdRange(long min, long max) {
        /** directoryIdRange's default: any id but root's. */
        public static final IdRange DEFAULT = new IdRange(1, Integer.MAX_VALUE);

        boolean holds(OptionalLong id) {
            return id.isEmpty() || (id.getAsLong() >= min && id.getAsLong() <= max);
        }

        @Override
        public String toString() {
            return min + "-" + max;
        }
    }

    /**
     * Who the directory is given to: group fsGroup, else runAsGroup, else the runAsUser's number (the image's
     * primary group is not in the spec); owner runAsUser when set. Empty when the Pod names no id.
     */
    public static Optional<DirectoryOwner> ownerFor(PodIds ids) {
        return ownerFor(ids, new IdRange(0, Integer.MAX_VALUE));
    }

    /** The same, empty unless both ids lie in the range (a tenant chooses their Pod's ids: 0 is root's). */
    public static Optional<DirectoryOwner> ownerFor(PodIds ids, IdRange range) {
        OptionalLong gid = group(ids);
        if (gid.isEmpty() || !range.holds(gid) || !range.holds(ids.uid())) return Optional.empty();
        if (!fits(gid) || !fits(ids.uid())) return Optional.empty();
        return Optional.of(new DirectoryOwner(
                ids.uid().isPresent() ? OptionalInt.of((int) ids.uid().getAsLong()) : OptionalInt.empty(),
                (int) gid.getAsLong()));
    }

    private static OptionalLong group(PodIds ids) {
        return ids.fsGroup().isPresent() ? ids.fsGroup() : ids.runAsGroup().isPresent() ? ids.runAsGroup() : ids.uid();
    }

    private static boolean fits(OptionalLong id) {
        return id.isEmpty() || (id.getAsLong() >= 0 && id.getAsLong() <= Integer.MAX_VALUE);
    }

    /** Whether the scheduler has bound the Pod to a node (only such a Pod runs, and may choose a volume's owner). */
    public static boolean bound(Pod pod) {
        return pod.getSpec() != null
                && pod.getSpec().getNodeName() != null
                && !pod.getSpec().getNodeName().isEmpty();
    }

    /** Whether a Pod can write a directory; empty when its user is not in its spec (the image's user). */
    public static Optional<Boolean> canWrite(PodIds ids, long ownerUid, long ownerGid, int mode) {
        if (ids.uid().isEmpty()) return Optional.empty();
        long uid = ids.uid().getAsLong();
        if (uid == 0) return Optional.of(true); // root (squashed root is the share's business: doctor says so)
        int needed = 03; // write and search
        if (uid == ownerUid) return Optional.of((mode >> 6 & needed) == needed);
        if (ids.groups().contains(ownerGid)) return Optional.of((mode >> 3 & needed) == needed);
        return Optional.of((mode & needed) == needed);
    }

    /** Whether a volume with these annotations is given to its first consumer (its class said ownership: consumer). */
    public static boolean consumerOwned(Map<String, String> volumeAnnotations) {
        return volumeAnnotations != null && Names.OWNERSHIP_CONSUMER.equals(volumeAnnotations.get(Names.ANN_OWNERSHIP));
    }

    /** As {@link #decide(Map, List, String, IdRange)} with directoryIdRange's default. */
    public static OwnershipVerdict decide(Map<String, String> volumeAnnotations, List<Pod> consumers, String claim) {
        return decide(volumeAnnotations, consumers, claim, IdRange.DEFAULT);
    }

    /**
     * The verdict for a volume with these annotations and the Pods that use its claim (any order; the oldest bound
     * to a node is the first consumer: a Pod that never schedules never runs, and must not choose the owner), whose
     * ids must lie in the class's range.
     */
    public static OwnershipVerdict decide(
            Map<String, String> volumeAnnotations, List<Pod> consumers, String claim, IdRange range) {
        if (!consumerOwned(volumeAnnotations)) return new OwnershipVerdict.Nothing();
        var a = volumeAnnotations;
        List<PodIds> pods = consumers.stream()
                .filter(OwnershipRules::bound)
                .sorted(Comparator.comparing(
                                (Pod p) -> String.valueOf(p.getMetadata().getCreationTimestamp()))
                        .thenComparing(p -> p.getMetadata().getName()))
                .map(p -> ids(p, claim))
                .flatMap(Optional::stream)
                .toList();
        String recorded = a.get(Names.ANN_OWNER);
        DirectoryOwner owner = null;
        if (recorded != null) {
            try {
                owner = DirectoryOwner.parse(recorded);
            } catch (IllegalArgumentException e) {
                owner = null; // edited by hand into something unreadable: decided again, as if never recorded
            }
        }
        if (owner == null) {
            if (pods.isEmpty()) return new OwnershipVerdict.Waiting();
            for (PodIds p : pods) {
                var o = ownerFor(p, range);
                if (o.isPresent()) return new OwnershipVerdict.Take(o.get(), p.pod());
            }
            PodIds first = pods.getFirst();
            boolean named = group(first).isPresent();
            return new OwnershipVerdict.NoIds(
                    first.pod(),
                    named
                            ? "runs with " + first.describe() + ", outside the ids the StorageClass lets a directory be"
                                    + " given to (directoryIdRange " + range + ")"
                            : "names no runAsUser, runAsGroup or fsGroup");
        }
        if (!a.containsKey(Names.ANN_OWNER_APPLIED)) return new OwnershipVerdict.Finish(owner);
        List<String> misfits = new ArrayList<>();
        for (PodIds p : pods) {
            if (ownerFor(p).equals(Optional.of(owner))) continue;
            if (canWrite(p, owner.uid().orElse(-1), owner.gid(), DirectoryOwner.GIVEN_MODE)
                    .orElse(true)) continue;
            misfits.add("Pod " + p.pod() + " runs with " + p.describe() + ", but the volume's directory was given to "
                    + owner.describe() + " (mode 2770) by the first Pod that used it; it is not changed. Run the Pod"
                    + " with fsGroup " + owner.gid() + ", or change the directory's owner by hand");
        }
        return misfits.isEmpty() ? new OwnershipVerdict.Nothing() : new OwnershipVerdict.Misfits(owner, misfits);
    }
}
