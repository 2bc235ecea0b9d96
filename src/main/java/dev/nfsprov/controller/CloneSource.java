package dev.nfsprov.controller;

import dev.nfsprov.api.ClaimSnapshot;
import dev.nfsprov.pathtemplate.RelativePath;
import dev.nfsprov.protocol.ClaimVerdict;
import dev.nfsprov.protocol.Names;
import dev.nfsprov.protocol.Quantities;
import dev.nfsprov.provision.ShareCatalog;
import dev.nfsprov.provision.Snapshots;
import dev.nfsprov.provision.VolumeService.RejectedException;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import java.util.Objects;

/**
 * What a new volume is copied from, found and checked: for a clone, a claim of the clone's namespace (ClaimRules
 * refused any other), bound, to a volume this provisioner made on one of its shares; for a restore, a ready
 * ClaimSnapshot of that namespace. Either must be no larger than the new claim asks for (as a CSI clone must be).
 * Each refusal says what to change; the claim is looked at again when it changes, or every few minutes.
 *
 * @param volume the source claim's volume (null for a snapshot)
 * @param bytes the capacity a copy must have, {@code size} as written
 */
record CloneSource(
        ShareCatalog.Entry share,
        RelativePath directory,
        String what,
        long bytes,
        String size,
        PersistentVolume volume) {

    /** The source of a Clone or Restore verdict, checked against the new claim's request. */
    static CloneSource find(Wiring w, PersistentVolumeClaim claim, ClaimVerdict copy) throws RejectedException {
        String ns = claim.getMetadata().getNamespace();
        CloneSource source = switch (copy) {
            case ClaimVerdict.Clone c -> boundClaim(w, ns, c.source());
            case ClaimVerdict.Restore r -> snapshot(w, ns, r.snapshot());
            default -> throw new IllegalArgumentException("not a copy: " + copy);
        };
        long request =
                Quantities.bytes(claim.getSpec().getResources().getRequests().get("storage"));
        if (source.bytes > request) {
            throw new RejectedException(
                    source.what + " holds " + source.size + "; a copy of it must request at least as much");
        }
        return source;
    }

    /** A bound claim of this namespace on a volume this provisioner made: what clones and snapshots copy. */
    static CloneSource boundClaim(Wiring w, String ns, String name) throws RejectedException {
        String key = ns + "/" + name;
        PersistentVolumeClaim source = w.client()
                .persistentVolumeClaims()
                .inNamespace(ns)
                .withName(name)
                .get();
        if (source == null) throw new RejectedException("the claim to copy, " + key + ", does not exist");
        String volumeName = source.getSpec() == null ? null : source.getSpec().getVolumeName();
        String phase = source.getStatus() == null ? null : source.getStatus().getPhase();
        if (volumeName == null || volumeName.isEmpty() || !"Bound".equals(phase)) {
            throw new NotBoundYet("the claim to copy, " + key + ", is not bound yet; the copy is made once it is");
        }
        PersistentVolume volume =
                w.client().persistentVolumes().withName(volumeName).get();
        var ref = volume == null ? null : volume.getSpec().getClaimRef();
        if (ref == null || !Objects.equals(ref.getUid(), source.getMetadata().getUid()))
            throw new RejectedException("the volume of " + key + ", " + volumeName + ", is not bound to it");
        var annotations = volume.getMetadata().getAnnotations();
        var nfs = volume.getSpec().getNfs();
        var share = nfs == null
                ? null
                : w.shares().forVolume(nfs.getServer(), nfs.getPath()).orElse(null);
        if (annotations == null
                || !w.provisionerName().equals(annotations.get(Names.ANN_PROVISIONED_BY))
                || share == null) {
            throw new NotOurs("the volume of " + key + ", " + volumeName + ", was not made by " + w.provisionerName()
                    + " on a share it serves; nfsprov copies only its own volumes");
        }
        RelativePath directory = share.volumes().volumeDirectory(nfs.getServer(), nfs.getPath());
        var capacity = volume.getSpec().getCapacity() == null
                ? null
                : volume.getSpec().getCapacity().get("storage");
        return new CloneSource(
                share,
                directory,
                "claim " + key + " (volume " + volumeName + ")",
                capacity == null ? 0 : Quantities.bytes(capacity),
                capacity == null ? "0" : capacity.toString(),
                volume);
    }

    /** A ready snapshot of this namespace, by name. */
    static CloneSource snapshot(Wiring w, String ns, String name) throws RejectedException {
        String key = ns + "/" + name;
        ClaimSnapshot snapshot = w.client()
                .resources(ClaimSnapshot.class)
                .inNamespace(ns)
                .withName(name)
                .get();
        if (snapshot == null) throw new RejectedException("the ClaimSnapshot " + key + " does not exist");
        var status = snapshot.getStatus();
        if (status == null || !status.ready()) {
            throw new NotBoundYet("the ClaimSnapshot " + key + " is not ready yet"
                    + (status == null || status.message() == null ? "" : " (" + status.message() + ")")
                    + "; the volume is made once it is");
        }
        if (!w.provisionerName().equals(status.provisioner()))
            throw new RejectedException("the ClaimSnapshot " + key + " was taken by provisioner " + status.provisioner()
                    + "; restore it with a StorageClass of that provisioner");
        var share = w.shares().all().stream()
                .filter(s -> s.name().equals(status.share()))
                .findFirst()
                .orElseThrow(() -> new RejectedException("the ClaimSnapshot " + key + " is kept on share "
                        + status.share() + ", which this controller does not serve"));
        String uid = snapshot.getMetadata().getUid();
        if (!Snapshots.validId(uid)) throw new RejectedException("the ClaimSnapshot " + key + " has no usable uid");
        String size = status.restoreSize() == null ? "0" : status.restoreSize();
        return new CloneSource(
                share,
                Snapshots.directoryOf(uid),
                "ClaimSnapshot " + key + " (taken " + status.takenAt() + ")",
                Quantities.bytes(new io.fabric8.kubernetes.api.model.Quantity(size)),
                size,
                null);
    }

    /** The source claim is another provisioner's: a snapshot of it is that provisioner's to take. */
    static final class NotOurs extends RejectedException {
        NotOurs(String message) {
            super(message);
        }
    }

    /** The source exists but is not ready: looked at again soon rather than in minutes. */
    static final class NotBoundYet extends RejectedException {
        NotBoundYet(String message) {
            super(message);
        }
    }
}
