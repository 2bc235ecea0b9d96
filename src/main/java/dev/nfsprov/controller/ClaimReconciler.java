package dev.nfsprov.controller;

import dev.nfsprov.pathtemplate.ClaimFacts;
import dev.nfsprov.provision.VolumeService;
import dev.nfsprov.provision.VolumeService.RejectedException;
import dev.nfsprov.share.ShareException;
import dev.nfsprov.faults.Faults;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;

import java.net.HttpURLConnection;
import java.util.Map;
import java.util.Objects;
import java.util.logging.Logger;

/**
 * Turns an unbound claim that names this provisioner into a directory on the share and a PersistentVolume
 * pre-bound to it; the PersistentVolume controller of kube-controller-manager then binds the pair.
 * Only translation lives here: the storage decisions are {@link VolumeService}'s.
 */
public final class ClaimReconciler implements Reconciler<PersistentVolumeClaim> {

    static final String ANN_STORAGE_PROVISIONER = "volume.kubernetes.io/storage-provisioner";
    static final String ANN_BETA_STORAGE_PROVISIONER = "volume.beta.kubernetes.io/storage-provisioner";
    static final String ANN_SELECTED_NODE = "volume.kubernetes.io/selected-node";
    static final String ANN_PROVISIONED_BY = "pv.kubernetes.io/provisioned-by";
    /** The onDelete action decided at provisioning, so a volume is reclaimed right even if its class is gone. */
    static final String ANN_ON_DELETE = "nfsprov.dev/on-delete";
    /** sig-storage-lib-external-provisioner's finalizer: volumes made by nfs-subdir carry it too. */
    static final String FINALIZER = "external-provisioner.volume.kubernetes.io/finalizer";

    private static final Logger LOG = Logger.getLogger(ClaimReconciler.class.getName());

    private final Wiring w;

    ClaimReconciler(Wiring w) {
        this.w = w;
    }

    /** Claims this provisioner should look at: unbound and handed to it by the PV controller. */
    boolean wanted(PersistentVolumeClaim claim) {
        var meta = claim.getMetadata();
        if (meta.getDeletionTimestamp() != null) return false;
        if (claim.getSpec() == null || claim.getSpec().getVolumeName() != null && !claim.getSpec().getVolumeName().isEmpty()) return false;
        if (claim.getStatus() != null && claim.getStatus().getPhase() != null && !"Pending".equals(claim.getStatus().getPhase())) return false;
        Map<String, String> a = meta.getAnnotations() == null ? Map.of() : meta.getAnnotations();
        return w.provisionerName().equals(a.get(ANN_STORAGE_PROVISIONER)) || w.provisionerName().equals(a.get(ANN_BETA_STORAGE_PROVISIONER));
    }

    @Override
    public UpdateControl<PersistentVolumeClaim> reconcile(PersistentVolumeClaim claim, Context<PersistentVolumeClaim> context)
            throws ProvisioningFailure {
        if (!wanted(claim)) return UpdateControl.noUpdate();
        String className = claim.getSpec().getStorageClassName();
        long start = System.nanoTime();
        try {
            StorageClass storageClass = className == null ? null : w.storageClasses().get(className);
            if (storageClass == null) throw new RejectedException("StorageClass \"" + className + "\" not found");
            if (!w.provisionerName().equals(storageClass.getProvisioner())) return UpdateControl.noUpdate();
            if ("WaitForFirstConsumer".equals(storageClass.getVolumeBindingMode())
                    && claim.getMetadata().getAnnotations().get(ANN_SELECTED_NODE) == null) {
                return UpdateControl.noUpdate(); // provisioned once the scheduler has picked a node
            }
            checkSupported(claim);
            String volumeName = "pvc-" + claim.getMetadata().getUid();
            PersistentVolume existing = w.client().persistentVolumes().withName(volumeName).get();
            if (existing != null) {
                checkOwnedBy(existing, claim);
                return UpdateControl.noUpdate(); // a previous attempt finished; the PV controller binds it
            }
            w.events().post(claim, Events.NORMAL, "Provisioning",
                    "External provisioner is provisioning volume for claim \"" + key(claim) + "\"");
            var facts = new ClaimFacts(claim.getMetadata().getNamespace(), claim.getMetadata().getName(),
                    claim.getMetadata().getLabels(), claim.getMetadata().getAnnotations(), volumeName);
            var volume = w.volumes().provision(facts, storageClass.getParameters());
            Faults.point("after-directory");
            createVolume(volumeObject(claim, storageClass, volumeName, volume), claim);
            w.metrics().provisioned(className, start);
            w.events().post(claim, Events.NORMAL, "ProvisioningSucceeded", "Successfully provisioned volume " + volumeName);
            LOG.info(() -> "provisioned " + volumeName + " for " + key(claim) + " at " + volume.nfsPath());
            return UpdateControl.noUpdate();
        } catch (RejectedException | ShareException e) {
            return failed(claim, className, e.getMessage());
        } catch (KubernetesClientException e) {
            return failed(claim, className, "Kubernetes API: " + ApiErrors.describe(e));
        }
    }

