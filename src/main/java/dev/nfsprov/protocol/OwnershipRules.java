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

    /**
     * What the controller's cache keeps of a Pod: its identity, and only for a Pod that mounts claims, those volumes,
     * its ids and which container mounts which volume. The cache holds every Pod of the cluster, so it keeps little.
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
        s.setVolumes(volumes(pod)
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
        s.setContainers(trim(spec.getContainers()));
        s.setInitContainers(trim(spec.getInitContainers()));
        trimmed.setSpec(s);
        return trimmed;
    }

    private static List<Container> trim(List<Container> containers) {
        if (containers == null) return List.of();
        return containers.stream()
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

    /**
     * Who the directory is given to: group fsGroup, else runAsGroup, else the runAsUser's number (the image's
     * primary group is not in the spec); owner runAsUser when set. Empty when the Pod names no id.
     */
    public static Optional<DirectoryOwner> ownerFor(PodIds ids) {
        OptionalLong gid =
                ids.fsGroup().isPresent() ? ids.fsGroup() : ids.runAsGroup().isPresent() ? ids.runAsGroup() : ids.uid();
        if (gid.isEmpty() || !fits(gid) || !fits(ids.uid())) return Optional.empty();
        return Optional.of(new DirectoryOwner(
                ids.uid().isPresent() ? OptionalInt.of((int) ids.uid().getAsLong()) : OptionalInt.empty(),
                (int) gid.getAsLong()));
    }

    private static boolean fits(OptionalLong id) {
        return id.isEmpty() || (id.getAsLong() >= 0 && id.getAsLong() <= Integer.MAX_VALUE);
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

    /**
     * The verdict for a volume with these annotations and the Pods that use its claim (any order; the oldest is
     * the first consumer).
     */
    public static OwnershipVerdict decide(Map<String, String> volumeAnnotations, List<Pod> consumers, String claim) {
        if (!consumerOwned(volumeAnnotations)) return new OwnershipVerdict.Nothing();
        var a = volumeAnnotations;
        List<PodIds> pods = consumers.stream()
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
                var o = ownerFor(p);
                if (o.isPresent()) return new OwnershipVerdict.Take(o.get(), p.pod());
            }
            return new OwnershipVerdict.NoIds(pods.getFirst().pod());
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
