package dev.nfsprov.controller;

import dev.nfsprov.faults.Faults;
import dev.nfsprov.logging.Fields;
import dev.nfsprov.protocol.ApiErrors;
import dev.nfsprov.protocol.VolumeRules;
import dev.nfsprov.protocol.VolumeVerdict;
import dev.nfsprov.provision.ShareCatalog;
import dev.nfsprov.provision.ShareLocation;
import dev.nfsprov.provision.VolumeService;
import dev.nfsprov.reclaim.ArchiveRecord;
import dev.nfsprov.reclaim.OnDelete;
import dev.nfsprov.reclaim.Reclaimer;
import dev.nfsprov.share.ShareException;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeSpecBuilder;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Reclaims this provisioner's volumes. A Released volume with reclaim policy Delete is deleted through the API;
 * its finalizer then holds the object until the directory has been archived, deleted or kept, so the data is
 * handled exactly once even when someone deletes the PersistentVolume directly or the controller dies mid-way.
 */
public final class VolumeReconciler implements Reconciler<PersistentVolume>, Cleaner<PersistentVolume> {

    private static final Logger LOG = Logger.getLogger(VolumeReconciler.class.getName());

    private final Wiring w;
    private final Rejections rejections = new Rejections();
    private static final java.time.Duration RECLAIM_POLL = java.time.Duration.ofSeconds(1);

    private final ConsumerOwnership ownership;

    /** podNamespace: where Pods are watched before any volume waits for its owner (the controller's own). */
    VolumeReconciler(Wiring w, String podNamespace) {
        this.w = w;
        this.ownership = new ConsumerOwnership(w, podNamespace);
    }

    /** Pods, for volumes given to the Pod that first uses their claim. */
    @Override
    public List<io.javaoperatorsdk.operator.processing.event.source.EventSource<?, PersistentVolume>>
            prepareEventSources(
                    io.javaoperatorsdk.operator.api.reconciler.EventSourceContext<PersistentVolume> context) {
        w.provisioned().watch(context.getPrimaryCache(), w.shares());
        return List.of(ownership.eventSource(context));
    }

    /** Once the caches are started: Pods are watched only where a volume waits for its owner (none yet, maybe). */
    void started() {
        ownership.rewatch();
    }

    boolean ours(PersistentVolume volume) {
        return VolumeRules.ours(volume, w.provisionerName());
    }

    @Override
    public UpdateControl<PersistentVolume> reconcile(PersistentVolume volume, Context<PersistentVolume> context)
            throws ConsumerOwnership.OwnershipFailure {
        var verdict = verdict(volume, context);
        if (verdict instanceof VolumeVerdict.Wait || verdict instanceof VolumeVerdict.Keep) {
            ownership.reconcile(volume, context);
        }
        if (verdict instanceof VolumeVerdict.Reclaim || verdict instanceof VolumeVerdict.Spare) {
            w.client()
                    .persistentVolumes()
                    .withName(volume.getMetadata().getName())
                    .delete(); // cleanup() does the rest
        } else if (verdict instanceof VolumeVerdict.Reject r && rejections.isNew(volume, r.reason())) {
            w.events().post(volume, Events.WARNING, "VolumeFailedDelete", r.reason());
            return UpdateControl.<PersistentVolume>noUpdate().rescheduleAfter(ClaimReconciler.REJECTED_RETRY);
        }
        return UpdateControl.noUpdate();
    }

    @Override
    public DeleteControl cleanup(PersistentVolume volume, Context<PersistentVolume> context) throws ReclaimFailure {
        String name = volume.getMetadata().getName();
        String className = volume.getSpec().getStorageClassName() == null
                ? ""
                : volume.getSpec().getStorageClassName();
        ownership.forget(volume);
        return switch (verdict(volume, context)) {
            case VolumeVerdict.Keep keep -> {
                Fields.of("volume", name, "storageClass", className, "reason", keep.reason())
                        .log(LOG, Level.INFO, "volume deleted; directory kept");
                yield DeleteControl.defaultDelete();
            }
            case VolumeVerdict.Spare spare -> {
                w.events()
                        .post(
                                volume,
                                Events.WARNING,
                                "ReclaimSkipped",
                                "the directory is not reclaimed: " + spare.reason());
                Fields.of("volume", name, "storageClass", className, "reason", spare.reason())
                        .log(LOG, Level.WARNING, "reclaim skipped; directory left");
                yield DeleteControl.defaultDelete();
            }
            case VolumeVerdict.Wait wait -> DeleteControl.noFinalizerRemoval(); // still in use
            case VolumeVerdict.Reject r -> {
                w.metrics().deleteFailed(className);
                if (rejections.isNew(volume, r.reason()))
                    w.events().post(volume, Events.WARNING, "VolumeFailedDelete", r.reason());
                yield DeleteControl.noFinalizerRemoval().rescheduleAfter(ClaimReconciler.REJECTED_RETRY);
            }
            case VolumeVerdict.Reclaim reclaim -> reclaim(volume, className, reclaim.onDelete());
        };
    }

    private record Timed(Reclaimer.Outcome outcome, long start) {}

