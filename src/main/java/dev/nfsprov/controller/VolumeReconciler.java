package dev.nfsprov.controller;

import dev.nfsprov.provision.VolumeService;
import dev.nfsprov.reclaim.OnDelete;
import dev.nfsprov.reclaim.Reclaimer;
import dev.nfsprov.share.ShareException;
import dev.nfsprov.faults.Faults;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;

import java.util.Map;
import java.util.logging.Logger;

/**
 * Reclaims this provisioner's volumes. A Released volume with reclaim policy Delete is deleted through the API;
 * its finalizer then holds the object until the directory has been archived, deleted or kept, so the data is
 * handled exactly once even when someone deletes the PersistentVolume directly or the controller dies mid-way.
 */
public final class VolumeReconciler implements Reconciler<PersistentVolume>, Cleaner<PersistentVolume> {

    private static final Logger LOG = Logger.getLogger(VolumeReconciler.class.getName());

    private final Wiring w;

    VolumeReconciler(Wiring w) {
        this.w = w;
    }

    boolean ours(PersistentVolume volume) {
        var a = volume.getMetadata().getAnnotations();
        return a != null && w.provisionerName().equals(a.get(ClaimReconciler.ANN_PROVISIONED_BY));
    }

    @Override
    public UpdateControl<PersistentVolume> reconcile(PersistentVolume volume, Context<PersistentVolume> context) {
        if (released(volume) && "Delete".equals(volume.getSpec().getPersistentVolumeReclaimPolicy())) {
            w.client().persistentVolumes().withName(volume.getMetadata().getName()).delete(); // cleanup() does the rest
        }
        return UpdateControl.noUpdate();
    }

    @Override
    public DeleteControl cleanup(PersistentVolume volume, Context<PersistentVolume> context) throws ReclaimFailure {
        String name = volume.getMetadata().getName();
        if (!"Delete".equals(volume.getSpec().getPersistentVolumeReclaimPolicy())) {
            return DeleteControl.defaultDelete(); // Retain (or Recycle): the data is the administrator's to handle
        }
        String phase = volume.getStatus() == null ? null : volume.getStatus().getPhase();
        if ("Bound".equals(phase)) {
            return DeleteControl.noFinalizerRemoval(); // still in use; reclaimed once its claim is gone
        }
        if (!released(volume)) {
            LOG.info(() -> "volume " + name + " deleted before it was ever bound (" + phase + "); its directory is kept");
            return DeleteControl.defaultDelete();
        }
        String className = volume.getSpec().getStorageClassName() == null ? "" : volume.getSpec().getStorageClassName();
        long start = System.nanoTime();
        try {
            OnDelete action = onDelete(volume);
            var nfs = volume.getSpec().getNfs();
            if (nfs == null) throw new ShareException("volume has no spec.nfs; leaving it alone");
            Reclaimer.Outcome outcome = w.volumes().reclaim(nfs.getServer(), nfs.getPath(), action);
            Faults.point("after-reclaim");
            w.metrics().deleted(className, start);
            LOG.info(() -> "reclaimed " + name + ": " + describe(outcome));
            return DeleteControl.defaultDelete();
        } catch (ShareException | VolumeService.RejectedException e) {
            return failed(volume, className, e.getMessage());
        } catch (KubernetesClientException e) {
            return failed(volume, className, "Kubernetes API: " + ApiErrors.describe(e));
        }
    }

    private DeleteControl failed(PersistentVolume volume, String className, String why) throws ReclaimFailure {
        w.metrics().deleteFailed(className);
        w.events().post(volume, Events.WARNING, "VolumeFailedDelete", why);
        throw new ReclaimFailure("volume " + volume.getMetadata().getName() + ": " + why);
    }

    /** The class's current parameters if it still exists, else what was decided when the volume was made. */
    private OnDelete onDelete(PersistentVolume volume) throws VolumeService.RejectedException {
        String className = volume.getSpec().getStorageClassName();
        StorageClass storageClass = className == null ? null : w.storageClasses().get(className);
        if (storageClass != null && w.provisionerName().equals(storageClass.getProvisioner())) {
            return VolumeService.onDelete(storageClass.getParameters());
        }
        Map<String, String> a = volume.getMetadata().getAnnotations();
        String remembered = a == null ? null : a.get(ClaimReconciler.ANN_ON_DELETE);
        return VolumeService.onDelete(remembered == null ? Map.of() : Map.of(OnDelete.PARAM_ON_DELETE, remembered));
    }

    private static boolean released(PersistentVolume volume) {
        String phase = volume.getStatus() == null ? null : volume.getStatus().getPhase();
        return "Released".equals(phase) || "Failed".equals(phase);
    }

    private static String describe(Reclaimer.Outcome outcome) {
        return switch (outcome) {
            case Reclaimer.Outcome.Archived a -> "archived to " + a.to();
            case Reclaimer.Outcome.Deleted d -> "directory deleted";
            case Reclaimer.Outcome.Retained r -> "directory retained";
            case Reclaimer.Outcome.AlreadyGone g -> "directory already gone";
        };
    }

    /** A failed reclaim, already reported as an Event; thrown so the framework retries with backoff. */
    public static final class ReclaimFailure extends Exception {
        ReclaimFailure(String message) {
            super(message, null, false, false);
        }
    }
}
