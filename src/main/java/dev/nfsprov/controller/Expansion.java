package dev.nfsprov.controller;

import dev.nfsprov.logging.Fields;
import dev.nfsprov.protocol.ApiErrors;
import dev.nfsprov.protocol.Quantities;
import dev.nfsprov.protocol.VolumeRules;
import dev.nfsprov.provision.Capacity;
import dev.nfsprov.provision.VolumeService.RejectedException;
import dev.nfsprov.share.ShareException;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimCondition;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Resizes this provisioner's volumes when their claims grow, as the CSI external-resizer does for its drivers: an
 * NFS directory has no size to change, so the growth is the capacity policy's to allow, then the PersistentVolume's
 * capacity and the claim's status are set and the resize conditions cleared. Shrinking is refused by the API.
 */
final class Expansion {

    private static final Logger LOG = Logger.getLogger(Expansion.class.getName());
    /** How soon a growth the capacity policy refused is looked at again (space may be freed at any time). */
    static final Duration WAIT_FOR_SPACE = Duration.ofSeconds(10);
    /** Conditions kube-controller-manager and the resizers set while a resize is pending. */
    private static final Set<String> RESIZE_CONDITIONS =
            Set.of("Resizing", "FileSystemResizePending", "ControllerResizeError", "NodeResizeError");

    private final Wiring w;
    private final Rejections refused = new Rejections();

    Expansion(Wiring w) {
        this.w = w;
    }

    UpdateControl<PersistentVolumeClaim> expand(PersistentVolumeClaim claim, StorageClass storageClass)
            throws ClaimReconciler.ProvisioningFailure {
        String key = ClaimReconciler.key(claim);
        if (storageClass == null || !Boolean.TRUE.equals(storageClass.getAllowVolumeExpansion())) {
            return UpdateControl.noUpdate(); // the API refuses growth in such a class; a class changed since: leave it
        }
        String name = claim.getSpec().getVolumeName();
        try {
            var volume = w.client().persistentVolumes().withName(name).get();
            if (volume == null || !VolumeRules.ours(volume, w.provisionerName())) return UpdateControl.noUpdate();
            var wanted = claim.getSpec().getResources().getRequests().get("storage");
            long to = Quantities.bytes(wanted);
            long from = Quantities.bytes(volume.getSpec().getCapacity().get("storage"));
            if (to > from) {
                var share = w.shareOf(volume);
                String refusal =
                        w.provisioned().grant(storageClass.getParameters(), name, to - from, to, share, w.work(share));
                if (refusal != null) {
                    if (refused.isNew(claim.getMetadata().getUid(), "capacity"))
                        w.events()
                                .post(
                                        claim,
                                        Events.WARNING,
                                        "VolumeResizeFailed",
                                        "resize to " + Capacity.human(to) + " refused: " + refusal);
                    return UpdateControl.<PersistentVolumeClaim>noUpdate().rescheduleAfter(WAIT_FOR_SPACE);
                }
                w.events().post(claim, Events.NORMAL, "Resizing", "External resizer is resizing volume " + name);
                w.client()
                        .persistentVolumes()
                        .resource(volume) // with the object at hand, fabric8 patches without reading it first
                        .patch(
                                PatchContext.of(PatchType.JSON_MERGE),
                                Serialization.asJson(
                                        Map.of("spec", Map.of("capacity", Map.of("storage", wanted.toString())))));
            }
            setStatus(claim, wanted.toString());
            refused.forget(claim);
            w.events().post(claim, Events.NORMAL, "VolumeResizeSuccessful", "Resize volume succeeded");
            Fields.of("claim", key, "volume", name, "capacity", wanted.toString())
                    .log(LOG, Level.INFO, "resized");
            return UpdateControl.noUpdate();
        } catch (RejectedException | ShareException e) {
            return failed(claim, e.getMessage());
        } catch (KubernetesClientException e) {
            return failed(claim, "Kubernetes API: " + ApiErrors.describe(e));
        }
    }

    /** The claim's status at its new size, without the conditions of a pending resize. */
    private void setStatus(PersistentVolumeClaim claim, String size) {
        List<PersistentVolumeClaimCondition> conditions = claim.getStatus().getConditions() == null
                ? List.of()
                : claim.getStatus().getConditions().stream()
                        .filter(c -> !RESIZE_CONDITIONS.contains(c.getType()))
                        .toList();
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("capacity", Map.of("storage", size));
        status.put("conditions", conditions);
        // what the volume was given, as the CSI external-resizer records it (RecoverVolumeExpansionFailure is GA:
        // the resize controller and Kubernetes' storage suite read it; it was set only when already there)
        status.put("allocatedResources", Map.of("storage", size));
        if (claim.getStatus().getAllocatedResourceStatuses() != null
                && !claim.getStatus().getAllocatedResourceStatuses().isEmpty()) {
            var statuses = new LinkedHashMap<String, Object>();
            statuses.put("storage", null); // resize finished: no status left for it
            status.put("allocatedResourceStatuses", statuses);
        }
        // .resource(claim): with a name only, fabric8 reads the claim first, which the ClusterRole does not allow
        w.client()
                .persistentVolumeClaims()
                .resource(claim)
                .subresource("status")
                .patch(PatchContext.of(PatchType.JSON_MERGE), Serialization.asJson(Map.of("status", status)));
    }

    private UpdateControl<PersistentVolumeClaim> failed(PersistentVolumeClaim claim, String why)
            throws ClaimReconciler.ProvisioningFailure {
        w.events().post(claim, Events.WARNING, "VolumeResizeFailed", "resize failed: " + why);
        Fields.of("claim", ClaimReconciler.key(claim), "reason", why)
                .log(LOG, Level.WARNING, "resize failed; retrying with backoff");
        throw new ClaimReconciler.ProvisioningFailure("claim " + ClaimReconciler.key(claim) + ": " + why);
    }
}
