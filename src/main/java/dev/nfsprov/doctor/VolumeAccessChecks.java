package dev.nfsprov.doctor;

import dev.nfsprov.nfsprobe.NfsProbe;
import dev.nfsprov.oncrpc.RpcException;
import dev.nfsprov.protocol.OwnershipRules;
import dev.nfsprov.protocol.PodIds;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The failures users meet once a claim is Bound: a Pod whose uid and groups cannot write its volume's directory (the
 * directory's owner and mode read from the NFS server), and databases on a class mounted with {@code nolock}.
 */
public final class VolumeAccessChecks {

    /** Claims and images that look like databases: they lock files, and NFSv3 without NLM or nolock breaks them. */
    static final Pattern DATABASE =
            Pattern.compile("(?i)(mysql|mariadb|postgres|mongo|redis|sqlite|etcd|seaweed|minio|influx|cassandra)");

    private final KubernetesClient client;
    private final String nfsHost;
    private final int nfsPort;
    private final Duration timeout;

    /** nfsHost and nfsPort: where the server doctor checks listens (volumes of another server are probed on 2049). */
    public VolumeAccessChecks(KubernetesClient client, String nfsHost, int nfsPort, Duration timeout) {
        this.client = client;
        this.nfsHost = nfsHost;
        this.nfsPort = nfsPort;
        this.timeout = timeout;
    }

    private record Use(PersistentVolumeClaim claim, List<Pod> pods) {
        String key() {
            return claim.getMetadata().getNamespace() + "/"
                    + claim.getMetadata().getName();
        }
    }

    public void run(String namespace, List<StorageClass> classes, Report report) {
        Map<String, StorageClass> byName = new HashMap<>();
        classes.forEach(c -> byName.put(c.getMetadata().getName(), c));
        var pods = (namespace == null
                        ? client.pods().inAnyNamespace().list()
                        : client.pods().inNamespace(namespace).list())
                .getItems();
        Map<String, List<Pod>> users = new HashMap<>();
        for (Pod p : pods) {
            for (String c : OwnershipRules.claims(p))
                users.computeIfAbsent(p.getMetadata().getNamespace() + "/" + c, k -> new ArrayList<>())
                        .add(p);
        }
        var claims = (namespace == null
                        ? client.persistentVolumeClaims().inAnyNamespace().list()
                        : client.persistentVolumeClaims().inNamespace(namespace).list())
                .getItems();
        List<Use> uses = claims.stream()
                .filter(c -> c.getSpec().getStorageClassName() != null
                        && byName.containsKey(c.getSpec().getStorageClassName())
                        && c.getSpec().getVolumeName() != null
                        && !c.getSpec().getVolumeName().isEmpty())
                .map(c -> new Use(
                        c,
                        users.getOrDefault(
                                c.getMetadata().getNamespace() + "/"
                                        + c.getMetadata().getName(),
                                List.of())))
                .filter(u -> !u.pods().isEmpty())
                .sorted(Comparator.comparing(Use::key))
                .toList();
        nolock(uses, byName, report);
        access(uses, report);
    }

    private static void nolock(List<Use> uses, Map<String, StorageClass> classes, Report report) {
        for (Use u : uses) {
            StorageClass c = classes.get(u.claim().getSpec().getStorageClassName());
            List<String> options = c.getMountOptions() == null ? List.of() : c.getMountOptions();
            if (!options.contains("nolock")) continue;
            Optional<String> database = database(u);
            if (database.isEmpty()) continue;
            report.add(Check.warning(
                    "claim " + u.key(),
                    "holds a database (" + database.get() + ") on StorageClass "
                            + c.getMetadata().getName()
                            + ", mounted with nolock: its file locks are local to each node, so a second Pod on"
                            + " another node can open the same files, and corrupt them",
                    "re-create the class without nolock and with nfsvers=4.1 (locking is part of NFSv4), then move"
                            + " the claim to it with nfsprov rebind"));
        }
    }

    private static Optional<String> database(Use u) {
        if (DATABASE.matcher(u.claim().getMetadata().getName()).find())
            return Optional.of("claim name " + u.claim().getMetadata().getName());
        return u.pods().stream()
                .flatMap(p -> Stream.concat(
                        p.getSpec().getContainers().stream(),
                        p.getSpec().getInitContainers() == null
                                ? Stream.<Container>empty()
                                : p.getSpec().getInitContainers().stream()))
                .map(Container::getImage)
                .filter(i -> i != null && DATABASE.matcher(i).find())
                .findFirst()
                .map(i -> "image " + i);
    }

