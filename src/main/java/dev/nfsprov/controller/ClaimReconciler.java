package dev.nfsprov.controller;

import dev.nfsprov.faults.Faults;
import dev.nfsprov.logging.Fields;
import dev.nfsprov.pathtemplate.ClaimFacts;
import dev.nfsprov.protocol.ApiErrors;
import dev.nfsprov.protocol.ClaimRules;
import dev.nfsprov.protocol.ClaimVerdict;
import dev.nfsprov.protocol.Names;
import dev.nfsprov.protocol.Quantities;
import dev.nfsprov.provision.VolumeService;
import dev.nfsprov.provision.VolumeService.RejectedException;
import dev.nfsprov.share.ShareException;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.net.HttpURLConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * Turns an unbound claim that names this provisioner into a directory on the share and a PersistentVolume
 * pre-bound to it; the PersistentVolume controller of kube-controller-manager then binds the pair.
 * Only translation lives here: the decisions are {@link ClaimRules}' and the storage logic {@link VolumeService}'s.
 * Failures are classified as sig-storage-lib does: a rejection (the claim or its class asks for something we cannot
 * do) is said once per distinct reason and retried when the claim or its class changes, else slowly; a transient
 * error (API, share I/O) is retried with exponential backoff.
 */
public final class ClaimReconciler implements Reconciler<PersistentVolumeClaim> {

    /** How often a rejected claim is looked at again when neither it nor its class changes. */
    static final Duration REJECTED_RETRY = Duration.ofMinutes(5);

    /** How often a clone or restore whose source is not bound or ready yet is looked at (pipelines make both at once). */
    static final Duration SOURCE_NOT_READY_RETRY = Duration.ofSeconds(10);

    private static final Logger LOG = Logger.getLogger(ClaimReconciler.class.getName());

    private final Wiring w;
    private final Rejections rejections = new Rejections();
    /** Classes (name@resourceVersion) whose notes were said, on the first claim provisioned from each. */
    private final java.util.Set<String> classNotesSaid = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final Expansion expansion;
    private final Clones clones;

    ClaimReconciler(Wiring w) {
        this.w = w;
        this.expansion = new Expansion(w);
        this.clones = new Clones(w);
    }

    /** Claims this provisioner should look at: unbound and handed to it by the PV controller, or bound and grown. */
    boolean wanted(PersistentVolumeClaim claim) {
        return ClaimRules.handedTo(claim, w.provisionerName()) || ClaimRules.grown(claim, w.provisionerName());
    }

    /**
     * What the cache keeps of a claim not wanted now: the identity of one handed to this provisioner, so that its
     * delete still reaches JOSDK, which forgets a resource only then (the informer reports a delete only of what its
     * store holds); nothing of any other, so that memory does not follow other provisioners' claims.
     */
    static PersistentVolumeClaim stub(PersistentVolumeClaim claim, String provisioner) {
        return ClaimRules.names(claim, provisioner)
                ? TrimmedItemStore.identity(claim, new PersistentVolumeClaim())
                : null;
    }

    /**
     * What the cache keeps of a claim it works on, in place (the informer hands the same object to the reconciler;
     * claims are written back only as status patches). Every part a tenant can make as large as the API server's
     * 1.5 MiB object limit is bounded to what the rules read:
     * <ul>
     *   <li>labels and annotations over {@link ClaimRules#METADATA_BUDGET}: none but the hand-over annotations (as
     *       long as a node name can be), and their size in {@link Names#ANN_METADATA_SIZE}, for the rules to refuse
     *       the claim with;
     *   <li>owner references and finalizers, which nothing here reads: none;
     *   <li>a selector (thousands of values in its expressions): an empty one, as the rules refuse any;
     *   <li>requests and limits (any number of resource names): storage only; access modes: each once.
     * </ul>
     */
    static void fit(PersistentVolumeClaim claim) {
        var meta = claim.getMetadata();
        meta.setOwnerReferences(null);
        meta.setFinalizers(null);
        var spec = claim.getSpec();
        if (spec != null) {
            if (spec.getSelector() != null) spec.setSelector(new LabelSelector());
            if (spec.getAccessModes() != null)
                spec.setAccessModes(new ArrayList<>(new LinkedHashSet<>(spec.getAccessModes())));
            var resources = spec.getResources();
            if (resources != null) {
                resources.setRequests(storageOnly(resources.getRequests()));
                resources.setLimits(storageOnly(resources.getLimits()));
            }
        }
        long size = ClaimRules.metadataSize(claim);
        if (size <= ClaimRules.METADATA_BUDGET) return;
        var was = meta.getAnnotations() == null ? Map.<String, String>of() : meta.getAnnotations();
        var kept = new LinkedHashMap<String, String>();
        for (String key :
                List.of(Names.ANN_STORAGE_PROVISIONER, Names.ANN_BETA_STORAGE_PROVISIONER, Names.ANN_SELECTED_NODE)) {
            String value = was.get(key);
            if (value != null && value.length() <= 253) kept.put(key, value);
        }
        kept.put(Names.ANN_METADATA_SIZE, Long.toString(size));
        meta.setAnnotations(kept);
        meta.setLabels(null);
    }

