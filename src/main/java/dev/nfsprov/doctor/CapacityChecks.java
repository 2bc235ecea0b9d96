package dev.nfsprov.doctor;

import dev.nfsprov.nfsprobe.NfsProbe;
import dev.nfsprov.oncrpc.RpcException;
import dev.nfsprov.protocol.Quantities;
import dev.nfsprov.protocol.UsageRules;
import dev.nfsprov.provision.Capacity;
import dev.nfsprov.provision.ShareCatalog;
import dev.nfsprov.provision.ShareMount;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Size, as far as NFS has one: per nfsprov class, what its volumes request against the share's free space (read from
 * the server, GETATTR space_avail and space_total), and the claims whose measured usage is past their request.
 */
public final class CapacityChecks {

    /** A share as doctor reaches it: its server's probe and exported path. */
    public record Share(NfsProbe probe, String path) {}

    private final KubernetesClient client;
    private final Map<String, Share> shares;

    /** The shares by name ("default" first); a class's free space is its share's (not said when unknown). */
    public CapacityChecks(KubernetesClient client, Map<String, Share> shares) {
        this.client = client;
        this.shares = shares;
    }

    private record Space(Optional<long[]> space, String problem) {}

    private Space space(StorageClass c, Map<String, Space> seen) {
        String name = c.getParameters() == null ? null : c.getParameters().get(ShareCatalog.PARAM_SHARE);
        String key = name == null || name.isBlank() ? ShareMount.DEFAULT : name.strip();
        Share share = shares.get(key);
        if (share == null || share.path() == null)
            return new Space(Optional.empty(), shares.isEmpty() ? null : "share " + key + " is not one doctor knows");
        return seen.computeIfAbsent(key, k -> {
            try {
                return new Space(share.probe().space(share.path()), null);
            } catch (RpcException e) {
                return new Space(Optional.empty(), e.getMessage());
            }
        });
    }

    public void run(String namespace, List<StorageClass> classes, Report report) {
        if (classes.isEmpty()) return;
        var volumes = client.persistentVolumes().list().getItems();
        var measured = new java.util.HashMap<String, Space>();
        for (StorageClass c : classes.stream()
                .sorted(Comparator.comparing(x -> x.getMetadata().getName()))
                .toList()) {
            String name = c.getMetadata().getName();
            var at = space(c, measured);
            Optional<long[]> space = at.space();
            String spaceProblem = at.problem();
            var of = volumes.stream()
                    .filter(v -> name.equals(v.getSpec().getStorageClassName())
                            && v.getSpec().getNfs() != null)
                    .toList();
            long requested = of.stream()
                    .mapToLong(v -> Quantities.bytes(v.getSpec().getCapacity().get("storage")))
                    .sum();
            String detail = of.size() + " volume(s) request " + Capacity.human(requested)
                    + space.map(s -> "; the share has " + Capacity.human(s[1]) + " of " + Capacity.human(s[0])
                                    + " available")
                            .orElse(spaceProblem == null ? "" : "; free space not read: " + spaceProblem);
            String policy = c.getParameters() == null ? null : c.getParameters().get(Capacity.PARAM_POLICY);
            report.add(Check.ok(
                    "capacity of " + name, detail + (policy == null ? "" : " (capacityPolicy " + policy + ")")));
        }
        var names = classes.stream().map(c -> c.getMetadata().getName()).toList();
        for (PersistentVolume v : volumes.stream()
                .filter(v -> names.contains(v.getSpec().getStorageClassName())
                        && v.getSpec().getClaimRef() != null)
                .sorted(Comparator.comparing(v -> v.getSpec().getClaimRef().getNamespace() + "/"
                        + v.getSpec().getClaimRef().getName()))
                .toList()) {
            var ref = v.getSpec().getClaimRef();
            if (namespace != null && !namespace.equals(ref.getNamespace())) continue;
            var recorded = UsageRules.recorded(v.getMetadata().getAnnotations());
            long request = Quantities.bytes(v.getSpec().getCapacity().get("storage"));
            if (recorded == null || request <= 0 || recorded.bytes() <= request) continue;
            report.add(Check.warning(
                    "claim " + ref.getNamespace() + "/" + ref.getName(),
                    "uses " + Capacity.human(recorded.bytes()) + " of its " + Capacity.human(request)
                            + " request (measured " + recorded.scanned() + "): NFS does not enforce requests, so it"
                            + " takes space the other volumes count on",
                    "free space in the volume, or grow the claim (a class with allowVolumeExpansion: true)"));
        }
    }
}
