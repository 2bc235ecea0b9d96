package dev.nfsprov.protocol;

import io.fabric8.kubernetes.api.model.storage.StorageClass;
import java.util.Locale;

/**
 * The names nfsprov shares with Kubernetes, sig-storage-lib-external-provisioner (and so nfs-subdir), and its own
 * tools: each defined here once, for the controller, doctor and rebind alike.
 */
public final class Names {
    private Names() {}

    /** Set on a claim by the PV controller: which provisioner is to make its volume. */
    public static final String ANN_STORAGE_PROVISIONER = "volume.kubernetes.io/storage-provisioner";

    public static final String ANN_BETA_STORAGE_PROVISIONER = "volume.beta.kubernetes.io/storage-provisioner";
    /** Set on a claim by the scheduler for WaitForFirstConsumer classes. */
    public static final String ANN_SELECTED_NODE = "volume.kubernetes.io/selected-node";
    /** Set on a volume by its provisioner. */
    public static final String ANN_PROVISIONED_BY = "pv.kubernetes.io/provisioned-by";
    /** The onDelete action decided at provisioning, so a volume is reclaimed right even if its class is gone. */
    public static final String ANN_ON_DELETE = "nfsprov.dev/on-delete";
    /** On a volume whose class says ownership: consumer, until and after its directory is given to a consumer. */
    public static final String ANN_OWNERSHIP = "nfsprov.dev/ownership";

    public static final String OWNERSHIP_CONSUMER = "consumer";
    /** The owner chosen from the first consumer ("UID:GID" or ":GID"), recorded before the directory changes. */
    public static final String ANN_OWNER = "nfsprov.dev/owner";
    /** Set once the directory was given: what it now is ("2770 999:999"), so it is done exactly once. */
    public static final String ANN_OWNER_APPLIED = "nfsprov.dev/owner-applied";
    /**
     * Only on the controller's cached copy of a claim whose labels and annotations were over
     * {@link ClaimRules#METADATA_BUDGET} and were dropped: how many characters they were.
     */
    public static final String ANN_METADATA_SIZE = "nfsprov.dev/metadata-size";
    /** sig-storage-lib-external-provisioner's finalizer: volumes made by nfs-subdir carry it too. */
    public static final String FINALIZER = "external-provisioner.volume.kubernetes.io/finalizer";

    public static final String ANN_DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class";
    public static final String ANN_BETA_DEFAULT_CLASS = "storageclass.beta.kubernetes.io/is-default-class";
    /** The provisioner of classes whose volumes are made by hand. */
    public static final String NO_PROVISIONER = "kubernetes.io/no-provisioner";

    public static final String WAIT_FOR_FIRST_CONSUMER = "WaitForFirstConsumer";

    /** Annotations the control plane writes on a claim while binding it: never copied to a re-created claim. */
    public static boolean setByBinding(String annotation) {
        return annotation.startsWith("pv.kubernetes.io/")
                || annotation.equals(ANN_BETA_STORAGE_PROVISIONER)
                || annotation.equals(ANN_STORAGE_PROVISIONER)
                || annotation.equals(ANN_SELECTED_NODE);
    }

    /** A Lease name from the provisioner name, as sig-storage-lib does: "cluster.local/nfs" → "cluster.local-nfs". */
    public static String leaseName(String provisionerName) {
        return provisionerName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.-]", "-");
    }

    /** The ConfigMap where the leader records its shares' figures for doctor: beside the Lease. */
    public static String statusName(String provisionerName) {
        return leaseName(provisionerName) + "-status";
    }

    /** Marked default by the GA or the old beta annotation, as the DefaultStorageClass admission plugin reads them. */
    public static boolean isDefault(StorageClass c) {
        var a = c.getMetadata().getAnnotations();
        return a != null && ("true".equals(a.get(ANN_DEFAULT_CLASS)) || "true".equals(a.get(ANN_BETA_DEFAULT_CLASS)));
    }
}