    private static Map<String, Quantity> storageOnly(Map<String, Quantity> quantities) {
        if (quantities == null || quantities.isEmpty()) return quantities;
        Quantity storage = quantities.get("storage");
        return storage == null ? Map.of() : Map.of("storage", storage);
    }

    /** A change to a StorageClass re-examines the claims of that class (a fixed pathPattern, say). */
    @Override
    public List<EventSource<?, PersistentVolumeClaim>> prepareEventSources(
            EventSourceContext<PersistentVolumeClaim> context) {
        var config = InformerEventSourceConfiguration.from(StorageClass.class, PersistentVolumeClaim.class)
                .withName("storageclasses")
                .withSecondaryToPrimaryMapper(sc -> context.getPrimaryCache()
                        .list(c -> c.getSpec() != null
                                && sc.getMetadata().getName().equals(c.getSpec().getStorageClassName()))
                        .map(ResourceID::fromResource)
                        .collect(Collectors.toSet()))
                .build();
        var source = new InformerEventSource<>(config, context);
        classEvents = source;
        return List.of(source);
    }

    /** The informer whose events re-examine claims when their class changes; read by {@link #classNamed}. */
    private volatile InformerEventSource<StorageClass, PersistentVolumeClaim> classEvents;

    /**
     * The class of this name, from the informer whose event started this reconcile: the shared lister is another
     * informer, which could still be without a class just re-created when the event arrives (the claim was then
     * refused "not found" again and looked at only 5 min later: ProvisioningIT, once in CI).
     */
    private StorageClass classNamed(String name) {
        var source = classEvents;
        if (source != null) {
            var cached = source.get(new ResourceID(name));
            if (cached.isPresent()) return cached.get();
        }
        return w.storageClasses().get(name);
    }

    @Override
    public UpdateControl<PersistentVolumeClaim> reconcile(
            PersistentVolumeClaim claim, Context<PersistentVolumeClaim> context) throws ProvisioningFailure {
        String className = claim.getSpec() == null ? null : claim.getSpec().getStorageClassName();
        StorageClass storageClass = className == null ? null : classNamed(className);
        if (ClaimRules.grown(claim, w.provisionerName())) return expansion.expand(claim, storageClass);
        return switch (ClaimRules.decide(claim, storageClass, w.provisionerName())) {
            case ClaimVerdict.NotOurs n -> UpdateControl.noUpdate();
            case ClaimVerdict.Wait wait -> {
                Fields.of("claim", key(claim), "storageClass", className, "reason", wait.reason())
                        .log(LOG, Level.FINE, "waiting");
                yield UpdateControl.noUpdate();
            }
            // A class that does not exist is counted under "": claims name any class they like, and each name
            // would be a metric series of its own.
            case ClaimVerdict.Reject r -> rejected(claim, storageClass == null ? "" : className, r.reason());
            case ClaimVerdict.Provision p -> provision(claim, storageClass, null);
            case ClaimVerdict.Clone c -> provision(claim, storageClass, c);
            case ClaimVerdict.Restore r -> provision(claim, storageClass, r);
        };
    }

