package dev.nfsprov.protocol;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import java.util.Map;

/**
 * The provisioner's decisions about a claim, each a predicate with a reason, as sig-storage-lib's controller makes
 * them. The controller acts on the verdict; doctor prints it for Pending claims. Class parameters (pathPattern,
 * onDelete, ...) are checked by {@link dev.nfsprov.provision.VolumeService}, which needs no Kubernetes types.
 */
public final class ClaimRules {
    private ClaimRules() {}

    /**
     * The most of a claim's labels and annotations (characters of keys and values) the controller keeps while it works
     * on the claim: tenants choose them, up to 256 KiB a claim, and a few hundred such claims left Pending filled its
     * heap (docs/reliability.md). A claim over it is refused, with this reason.
     */
    public static final long METADATA_BUDGET = 16 * 1024;

    /** Handed to this provisioner by the PV controller and still unbound: the claims the controller watches for. */
    public static boolean handedTo(PersistentVolumeClaim claim, String provisioner) {
        return notOurs(claim, provisioner) == null;
    }

    /** The PV controller handed the claim to this provisioner (its annotation stays once the claim is bound). */
    public static boolean names(PersistentVolumeClaim claim, String provisioner) {
        var a = annotations(claim);
        return provisioner.equals(a.get(Names.ANN_STORAGE_PROVISIONER))
                || provisioner.equals(a.get(Names.ANN_BETA_STORAGE_PROVISIONER));
    }

    /**
     * A bound claim of this provisioner whose request grew past its capacity: kube-controller-manager's expand
     * controller leaves in-tree NFS volumes to "an external controller" (Event ExternalExpanding), which nfsprov is.
     */
    public static boolean grown(PersistentVolumeClaim claim, String provisioner) {
        if (claim.getMetadata().getDeletionTimestamp() != null) return false;
        var spec = claim.getSpec();
        if (spec == null || spec.getVolumeName() == null || spec.getVolumeName().isEmpty()) return false;
        var status = claim.getStatus();
        if (status == null || !"Bound".equals(status.getPhase()) || status.getCapacity() == null) return false;
        if (!names(claim, provisioner)) return false;
        var requests = spec.getResources() == null ? null : spec.getResources().getRequests();
        if (requests == null) return false;
        return Quantities.bytes(requests.get("storage"))
                > Quantities.bytes(status.getCapacity().get("storage"));
    }

    /** The verdict for a claim whose class (null if it does not exist) is {@code storageClass}. */
    public static ClaimVerdict decide(PersistentVolumeClaim claim, StorageClass storageClass, String provisioner) {
        String not = notOurs(claim, provisioner);
        return not != null ? new ClaimVerdict.NotOurs(not) : judge(claim, storageClass, provisioner);
    }

    /**
     * The verdict as if the PV controller had handed the claim to {@code provisioner} already: what doctor reports for
     * a Pending claim of a class, before or after kube-controller-manager has annotated it.
     */
    public static ClaimVerdict judge(PersistentVolumeClaim claim, StorageClass storageClass, String provisioner) {
        String className = claim.getSpec().getStorageClassName();
        if (storageClass == null) return new ClaimVerdict.Reject("StorageClass \"" + className + "\" not found");
        if (!provisioner.equals(storageClass.getProvisioner())) {
            return new ClaimVerdict.NotOurs(
                    "its class " + className + " names provisioner " + storageClass.getProvisioner());
        }
        long size = Math.max(metadataSize(claim), droppedSize(claim));
        if (size > METADATA_BUDGET) {
            return new ClaimVerdict.Reject("its labels and annotations are " + (size + 1023) / 1024
                    + " KiB, more than the " + METADATA_BUDGET / 1024 + " KiB nfsprov keeps of a claim it works on "
                    + "(so that no tenant can fill its memory): make them smaller");
        }
        if (Names.WAIT_FOR_FIRST_CONSUMER.equals(storageClass.getVolumeBindingMode())
                && !annotations(claim).containsKey(Names.ANN_SELECTED_NODE)) {
            return new ClaimVerdict.Wait("class " + className
                    + " is WaitForFirstConsumer and no Pod using the claim has been scheduled yet");
        }
        var spec = claim.getSpec();
        if (spec.getSelector() != null) {
            return new ClaimVerdict.Reject(
                    "claims with spec.selector are not supported: nfsprov creates a new volume for every "
                            + "claim; remove the selector, or bind the claim to an existing PersistentVolume by name");
        }
        if ("Block".equals(spec.getVolumeMode())) {
            return new ClaimVerdict.Reject(
                    "volumeMode Block is not supported: an NFS share provides Filesystem volumes only");
        }
        var requests = spec.getResources() == null ? null : spec.getResources().getRequests();
        if (requests == null || requests.get("storage") == null) {
            return new ClaimVerdict.Reject("the claim has no spec.resources.requests.storage");
        }
        if (spec.getDataSource() != null || spec.getDataSourceRef() != null) return dataSource(claim);
        return new ClaimVerdict.Provision();
    }

