package dev.nfsprov.protocol;

import dev.nfsprov.provision.VolumeService;
import dev.nfsprov.reclaim.OnDelete;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** The provisioner's decisions about its volumes, each with a reason. */
public final class VolumeRules {
    private VolumeRules() {}

    /** Made by this provisioner (or by nfs-subdir under the same name, which it takes over). */
    public static boolean ours(PersistentVolume volume, String provisioner) {
        var a = volume.getMetadata().getAnnotations();
        return a != null && provisioner.equals(a.get(Names.ANN_PROVISIONED_BY));
    }

    /**
     * The verdict for a volume whose class (null if it is gone) is {@code storageClass}; {@code sharing} names other
     * PersistentVolumes whose nfs server and path are this volume's or lie inside it (a static PV copied from this
     * one or made for a sub-directory, a claim re-created under a reusable pattern): their data is never reclaimed
     * from under them.
     */
    public static VolumeVerdict decide(
            PersistentVolume volume, StorageClass storageClass, String provisioner, Supplier<List<String>> sharing) {
        String policy = volume.getSpec().getPersistentVolumeReclaimPolicy();
        if (!"Delete".equals(policy)) {
            return new VolumeVerdict.Keep("reclaim policy " + policy + ": the data is the administrator's to handle");
        }
        String phase = volume.getStatus() == null ? null : volume.getStatus().getPhase();
        if ("Bound".equals(phase))
            return new VolumeVerdict.Wait("it is still Bound; it is reclaimed once its claim is gone");
        if (!"Released".equals(phase) && !"Failed".equals(phase)) {
            return new VolumeVerdict.Keep("it was never bound (" + phase + "); its directory is kept");
        }
        List<String> others = sharing.get(); // a scan of every volume: asked only of a volume about to be reclaimed
        if (!others.isEmpty()) {
            return new VolumeVerdict.Spare("PersistentVolume " + String.join(", ", others)
                    + " names the same directory or one inside it; its data is left for it");
        }
        try {
            return new VolumeVerdict.Reclaim(onDelete(volume, storageClass, provisioner));
        } catch (VolumeService.RejectedException e) {
            return new VolumeVerdict.Reject(e.getMessage());
        }
    }

    /**
     * What was decided when the volume was made, recorded on it; the class's current parameters only for a volume
     * without that record (nfs-subdir's). A class re-created with onDelete: delete must not delete volumes that were
     * provisioned to be archived.
     */
    static OnDelete onDelete(PersistentVolume volume, StorageClass storageClass, String provisioner)
            throws VolumeService.RejectedException {
        Map<String, String> a = volume.getMetadata().getAnnotations();
        String recorded = a == null ? null : a.get(Names.ANN_ON_DELETE);
        if (recorded != null) return VolumeService.onDelete(Map.of(OnDelete.PARAM_ON_DELETE, recorded));
        if (storageClass != null && provisioner.equals(storageClass.getProvisioner())) {
            return VolumeService.onDelete(storageClass.getParameters());
        }
        return VolumeService.onDelete(Map.of());
    }
}