    /** An empty volume, or with {@code copy} (a Clone or Restore verdict) a copy of what it names. */
    private UpdateControl<PersistentVolumeClaim> provision(
            PersistentVolumeClaim claim, StorageClass storageClass, ClaimVerdict copy) throws ProvisioningFailure {
        String className = storageClass.getMetadata().getName();
        long start = System.nanoTime();
        String volumeName = "pvc-" + claim.getMetadata().getUid();
        try {
            PersistentVolume existing =
                    w.client().persistentVolumes().withName(volumeName).get();
            if (existing != null) {
                checkOwnedBy(existing, claim);
                return UpdateControl.noUpdate(); // a previous attempt finished; the PV controller binds it
            }
            var share = w.shares().forClass(storageClass.getParameters());
            // The source is looked at when a copy starts; a copy running goes on with what it was given.
            CloneSource source =
                    copy == null || w.work(share).copying(volumeName) ? null : CloneSource.find(w, claim, copy);
            long request = Quantities.bytes(
                    claim.getSpec().getResources().getRequests().get("storage"));
            String noRoom = w.provisioned()
                    .grant(storageClass.getParameters(), volumeName, request, request, share, w.work(share));
            if (noRoom != null) return waitForSpace(claim, className, noRoom);
            if (copy == null)
                w.events()
                        .post(
                                claim,
                                Events.NORMAL,
                                "Provisioning",
                                "External provisioner is provisioning volume for claim \"" + key(claim) + "\"");
            var notes = dev.nfsprov.provision.ClassParameters.notes(storageClass.getParameters());
            if (!notes.isEmpty()
                    && classNotesSaid.add(
                            className + "@" + storageClass.getMetadata().getResourceVersion()))
                w.events().post(claim, Events.WARNING, "StorageClassParameters", String.join("; ", notes));
            var facts = new ClaimFacts(
                    claim.getMetadata().getNamespace(),
                    claim.getMetadata().getName(),
                    claim.getMetadata().getLabels(),
                    claim.getMetadata().getAnnotations(),
                    volumeName);
            VolumeService.Volume volume;
            if (copy == null) {
                volume = w.work(share)
                        .step(
                                "creating the directory of " + key(claim),
                                () -> share.volumes()
                                        .provision(
                                                facts,
                                                storageClass.getParameters(),
                                                dir -> w.provisioned().volumeAt(share, dir)));
            } else {
                var copied = clones.copy(claim, storageClass, share, copy, source, facts);
                if (copied.isEmpty())
                    return UpdateControl.<PersistentVolumeClaim>noUpdate().rescheduleAfter(Clones.POLL);
                volume = copied.get();
            }
            if (volume.ownerRefused()) {
                w.events()
                        .post(
                                claim,
                                Events.WARNING,
                                "OwnerNotSet",
                                "the share refused to give the directory its owner (root squash?): it has its mode"
                                        + " only; doctor explains, and the controller's log says what the share"
                                        + " does");
            }
            Faults.point("after-directory");
            createVolume(volumeObject(claim, storageClass, volumeName, volume), claim);
            w.metrics().provisioned(className, start);
            rejections.forget(claim);
            w.events()
                    .post(
                            claim,
                            Events.NORMAL,
                            "ProvisioningSucceeded",
                            "Successfully provisioned volume " + volumeName);
            Fields.of("claim", key(claim), "volume", volumeName, "storageClass", className, "path", volume.nfsPath())
                    .log(LOG, Level.INFO, "provisioned");
            return UpdateControl.noUpdate();
        } catch (CloneSource.NotBoundYet e) {
            w.provisioned().withdraw(volumeName);
            return rejected(claim, className, e.getMessage()).rescheduleAfter(SOURCE_NOT_READY_RETRY);
        } catch (RejectedException e) {
            w.provisioned().withdraw(volumeName);
            return rejected(claim, className, e.getMessage());
        } catch (ShareException e) {
            w.provisioned().withdraw(volumeName);
            return failed(claim, className, e.getMessage());
        } catch (KubernetesClientException e) {
            w.provisioned().withdraw(volumeName);
            return failed(claim, className, "Kubernetes API: " + ApiErrors.describe(e));
        } catch (Error e) {
            // JOSDK catches only Exception: an Error would end this attempt with no Event and no retry.
            w.provisioned().withdraw(volumeName);
            return failed(claim, className, "internal error while provisioning: " + e);
        }
    }

