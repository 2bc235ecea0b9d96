package dev.nfsprov.controller;

import dev.nfsprov.api.ClaimSnapshot;
import dev.nfsprov.logging.Fields;
import dev.nfsprov.protocol.ApiErrors;
import dev.nfsprov.provision.ShareCatalog;
import dev.nfsprov.provision.Snapshots;
import dev.nfsprov.provision.VolumeService.RejectedException;
import dev.nfsprov.reclaim.Retention;
import dev.nfsprov.share.ShareException;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Takes the copy a ClaimSnapshot asks for and reports it in its status; a restore is the claim reconciler's (a
 * dataSourceRef to the snapshot). The copy runs on the source share's copy pool ({@link ShareWork#copy}) into
 * {@link Snapshots}' place on that share; the resource says readyToUse only once the copy and its record are on the
 * share. No finalizer: the copy of a snapshot that is gone (deleted, expired, or removed while the controller was
 * down) is deleted by {@link SnapshotSweep}, so nothing a tenant does to the resource's finalizers can keep a copy or
 * hold a namespace in Terminating.
 */
final class SnapshotReconciler implements Reconciler<ClaimSnapshot> {

    private static final Logger LOG = Logger.getLogger(SnapshotReconciler.class.getName());

    /** A snapshot whose claim is not bound yet, or whose copy runs, is looked at this often. */
    static final Duration POLL = Duration.ofSeconds(2);

    static final Duration NOT_READY_RETRY = Duration.ofSeconds(10);

    private final Wiring w;
    private volatile IndexerResourceCache<ClaimSnapshot> cache;

    SnapshotReconciler(Wiring w) {
        this.w = w;
    }

    /** The cache JOSDK keeps of every ClaimSnapshot: the sweep's list of what still exists. */
    IndexerResourceCache<ClaimSnapshot> cache() {
        return cache;
    }

    /**
     * What the cache keeps of a snapshot: its identity, spec (bounded by the CRD's schema) and status (ours; tenants
     * have no right on the status subresource), and generation. Labels, annotations and finalizers, which tenants
     * choose in any size, are read by nothing here.
     */
    static void fit(ClaimSnapshot snapshot) {
        Long generation = snapshot.getMetadata().getGeneration(); // what JOSDK's generation filter compares
        TrimmedItemStore.identity(snapshot, snapshot);
        snapshot.getMetadata().setGeneration(generation);
    }

    @Override
    public List<EventSource<?, ClaimSnapshot>> prepareEventSources(EventSourceContext<ClaimSnapshot> context) {
        cache = context.getPrimaryCache();
        return List.of();
    }

