package dev.nfsprov.controller;

import dev.nfsprov.protocol.Names;
import dev.nfsprov.protocol.Quantities;
import dev.nfsprov.provision.ShareCatalog;
import dev.nfsprov.provision.VolumeService.RejectedException;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import java.util.Objects;

/**
 * The claim a clone copies, found and checked: in the clone's namespace (ClaimRules refused any other), bound, to a
 * volume this provisioner made on one of its shares, and no larger than the clone asks for (as a CSI clone must be).
 * Each refusal says what to change; the claim is looked at again when it changes, or every few minutes.
 */
record CloneSource(PersistentVolume volume, ShareCatalog.Entry share) {

    static CloneSource find(Wiring w, PersistentVolumeClaim clone, String name) throws RejectedException {
        String ns = clone.getMetadata().getNamespace();
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
            throw new RejectedException(
                    "the claim to copy, " + key + ", is not bound yet; the copy is made once it is");
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
            throw new RejectedException("the volume of " + key + ", " + volumeName + ", was not made by "
                    + w.provisionerName() + " on a share it serves; nfsprov copies only its own volumes");
        }
        var capacity = volume.getSpec().getCapacity() == null
                ? null
                : volume.getSpec().getCapacity().get("storage");
        long bytes = capacity == null ? 0 : Quantities.bytes(capacity);
        long request =
                Quantities.bytes(clone.getSpec().getResources().getRequests().get("storage"));
        if (bytes > request) {
            throw new RejectedException("the claim to copy, " + key + ", holds " + capacity
                    + "; a copy of it must request at least as much");
        }
        return new CloneSource(volume, share);
    }

    String nfsServer() {
        return volume.getSpec().getNfs().getServer();
    }

    String nfsPath() {
        return volume.getSpec().getNfs().getPath();
    }
}
