package dev.nfsprov.doctor;

import dev.nfsprov.protocol.ApiErrors;
import dev.nfsprov.protocol.Names;
import dev.nfsprov.provision.ShareMount;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The nfsprov controllers a cluster shows: their Deployments (with the shares they serve) and their Leases. */
public final class Controllers {

    /** An nfsprov controller found as a Deployment: its namespace, name and configuration. */
    public record Controller(
            String namespace,
            String name,
            String provisioner,
            String nfsServer,
            String nfsPath,
            boolean ready,
            Map<String, String> selector,
            List<ShareMount> moreShares) {}

    static final Controllers NONE = new Controllers(List.of(), Map.of());

    private final List<Controller> deployments;
    private final Map<String, Lease> leases;

    private Controllers(List<Controller> deployments, Map<String, Lease> leases) {
        this.deployments = deployments;
        this.leases = leases;
    }

    /**
     * Every Deployment that runs an nfsprov controller (it has PROVISIONER_NAME and NFS_SERVER), and every Lease, in
     * {@code namespace} (null: in every namespace, where a tenant's Deployment or Lease may look like one).
     */
    public static Controllers find(KubernetesClient client, String namespace, Report report) {
        List<Controller> found = new ArrayList<>();
        try {
            var deployments = namespace == null
                    ? client.apps().deployments().inAnyNamespace()
                    : client.apps().deployments().inNamespace(namespace);
            for (Deployment d : deployments.list().getItems()) {
                for (var c : d.getSpec().getTemplate().getSpec().getContainers()) {
                    Map<String, String> env = new HashMap<>();
                    if (c.getEnv() != null)
                        for (EnvVar e : c.getEnv()) if (e.getValue() != null) env.put(e.getName(), e.getValue());
                    if (!env.containsKey("PROVISIONER_NAME") || !env.containsKey("NFS_SERVER")) continue;
                    boolean ready = d.getStatus() != null
                            && d.getStatus().getReadyReplicas() != null
                            && d.getStatus().getReadyReplicas() > 0;
                    found.add(new Controller(
                            d.getMetadata().getNamespace(),
                            d.getMetadata().getName(),
                            env.get("PROVISIONER_NAME"),
                            env.get("NFS_SERVER"),
                            env.get("NFS_PATH"),
                            ready,
                            d.getSpec().getSelector().getMatchLabels(),
                            moreShares(c.getArgs())));
                }
            }
        } catch (KubernetesClientException e) {
            report.add(Check.unknown("nfsprov Deployments", "cannot list Deployments: " + ApiErrors.describe(e)));
        }
        Map<String, Lease> byName = new HashMap<>();
        try {
            var leases = namespace == null
                    ? client.leases().inAnyNamespace()
                    : client.leases().inNamespace(namespace);
            for (Lease l : leases.list().getItems())
                byName.merge(l.getMetadata().getName(), l, Controllers::fresher);
        } catch (KubernetesClientException e) {
            // without Leases, controller health comes from Deployments alone
        }
        return new Controllers(List.copyOf(found), byName);
    }

    public List<Controller> all() {
        return deployments;
    }

    /** The namespaces the controllers were found in. */
    public java.util.SortedSet<String> namespaces() {
        var out = new java.util.TreeSet<String>();
        deployments.forEach(c -> out.add(c.namespace()));
        return out;
    }

    /**
     * The controller whose shares doctor probes: the first one whose Lease is held now, else the first; none when
     * they are in several namespaces, since one of them may be a tenant's look-alike pointing doctor at a server of
     * its choosing (--controller-namespace says which).
     */
    public Optional<Controller> main() {
        if (namespaces().size() > 1) return Optional.empty();
        return deployments.stream()
                .filter(c -> leader(c.provisioner()).isPresent())
                .findFirst()
                .or(() -> deployments.stream().findFirst());
    }

    /** The provisioner's Lease, when it is held now. */
    public Optional<Lease> leader(String provisioner) {
        Lease l = leases.get(Names.leaseName(provisioner));
        return l != null && fresh(l) ? Optional.of(l) : Optional.empty();
    }

    /** A controller for this provisioner is working: a fresh Lease, or a ready Deployment. */
    public Optional<String> running(String provisioner) {
        return leader(provisioner)
                .map(l -> "Lease " + l.getMetadata().getNamespace() + "/"
                        + l.getMetadata().getName() + " held by " + l.getSpec().getHolderIdentity())
                .or(() -> deployments.stream()
                        .filter(c -> c.provisioner().equals(provisioner) && c.ready())
                        .findFirst()
                        .map(c -> "Deployment " + c.namespace() + "/" + c.name() + " ready"));
    }

    /** The shares a controller serves besides NFS_SERVER/NFS_PATH: its --share arguments (chart value shares). */
    public static List<ShareMount> moreShares(List<String> args) {
        var out = new ArrayList<ShareMount>();
        if (args == null) return out;
        for (int i = 0; i < args.size(); i++) {
            String spec = args.get(i).startsWith("--share=")
                    ? args.get(i).substring("--share=".length())
                    : args.get(i).equals("--share") && i + 1 < args.size() ? args.get(++i) : null;
            if (spec == null) continue;
            try {
                out.add(ShareMount.parse(spec));
            } catch (IllegalArgumentException e) {
                // the controller refuses to start with it, and its Pod's state says so
            }
        }
        return out;
    }

    private static Lease fresher(Lease a, Lease b) {
        return renew(a).isAfter(renew(b)) ? a : b;
    }

    private static ZonedDateTime renew(Lease l) {
        return l.getSpec().getRenewTime() == null
                ? ZonedDateTime.parse("1970-01-01T00:00:00Z")
                : l.getSpec().getRenewTime();
    }

    static boolean fresh(Lease l) {
        int duration =
                l.getSpec().getLeaseDurationSeconds() == null ? 15 : l.getSpec().getLeaseDurationSeconds();
        return l.getSpec().getHolderIdentity() != null
                && !l.getSpec().getHolderIdentity().isEmpty()
                && renew(l).plusSeconds(duration + 5).isAfter(ZonedDateTime.now());
    }
}