    private void access(List<Use> uses, Report report) {
        int writable = 0;
        List<String> unknown = new ArrayList<>();
        List<String> named = new ArrayList<>();
        for (Use u : uses) {
            var pv = client.persistentVolumes()
                    .withName(u.claim().getSpec().getVolumeName())
                    .get();
            if (pv == null || pv.getSpec().getNfs() == null) continue;
            var nfs = pv.getSpec().getNfs();
            int port = nfs.getServer().equals(nfsHost) ? nfsPort : 2049;
            NfsProbe.Attributes dir;
            try {
                var found = new NfsProbe(nfs.getServer(), port, timeout).attributes(nfs.getPath());
                if (found.isEmpty()) continue; // a missing directory is the claim checks' business
                dir = found.get();
            } catch (RpcException e) {
                unknown.add(u.key() + " (" + e.getMessage() + ")");
                continue;
            }
            OptionalLong uid = id(dir.owner());
            OptionalLong gid = id(dir.group());
            int mode = dir.mode();
            if (uid.isEmpty() || gid.isEmpty()) {
                // An NFSv4 server that maps ids to names (ganesha, idmapd) sends names doctor cannot turn back into
                // ids; what the controller recorded when it gave the directory away says the same in numbers.
                var recorded = recorded(pv.getMetadata().getAnnotations());
                if (recorded == null) {
                    named.add(u.key() + " (" + dir.owner() + ":" + dir.group() + ")");
                    continue;
                }
                mode = (int) recorded[0];
                uid = OptionalLong.of(recorded[1]);
                gid = OptionalLong.of(recorded[2]);
            }
            List<String> cannot = new ArrayList<>();
            for (Pod p : u.pods()) {
                PodIds ids =
                        OwnershipRules.ids(p, u.claim().getMetadata().getName()).orElseThrow();
                if (!OwnershipRules.canWrite(ids, uid.getAsLong(), gid.getAsLong(), mode)
                        .orElse(true)) cannot.add("Pod " + ids.pod() + " (" + ids.describe() + ")");
            }
            if (cannot.isEmpty()) {
                writable++;
                continue;
            }
            report.add(Check.warning(
                    "claim " + u.key(),
                    String.join(", ", cannot) + " cannot write its volume "
                            + pv.getMetadata().getName()
                            + ": the directory is owner " + uid.getAsLong() + ", group " + gid.getAsLong()
                            + ", mode %04o".formatted(mode),
                    "run the Pod with fsGroup " + gid.getAsLong() + " or runAsUser " + uid.getAsLong()
                            + "; or use a StorageClass with ownership: consumer, which gives a new volume to the"
                            + " first Pod that uses it; or change the directory's owner on the share"));
        }
        if (!unknown.isEmpty()) report.add(Check.unknown("volume access", "not read: " + String.join("; ", unknown)));
        String notRead = named.isEmpty()
                ? ""
                : named.size() + " not checked, their owners sent as names, not ids: " + String.join(", ", named);
        if (writable > 0)
            report.add(Check.ok(
                    "volume access",
                    writable + " volume(s) in use, each writable by the ids its Pods run with"
                            + (notRead.isEmpty() ? "" : "; " + notRead)));
        else if (!notRead.isEmpty()) report.add(Check.ok("volume access", notRead));
    }

    /** What ownership: consumer recorded on the volume ("2770 999:999"): mode, uid, gid; null if nothing. */
    static long[] recorded(Map<String, String> annotations) {
        String v = annotations == null ? null : annotations.get(dev.nfsprov.protocol.Names.ANN_OWNER_APPLIED);
        if (v == null) return null;
        var m = Pattern.compile("([0-7]{3,4}) ([0-9]{1,10}):([0-9]{1,10}).*").matcher(v);
        if (!m.matches()) return null;
        return new long[] {Long.parseLong(m.group(1), 8), Long.parseLong(m.group(2)), Long.parseLong(m.group(3))};
    }

    /** A numeric owner, or root and nobody by name (what NFSv4 servers send when they map ids to names). */
    static OptionalLong id(String owner) {
        String name = owner.contains("@") ? owner.substring(0, owner.indexOf('@')) : owner;
        if (name.matches("[0-9]{1,10}")) return OptionalLong.of(Long.parseLong(name));
        if (name.equals("root")) return OptionalLong.of(0);
        return OptionalLong.empty();
    }
}