    /**
     * The directory is handled on the share's delete pool (a volume may hold millions of files, and a reconcile
     * thread should not wait for it); this looks again every second until it is done.
     */
    private DeleteControl reclaim(PersistentVolume volume, String className, OnDelete action) throws ReclaimFailure {
        String name = volume.getMetadata().getName();
        try {
            var nfs = volume.getSpec().getNfs();
            if (nfs == null) throw new ShareException("volume has no spec.nfs; leaving it alone");
            var share = w.shareOf(volume);
            var done = w.work(share).reclaim(volume.getMetadata().getUid(), () -> {
                long start = System.nanoTime();
                return new Timed(
                        share.volumes().reclaim(nfs.getServer(), nfs.getPath(), action, record(volume)), start);
            });
            if (done.isEmpty()) return DeleteControl.noFinalizerRemoval().rescheduleAfter(RECLAIM_POLL);
            Reclaimer.Outcome outcome = done.get().outcome();
            Faults.point("after-reclaim");
            w.metrics().deleted(className, done.get().start());
            Fields.of("volume", name, "storageClass", className, "outcome", describe(outcome))
                    .log(LOG, Level.INFO, "reclaimed");
            return DeleteControl.defaultDelete();
        } catch (ShareException | VolumeService.RejectedException e) {
            return failed(volume, className, e.getMessage());
        } catch (KubernetesClientException e) {
            return failed(volume, className, "Kubernetes API: " + ApiErrors.describe(e));
        } catch (Error e) {
            // JOSDK catches only Exception: an Error would end this attempt with no Event and no retry.
            return failed(volume, className, "internal error while reclaiming: " + e);
        }
    }

    /** Where an archive came from, for nfsprov archives and restore. */
    private static ArchiveRecord record(PersistentVolume volume) {
        var ref = volume.getSpec().getClaimRef();
        var capacity = volume.getSpec().getCapacity() == null
                ? null
                : volume.getSpec().getCapacity().get("storage");
        return new ArchiveRecord(
                volume.getMetadata().getName(),
                ref == null ? null : ref.getNamespace(),
                ref == null ? null : ref.getName(),
                volume.getSpec().getStorageClassName(),
                capacity == null ? null : capacity.toString(),
                java.time.Instant.now());
    }

    private VolumeVerdict verdict(PersistentVolume volume, Context<PersistentVolume> context) {
        String className = volume.getSpec().getStorageClassName();
        StorageClass storageClass = className == null || className.isEmpty()
                ? null
                : w.storageClasses().get(className);
        return VolumeRules.decide(volume, storageClass, w.provisionerName(), () -> sharing(volume, context));
    }

    /**
     * Other PersistentVolumes, ours or not, whose spec.nfs names this volume's directory or one inside it (a static
     * PV for a sub-directory would lose its data to this one's reclaim); the cache keeps every PV's spec.nfs.
     */
    private static List<String> sharing(PersistentVolume volume, Context<PersistentVolume> context) {
        var nfs = volume.getSpec().getNfs();
        if (nfs == null) return List.of();
        String name = volume.getMetadata().getName();
        return context.getPrimaryCache()
                .list(other -> !name.equals(other.getMetadata().getName())
                        && other.getSpec() != null
                        && other.getSpec().getNfs() != null
                        && ShareLocation.sameServer(
                                nfs.getServer(), other.getSpec().getNfs().getServer())
                        && (ShareLocation.samePath(
                                        nfs.getPath(), other.getSpec().getNfs().getPath())
                                || ShareLocation.inside(other.getSpec().getNfs().getPath(), nfs.getPath())))
                .map(other -> other.getMetadata().getName())
                .sorted()
                .toList();
    }

    /**
     * What the cache keeps of another provisioner's volume: its identity and NFS source when it is on one of our
     * shares (its directory is then not an archive or a free directory, see ProvisionedBytes.directories), else
     * nothing: such volumes are many in a large cluster and none of ours.
     */
    static PersistentVolume stub(PersistentVolume volume, ShareCatalog shares) {
        var nfs = volume.getSpec() == null ? null : volume.getSpec().getNfs();
        if (nfs == null || !shares.holds(nfs.getServer(), nfs.getPath())) return null;
        var stub = TrimmedItemStore.identity(volume, new PersistentVolume());
        stub.setSpec(new PersistentVolumeSpecBuilder()
                .withNewNfs()
                .withServer(nfs.getServer())
                .withPath(nfs.getPath())
                .endNfs()
                .build());
        return stub;
    }

    private DeleteControl failed(PersistentVolume volume, String className, String why) throws ReclaimFailure {
        w.metrics().deleteFailed(className);
        w.events().post(volume, Events.WARNING, "VolumeFailedDelete", why);
        Fields.of("volume", volume.getMetadata().getName(), "storageClass", className, "reason", why)
                .log(LOG, Level.WARNING, "reclaim failed; retrying with backoff");
        throw new ReclaimFailure("volume " + volume.getMetadata().getName() + ": " + why);
    }

    private static String describe(Reclaimer.Outcome outcome) {
        return switch (outcome) {
            case Reclaimer.Outcome.Archived a -> "archived to " + a.to() + (a.recorded() ? "" : " (no record written)");
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
