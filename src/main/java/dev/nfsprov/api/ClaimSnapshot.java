package dev.nfsprov.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A point-in-time copy of a claim, asked for by its namespace: nfsprov's own kind (not the CSI VolumeSnapshot, which
 * works on CSI volumes only). Its CRD is deploy/helm/nfsprov/templates/crd-claimsnapshots.yaml; a claim restores one
 * with a dataSourceRef of apiGroup {@value #GROUP}, kind {@value #KIND}.
 */
@Group(ClaimSnapshot.GROUP)
@Version(ClaimSnapshot.VERSION)
@Kind(ClaimSnapshot.KIND)
@Plural("claimsnapshots")
@Singular("claimsnapshot")
public final class ClaimSnapshot extends CustomResource<ClaimSnapshot.Spec, ClaimSnapshot.Status>
        implements Namespaced {

    public static final String GROUP = "nfsprov.dev";
    public static final String VERSION = "v1alpha1";
    public static final String KIND = "ClaimSnapshot";

    /**
     * claimName: the claim of this namespace to copy (immutable: the CRD says so). retention: how long the copy is
     * kept after it was taken, a Go duration such as 168h; unset, the claim's class parameter snapshotRetention
     * applies, else it is kept until deleted.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Spec(String claimName, String retention) {}

    /**
     * What the controller found: readyToUse once the copy is complete; restoreSize the source volume's capacity (a
     * restoring claim must request at least as much); the copy's bytes and files; when it was taken and will expire;
     * message: why it is not ready, or why it was refused. Every field is written, null too, so that a status patch
     * (a JSON merge patch) clears what no longer holds.
     */
    public record Status(
            Boolean readyToUse,
            String restoreSize,
            Long bytes,
            Long files,
            String takenAt,
            String expiresAt,
            String provisioner,
            String share,
            String sourceVolume,
            String message) {

        public static Status notReady(String message) {
            return new Status(false, null, null, null, null, null, null, null, null, message);
        }

        public boolean ready() {
            return Boolean.TRUE.equals(readyToUse);
        }
    }

    public ClaimSnapshot() {}

    public ClaimSnapshot(String namespace, String name, Spec spec) {
        getMetadata().setNamespace(namespace);
        getMetadata().setName(name);
        setSpec(spec);
    }

    @Override
    protected Spec initSpec() {
        return null;
    }

    @Override
    protected Status initStatus() {
        return null;
    }
}