    @Override
    public UpdateControl<ClaimSnapshot> reconcile(ClaimSnapshot snapshot, Context<ClaimSnapshot> context)
            throws ClaimReconciler.ProvisioningFailure {
        if (snapshot.getMetadata().getDeletionTimestamp() != null) return UpdateControl.noUpdate();
        String id = snapshot.getMetadata().getUid();
        var status = snapshot.getStatus();
        if (status != null
                && status.provisioner() != null
                && !w.provisionerName().equals(status.provisioner()))
            return UpdateControl.noUpdate(); // another nfsprov's (several installs share the API)
        try {
            if (status != null && status.ready()) return kept(snapshot);
            String claim =
                    snapshot.getSpec() == null ? null : snapshot.getSpec().claimName();
            if (claim == null || claim.isBlank()) return refused(snapshot, "spec.claimName names no claim", null);
            Duration retention = retention(snapshot);
            CloneSource source =
                    CloneSource.boundClaim(w, snapshot.getMetadata().getNamespace(), claim);
            var sourceClass = source.volume().getSpec().getStorageClassName();
            var storageClass = sourceClass == null ? null : w.storageClasses().get(sourceClass);
            if (retention == null && storageClass != null)
                retention = Retention.duration(storageClass.getParameters(), Snapshots.PARAM_RETENTION);
            var share = source.share();
            boolean taken = w.work(share)
                    .step(
                            "reading the record of snapshot " + key(snapshot),
                            () -> share.volumes().snapshots().taken(id))
                    .isPresent();
            String noRoom = w.provisioned()
                    .reserveSnapshot(
                            storageClass == null ? Map.of() : storageClass.getParameters(),
                            id,
                            source.bytes(),
                            taken,
                            share,
                            w.work(share));
            if (noRoom != null)
                return refused(snapshot, "no room on share " + share.name() + ": " + noRoom, NOT_READY_RETRY);
            var done = w.work(share)
                    .copy(
                            key(id),
                            () -> share.volumes()
                                    .snapshots()
                                    .take(id, key(snapshot), share.volumes().share(), source.directory()));
            if (done.isEmpty()) {
                String copying = "copying " + source.what() + " on share " + share.name();
                if (status == null || !copying.equals(status.message())) {
                    w.events().post(snapshot, Events.NORMAL, "Snapshotting", copying);
                    snapshot.setStatus(ClaimSnapshot.Status.notReady(copying));
                    return UpdateControl.patchStatus(snapshot).rescheduleAfter(POLL);
                }
                return UpdateControl.<ClaimSnapshot>noUpdate().rescheduleAfter(POLL);
            }
            var copy = done.get();
            Instant expires = retention == null ? null : copy.takenAt().plus(retention);
            snapshot.setStatus(new ClaimSnapshot.Status(
                    true,
                    source.size(),
                    copy.bytes(),
                    copy.files(),
                    copy.takenAt().toString(),
                    expires == null ? null : expires.toString(),
                    w.provisionerName(),
                    share.name(),
                    source.volume().getMetadata().getName(),
                    null));
            w.events()
                    .post(
                            snapshot,
                            Events.NORMAL,
                            "SnapshotTaken",
                            "copied " + source.what() + ": " + copy.files() + " files, " + copy.directories()
                                    + " directories, " + copy.links() + " links, " + copy.bytes() + " bytes in "
                                    + "%.3f s".formatted(copy.copyNanos() / 1e9)
                                    + " (crash-consistent: as the files were when each was read)");
            Fields.of(
                            "snapshot",
                            key(snapshot),
                            "claim",
                            claim,
                            "share",
                            share.name(),
                            "bytes",
                            Long.toString(copy.bytes()))
                    .log(LOG, Level.INFO, "snapshot taken");
            var control = UpdateControl.patchStatus(snapshot);
            return expires == null ? control : control.rescheduleAfter(until(expires));
        } catch (CloneSource.NotOurs e) {
            return UpdateControl.noUpdate(); // its claim's volume is another provisioner's, which takes it
        } catch (CloneSource.NotBoundYet e) {
            return refused(snapshot, e.getMessage(), NOT_READY_RETRY);
        } catch (RejectedException | IllegalArgumentException | dev.nfsprov.share.TreeTooLargeException e) {
            return refused(snapshot, e.getMessage(), ClaimReconciler.REJECTED_RETRY);
        } catch (ShareException e) {
            return failed(snapshot, e.getMessage());
        } catch (KubernetesClientException e) {
            return failed(snapshot, "Kubernetes API: " + ApiErrors.describe(e));
        }
    }

    /**
     * A ready snapshot (of this provisioner: checked by the caller): counted on its share (again, after a restart),
     * and deleted once past its retention.
     */
    private UpdateControl<ClaimSnapshot> kept(ClaimSnapshot snapshot) throws RejectedException, ShareException {
        var status = snapshot.getStatus();
        w.shares().all().stream()
                .filter(s -> s.name().equals(status.share()))
                .findFirst()
                .ifPresent(share -> {
                    try {
                        w.provisioned()
                                .reserveSnapshot(
                                        Map.of(),
                                        snapshot.getMetadata().getUid(),
                                        dev.nfsprov.protocol.Quantities.bytes(
                                                new io.fabric8.kubernetes.api.model.Quantity(
                                                        status.restoreSize() == null ? "0" : status.restoreSize())),
                                        true,
                                        share,
                                        w.work(share));
                    } catch (RejectedException | ShareException e) {
                        throw new IllegalStateException(e); // not reached: a taken snapshot is counted, never refused
                    }
                });
        if (status.expiresAt() == null) return UpdateControl.noUpdate();
        Instant expires = Instant.parse(status.expiresAt());
        if (Instant.now().isBefore(expires))
            return UpdateControl.<ClaimSnapshot>noUpdate().rescheduleAfter(until(expires));
        w.client().resource(snapshot).delete();
        Fields.of("snapshot", key(snapshot), "expiresAt", status.expiresAt())
                .log(LOG, Level.INFO, "snapshot past its retention deleted");
        return UpdateControl.noUpdate();
    }

