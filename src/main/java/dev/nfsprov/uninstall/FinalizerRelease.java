package dev.nfsprov.uninstall;

import dev.nfsprov.protocol.Names;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * After the controller is uninstalled, the finalizer it put on its volumes would make every later delete of them
 * hang. This takes it off, for one provisioner's volumes only (CSI provisioners use the same finalizer), and only
 * while no controller of that provisioner runs: a running one would put it back, and would reclaim the volume.
 */
public final class FinalizerRelease {

    /** A volume carrying the finalizer, and what removing it means. */
    public record Row(String volume, String claim, String phase, boolean deleting, String directory) {
        public String outcome() {
            return deleting
                    ? "removed from the API now; its directory stays on the share"
                    : "stays; deleting it later removes only the API object, its directory stays on the share";
        }
    }

    /** The controller of this provisioner, seen through its Lease, if it renewed it within the lease's duration. */
    public record Running(String lease, String holder, Duration since) {}

    private final KubernetesClient client;

    public FinalizerRelease(KubernetesClient client) {
        this.client = client;
    }

    /** Provisioner names of the volumes that carry the finalizer, with how many each. */
    public Map<String, Integer> provisioners() {
        var counts = new TreeMap<String, Integer>();
        for (var pv : withFinalizer()) counts.merge(provisionedBy(pv), 1, Integer::sum);
        return counts;
    }

    public List<Row> plan(String provisioner) {
        var rows = new ArrayList<Row>();
        for (var pv : withFinalizer()) {
            if (!provisioner.equals(provisionedBy(pv))) continue;
            var ref = pv.getSpec().getClaimRef();
            var nfs = pv.getSpec().getNfs();
            rows.add(new Row(
                    pv.getMetadata().getName(),
                    ref == null ? "" : ref.getNamespace() + "/" + ref.getName(),
                    pv.getStatus() == null ? "" : String.valueOf(pv.getStatus().getPhase()),
                    pv.getMetadata().getDeletionTimestamp() != null,
                    nfs == null ? "" : nfs.getServer() + ":" + nfs.getPath()));
        }
        return rows;
    }

    /**
     * The Lease of a controller for this provisioner that is still renewing it, in {@code namespace} (null: in any,
     * where a tenant's look-alike Lease also counts: safe, and --controller-namespace narrows it).
     */
    public Optional<Running> running(String provisioner, Instant now, String namespace) {
        var leases = namespace == null
                ? client.leases().inAnyNamespace()
                : client.leases().inNamespace(namespace);
        for (Lease l : leases.list().getItems()) {
            if (!l.getMetadata().getName().equals(Names.leaseName(provisioner))) continue;
            var spec = l.getSpec();
            if (spec == null || spec.getRenewTime() == null || blank(spec.getHolderIdentity())) continue;
            int seconds = spec.getLeaseDurationSeconds() == null ? 15 : spec.getLeaseDurationSeconds();
            Instant renewed = spec.getRenewTime().toInstant();
            if (renewed.plusSeconds(seconds).isAfter(now)) {
                return Optional.of(new Running(
                        l.getMetadata().getNamespace() + "/" + l.getMetadata().getName(),
                        spec.getHolderIdentity(),
                        Duration.between(renewed, now)));
            }
        }
        return Optional.empty();
    }

    /** Removes the finalizer from one volume; true when it was there. Safe to repeat. */
    public boolean release(String volume) {
        try {
            var edited = new boolean[1];
            client.persistentVolumes().withName(volume).edit(pv -> {
                var finalizers = pv.getMetadata().getFinalizers();
                edited[0] = finalizers != null && finalizers.remove(Names.FINALIZER);
                return pv;
            });
            return edited[0];
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) return false; // gone already: deleted as soon as its last finalizer went
            throw e;
        }
    }

    private List<PersistentVolume> withFinalizer() {
        return client.persistentVolumes().list().getItems().stream()
                .filter(pv -> pv.getMetadata().getFinalizers() != null
                        && pv.getMetadata().getFinalizers().contains(Names.FINALIZER))
                .toList();
    }

    private static String provisionedBy(PersistentVolume pv) {
        var a = pv.getMetadata().getAnnotations();
        String by = a == null ? null : a.get(Names.ANN_PROVISIONED_BY);
        return by == null ? "(unknown)" : by;
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