    /**
     * The class's capacityPolicy leaves no room: said once (the numbers change with every look), and looked at
     * again soon, so that the claim is provisioned as soon as a volume is freed or the share grows.
     */
    private UpdateControl<PersistentVolumeClaim> waitForSpace(
            PersistentVolumeClaim claim, String className, String why) {
        w.metrics().provisionFailed(className);
        if (rejections.isNew(claim, "no room on the share")) {
            w.events().post(claim, Events.WARNING, "ProvisioningFailed", "failed to provision volume: " + why);
            Fields.of("claim", key(claim), "storageClass", className, "reason", why)
                    .log(LOG, Level.WARNING, "waiting for space");
        }
        return UpdateControl.<PersistentVolumeClaim>noUpdate().rescheduleAfter(Expansion.WAIT_FOR_SPACE);
    }

    /** The claim or its class is at fault: one Event per distinct reason, looked at again when either changes. */
    private UpdateControl<PersistentVolumeClaim> rejected(PersistentVolumeClaim claim, String className, String why) {
        w.metrics().provisionFailed(className == null ? "" : className);
        if (rejections.isNew(claim, why)) {
            w.events().post(claim, Events.WARNING, "ProvisioningFailed", "failed to provision volume: " + why);
            Fields.of("claim", key(claim), "storageClass", className, "reason", why)
                    .log(LOG, Level.WARNING, "rejected");
        }
        return UpdateControl.<PersistentVolumeClaim>noUpdate().rescheduleAfter(REJECTED_RETRY);
    }

    /** Transient (API, share I/O): reported and retried with exponential backoff. */
    private UpdateControl<PersistentVolumeClaim> failed(PersistentVolumeClaim claim, String className, String why)
            throws ProvisioningFailure {
        w.metrics().provisionFailed(className == null ? "" : className);
        w.events().post(claim, Events.WARNING, "ProvisioningFailed", "failed to provision volume: " + why);
        Fields.of("claim", key(claim), "storageClass", className, "reason", why)
                .log(LOG, Level.WARNING, "provisioning failed; retrying with backoff");
        throw new ProvisioningFailure("claim " + key(claim) + ": " + why); // JOSDK retries with exponential backoff
    }

    private static void checkOwnedBy(PersistentVolume volume, PersistentVolumeClaim claim) throws RejectedException {
        var ref = volume.getSpec().getClaimRef();
        if (ref == null || !Objects.equals(ref.getUid(), claim.getMetadata().getUid())) {
            throw new RejectedException("a PersistentVolume named "
                    + volume.getMetadata().getName() + " exists and belongs to another claim");
        }
    }

    private void createVolume(PersistentVolume volume, PersistentVolumeClaim claim) throws RejectedException {
        try {
            w.client().persistentVolumes().resource(volume).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) throw e;
            // made by an earlier attempt whose answer we never saw: fine if it is this claim's
            PersistentVolume existing = w.client()
                    .persistentVolumes()
                    .withName(volume.getMetadata().getName())
                    .get();
            if (existing == null) throw e;
            checkOwnedBy(existing, claim);
        }
    }

    private PersistentVolume volumeObject(
            PersistentVolumeClaim claim, StorageClass storageClass, String volumeName, VolumeService.Volume volume) {
        Quantity size = claim.getSpec().getResources().getRequests().get("storage");
        String reclaimPolicy = storageClass.getReclaimPolicy() == null ? "Delete" : storageClass.getReclaimPolicy();
        var annotations = new java.util.LinkedHashMap<String, String>();
        annotations.put(Names.ANN_PROVISIONED_BY, w.provisionerName());
        annotations.put(Names.ANN_ON_DELETE, volume.onDelete().word());
        if (volume.consumerOwned()) annotations.put(Names.ANN_OWNERSHIP, Names.OWNERSHIP_CONSUMER);
        return new PersistentVolumeBuilder()
                .withNewMetadata()
                .withName(volumeName)
                .withAnnotations(annotations)
                .withFinalizers(Names.FINALIZER)
                .endMetadata()
                .withNewSpec()
                .addToCapacity("storage", size)
                .withAccessModes(claim.getSpec().getAccessModes())
                .withPersistentVolumeReclaimPolicy(reclaimPolicy)
                .withStorageClassName(storageClass.getMetadata().getName())
                .withMountOptions(storageClass.getMountOptions())
                .withVolumeMode("Filesystem")
                .withNewNfs()
                .withServer(volume.nfsServer())
                .withPath(volume.nfsPath())
                .withReadOnly(false)
                .endNfs()
                .withNewClaimRef()
                .withApiVersion("v1")
                .withKind("PersistentVolumeClaim")
                .withNamespace(claim.getMetadata().getNamespace())
                .withName(claim.getMetadata().getName())
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