    /** The API group and kind of nfsprov's snapshots (dev.nfsprov.api.ClaimSnapshot), as a dataSourceRef names them. */
    public static final String SNAPSHOT_GROUP = "nfsprov.dev";

    public static final String SNAPSHOT_KIND = "ClaimSnapshot";

    /**
     * A claim with a data source: a clone of a claim, or a restore of a ClaimSnapshot, of its own namespace, or
     * refused. dataSourceRef wins where both are set (the API server keeps them equal unless the ref names a namespace
     * or a kind dataSource cannot hold). Never an empty volume where data was asked for: that is how pipelines on
     * nfs-subdir lose data silently.
     */
    private static ClaimVerdict dataSource(PersistentVolumeClaim claim) {
        var spec = claim.getSpec();
        var ref = spec.getDataSourceRef();
        String group = ref != null ? ref.getApiGroup() : spec.getDataSource().getApiGroup();
        String kind = ref != null ? ref.getKind() : spec.getDataSource().getKind();
        String name = ref != null ? ref.getName() : spec.getDataSource().getName();
        String namespace = ref != null ? ref.getNamespace() : null;
        boolean claimKind = (group == null || group.isEmpty()) && "PersistentVolumeClaim".equals(kind);
        boolean snapshotKind = SNAPSHOT_GROUP.equals(group) && SNAPSHOT_KIND.equals(kind);
        if (!claimKind && !snapshotKind) {
            return new ClaimVerdict.Reject(
                    "a dataSource of kind " + (group == null || group.isEmpty() ? "" : group + "/")
                            + kind + " is not supported: nfsprov fills a new volume only from a claim (kind "
                            + "PersistentVolumeClaim) or a ClaimSnapshot (apiGroup " + SNAPSHOT_GROUP + ") of the same"
                            + " namespace, and would otherwise give an empty one; remove the dataSource to get an"
                            + " empty volume knowingly");
        }
        String what = claimKind ? "claim" : "ClaimSnapshot";
        String own = claim.getMetadata().getNamespace();
        if (namespace != null && !namespace.isEmpty() && !namespace.equals(own)) {
            return new ClaimVerdict.Reject("the dataSourceRef names " + what + " " + namespace + "/" + name
                    + " of another namespace: nfsprov copies only within a claim's own namespace, so that no "
                    + "tenant can read another's data");
        }
        if (name == null || name.isEmpty()) return new ClaimVerdict.Reject("the dataSource names no " + what);
        if (snapshotKind) return new ClaimVerdict.Restore(name);
        if (name.equals(claim.getMetadata().getName()))
            return new ClaimVerdict.Reject("the dataSource names the claim itself");
        return new ClaimVerdict.Clone(name);
    }

    /** Characters of the claim's label and annotation keys and values. */
    public static long metadataSize(PersistentVolumeClaim claim) {
        var labels = claim.getMetadata().getLabels();
        return size(annotations(claim)) + (labels == null ? 0 : size(labels));
    }

    /**
     * On the controller's cached copy of a claim over {@link #METADATA_BUDGET}, how large its labels and annotations
     * were ({@link Names#ANN_METADATA_SIZE}); 0 on others. A tenant who sets it can only have their own claim refused.
     */
    private static long droppedSize(PersistentVolumeClaim claim) {
        String dropped = annotations(claim).get(Names.ANN_METADATA_SIZE);
        return dropped != null && dropped.matches("[0-9]{1,18}") ? Long.parseLong(dropped) : 0;
    }

    private static long size(Map<String, String> map) {
        long n = 0;
        for (var e : map.entrySet())
            n += e.getKey().length() + (e.getValue() == null ? 0 : e.getValue().length());
        return n;
    }

    private static String notOurs(PersistentVolumeClaim claim, String provisioner) {
        if (claim.getMetadata().getDeletionTimestamp() != null) return "it is being deleted";
        var spec = claim.getSpec();
        if (spec == null) return "it has no spec";
        if (spec.getVolumeName() != null && !spec.getVolumeName().isEmpty())
            return "it is bound to volume " + spec.getVolumeName();
        String phase = claim.getStatus() == null ? null : claim.getStatus().getPhase();
        if (phase != null && !"Pending".equals(phase)) return "it is " + phase;
        if (!names(claim, provisioner)) return "the PV controller has not handed it to " + provisioner;
        return null;
    }

    private static Map<String, String> annotations(PersistentVolumeClaim claim) {
        var a = claim.getMetadata().getAnnotations();
        return a == null ? Map.of() : a;
    }
}