    private UpdateControl<PersistentVolumeClaim> failed(PersistentVolumeClaim claim, String className, String why)
            throws ProvisioningFailure {
        w.metrics().provisionFailed(className == null ? "" : className);
        w.events().post(claim, Events.WARNING, "ProvisioningFailed", "failed to provision volume: " + why);
        throw new ProvisioningFailure("claim " + key(claim) + ": " + why); // JOSDK retries with exponential backoff
    }

    private static void checkSupported(PersistentVolumeClaim claim) throws RejectedException {
        if (claim.getSpec().getSelector() != null) {
            throw new RejectedException("claims with spec.selector are not supported: nfsprov creates a new volume for every "
                    + "claim; remove the selector, or bind the claim to an existing PersistentVolume by name");
        }
        if ("Block".equals(claim.getSpec().getVolumeMode())) {
            throw new RejectedException("volumeMode Block is not supported: an NFS share provides Filesystem w.volumes() only");
        }
        var request = claim.getSpec().getResources() == null ? null : claim.getSpec().getResources().getRequests();
        if (request == null || request.get("storage") == null) {
            throw new RejectedException("the claim has no spec.resources.requests.storage");
        }
    }

    private static void checkOwnedBy(PersistentVolume volume, PersistentVolumeClaim claim) throws RejectedException {
        var ref = volume.getSpec().getClaimRef();
        if (ref == null || !Objects.equals(ref.getUid(), claim.getMetadata().getUid())) {
            throw new RejectedException("a PersistentVolume named " + volume.getMetadata().getName() + " exists and belongs to another claim");
        }
    }

    private void createVolume(PersistentVolume volume, PersistentVolumeClaim claim) throws RejectedException {
        try {
            w.client().persistentVolumes().resource(volume).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) throw e;
            // made by an earlier attempt whose answer we never saw: fine if it is this claim's
            PersistentVolume existing = w.client().persistentVolumes().withName(volume.getMetadata().getName()).get();
            if (existing == null) throw e;
            checkOwnedBy(existing, claim);
        }
    }

    private PersistentVolume volumeObject(PersistentVolumeClaim claim, StorageClass storageClass, String volumeName,
                                          VolumeService.Volume volume) {
        Quantity size = claim.getSpec().getResources().getRequests().get("storage");
        String reclaimPolicy = storageClass.getReclaimPolicy() == null ? "Delete" : storageClass.getReclaimPolicy();
        return new PersistentVolumeBuilder()
                .withNewMetadata()
                    .withName(volumeName)
                    .addToAnnotations(ANN_PROVISIONED_BY, w.provisionerName())
                    .addToAnnotations(ANN_ON_DELETE, volume.onDelete().word())
                    .withFinalizers(FINALIZER)
                .endMetadata()
                .withNewSpec()
                    .addToCapacity("storage", size)
                    .withAccessModes(claim.getSpec().getAccessModes())
                    .withPersistentVolumeReclaimPolicy(reclaimPolicy)
                    .withStorageClassName(storageClass.getMetadata().getName())
                    .withMountOptions(storageClass.getMountOptions())
                    .withVolumeMode("Filesystem")
                    .withNewNfs().withServer(w.volumes().location().server()).withPath(volume.nfsPath()).withReadOnly(false).endNfs()
                    .withNewClaimRef()
                        .withApiVersion("v1").withKind("PersistentVolumeClaim")
                        .withNamespace(claim.getMetadata().getNamespace()).withName(claim.getMetadata().getName())
                        .withUid(claim.getMetadata().getUid())
                    .endClaimRef()
                .endSpec()
                .build();
    }

    static String key(PersistentVolumeClaim claim) {
        return claim.getMetadata().getNamespace() + "/" + claim.getMetadata().getName();
    }

    /** A failed attempt, already reported as an Event; thrown so the framework retries with backoff. */
    public static final class ProvisioningFailure extends Exception {
        ProvisioningFailure(String message) {
            super(message, null, false, false); // no stack trace: the message says it all
        }
    }
}
