package dev.nfsprov.faults;

import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Counts what a fault scenario left behind: bound claims, duplicates, orphans, lost claims. */
record Invariants(
        int claims, int bound, int duplicates, int orphanVolumes, int orphanDirectories, int missingDirectories) {

    /**
     * Claims named claimPrefix* of the namespace, the provisioner's volumes, and directories named
     * namespace-claimPrefix*.
     */
    static Invariants check(
            KubernetesClient client, String namespace, String provisioner, Path shareDir, String claimPrefix)
            throws IOException {
        String dirPrefix = namespace + "-" + claimPrefix;
        List<PersistentVolumeClaim> claims =
                client.persistentVolumeClaims().inNamespace(namespace).list().getItems().stream()
                        .filter(c -> c.getMetadata().getName().startsWith(claimPrefix))
                        .toList();
        List<PersistentVolume> volumes = client.persistentVolumes().list().getItems().stream()
                .filter(v -> v.getMetadata().getAnnotations() != null
                        && provisioner.equals(v.getMetadata().getAnnotations().get("pv.kubernetes.io/provisioned-by")))
                .toList();
        Map<String, Integer> perClaim = new HashMap<>();
        for (PersistentVolume v : volumes)
            perClaim.merge(v.getSpec().getClaimRef().getUid(), 1, Integer::sum);
        Set<String> claimUids =
                claims.stream().map(c -> c.getMetadata().getUid()).collect(Collectors.toSet());
        int bound = (int) claims.stream()
                .filter(c ->
                        c.getStatus() != null && "Bound".equals(c.getStatus().getPhase()))
                .count();
        int duplicates = (int) perClaim.values().stream().filter(n -> n > 1).count();
        int orphanVolumes = (int) perClaim.keySet().stream()
                .filter(uid -> !claimUids.contains(uid))
                .count();
        Set<String> dirs;
        try (Stream<Path> s = Files.list(shareDir)) {
            dirs = s.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith(dirPrefix))
                    .collect(Collectors.toSet());
        }
        Set<String> expected = volumes.stream()
                .map(v -> Path.of(v.getSpec().getNfs().getPath()).getFileName().toString())
                .collect(Collectors.toSet());
        int orphanDirs = (int) dirs.stream().filter(d -> !expected.contains(d)).count();
        int missing = (int) expected.stream().filter(d -> !dirs.contains(d)).count();
        return new Invariants(claims.size(), bound, duplicates, orphanVolumes, orphanDirs, missing);
    }

    void print(String scenario, int faults) {
        System.out.printf(
                "%s: faults injected %d, claims %d, bound %d, duplicates %d, orphans %d, lost %d%n",
                scenario,
                faults,
                claims,
                bound,
                duplicates,
                orphanVolumes + orphanDirectories,
                missingDirectories + (claims - bound));
    }
}