    /** spec.retention, checked; null when unset. */
    private static Duration retention(ClaimSnapshot snapshot) {
        String v = snapshot.getSpec().retention();
        return v == null || v.isBlank() ? null : Retention.duration(v, "spec.retention");
    }

    private static Duration until(Instant when) {
        Duration d = Duration.between(Instant.now(), when);
        return d.isNegative() ? Duration.ZERO : d.plusSeconds(1);
    }

    /**
     * Why the snapshot is not taken: in its status and, once per distinct reason, an Event. Room reserved for it is
     * given back: there is no copy.
     */
    private UpdateControl<ClaimSnapshot> refused(ClaimSnapshot snapshot, String why, Duration retry) {
        w.provisioned().releaseSnapshot(snapshot.getMetadata().getUid());
        var status = snapshot.getStatus();
        if (status != null && Objects.equals(why, status.message()))
            return retry == null
                    ? UpdateControl.noUpdate()
                    : UpdateControl.<ClaimSnapshot>noUpdate().rescheduleAfter(retry);
        w.events().post(snapshot, Events.WARNING, "SnapshotFailed", why);
        Fields.of("snapshot", key(snapshot), "reason", why).log(LOG, Level.WARNING, "snapshot not taken");
        snapshot.setStatus(ClaimSnapshot.Status.notReady(why));
        var control = UpdateControl.patchStatus(snapshot);
        return retry == null ? control : control.rescheduleAfter(retry);
    }

    /**
     * Transient (API, share I/O): retried with exponential backoff; said in status and an Event when the reason is new
     * (JOSDK patches no status for a failed attempt, so it is written here, without a resourceVersion).
     */
    private UpdateControl<ClaimSnapshot> failed(ClaimSnapshot snapshot, String why)
            throws ClaimReconciler.ProvisioningFailure {
        var status = snapshot.getStatus();
        if (status == null || !why.equals(status.message())) {
            w.events().post(snapshot, Events.WARNING, "SnapshotFailed", why);
            var patch = new ClaimSnapshot(
                    snapshot.getMetadata().getNamespace(),
                    snapshot.getMetadata().getName(),
                    null);
            patch.setStatus(ClaimSnapshot.Status.notReady(why));
            try {
                w.client().resource(patch).patchStatus();
            } catch (KubernetesClientException e) {
                LOG.fine(() -> "could not write the failure into " + key(snapshot) + ": " + e.getMessage());
            }
        }
        Fields.of("snapshot", key(snapshot), "reason", why).log(LOG, Level.WARNING, "snapshot failed; retrying");
        throw new ClaimReconciler.ProvisioningFailure("snapshot " + key(snapshot) + ": " + why);
    }

    /** The copy pool's key for a snapshot's copy (volumes use their PV names there). */
    static String key(String id) {
        return "snapshot-" + id;
    }

    private static String key(ClaimSnapshot s) {
        return s.getMetadata().getNamespace() + "/" + s.getMetadata().getName();
    }

    /** The share a snapshot's status names, if this controller serves it. */
    static java.util.Optional<ShareCatalog.Entry> shareOf(Wiring w, ClaimSnapshot s) {
        String name = s.getStatus() == null ? null : s.getStatus().share();
        return w.shares().all().stream().filter(e -> e.name().equals(name)).findFirst();
    }
}
