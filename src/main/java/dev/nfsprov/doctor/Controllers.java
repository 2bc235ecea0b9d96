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

    /** Every Deployment that runs an nfsprov controller (it has PROVISIONER_NAME and NFS_SERVER), and every Lease. */
    static Controllers find(KubernetesClient client, Report report) {
        List<Controller> found = new ArrayList<>();
        try {
            for (Deployment d :
                    client.apps().deployments().inAnyNamespace().list().getItems()) {
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
            for (Lease l : client.leases().inAnyNamespace().list().getItems())
                byName.merge(l.getMetadata().getName(), l, Controllers::fresher);
        } catch (KubernetesClientException e) {
            // without Leases, controller health comes from Deployments alone
        }
        return new Controllers(List.copyOf(found), byName);
    }

    public List<Controller> all() {
        return deployments;
    }

    /** The controller whose shares doctor looks at: the first one whose Lease is held now, else the first. */
    public Optional<Controller> main() {
        return deployments.stream()
                .filter(c -> leader(c.provisioner()).isPresent())
                .findFirst()
                .or(() -> deployments.stream().findFirst());
    }

    /** The provisioner's Lease, when it is held now. */
    Optional<Lease> leader(String provisioner) {
        Lease l = leases.get(Names.leaseName(provisioner));
        return l != null && fresh(l) ? Optional.of(l) : Optional.empty();
    }

    /** A controller for this provisioner is working: a fresh Lease, or a ready Deployment. */
    Optional<String> running(String provisioner) {
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
