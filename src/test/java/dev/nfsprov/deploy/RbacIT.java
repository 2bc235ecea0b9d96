package dev.nfsprov.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.testenv.Await;
import dev.nfsprov.testenv.ImageLayout;
import dev.nfsprov.testenv.Kube;
import dev.nfsprov.testenv.ProvisionerProcess;
import dev.nfsprov.testenv.RealCluster;
import dev.nfsprov.testenv.RealCluster.TestNamespace;
import dev.nfsprov.testenv.TestEnvironment;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Least privilege, proven: the provisioner runs authenticated as the chart's ServiceAccount with exactly the
 * chart's ClusterRole and Role, provisions, archives, deletes and leads; then, for every single verb of those
 * rules, the same run without that verb fails. So no rule is missing and none is unused.
 * The full-permission run goes through the image layout's launcher (scripts/build-image-layout).
 */
@ExtendWith(RealCluster.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RbacIT {

    private static final Duration SCENARIO_TIMEOUT = Duration.ofSeconds(25);

    private TestEnvironment env;
    private String ns;
    private Kube kube;
    private ClusterRole clusterRole;
    private Role role;
    private String serviceAccount;
    private Path kubeconfig;
    private final String provisioner = "cluster.local/rbac-nfsprov";
    private int round;

    @BeforeAll
    void renderAndApply(TestNamespace namespace) throws Exception {
        env = namespace.env();
        ns = namespace.name();
        kube = new Kube(env.client, ns);
        String yaml = Chart.template(
                "rbac",
                ns,
                List.of(
                        "--set",
                        "nfs.server=127.0.0.1",
                        "--set",
                        "storageClass.create=false",
                        "--set",
                        "storageClass.provisionerName=" + provisioner));
        for (HasMetadata o : ChartIT.objects(env, yaml)) {
            switch (o) {
                case ClusterRole c when c.getMetadata().getName().endsWith("-runner") -> clusterRole = c;
                case Role r -> role = r;
                case io.fabric8.kubernetes.api.model.apps.Deployment d -> {} // not run: no kubelet here
                case io.fabric8.kubernetes.api.model.Service s -> {}
                default -> {
                    if (o instanceof io.fabric8.kubernetes.api.model.ServiceAccount sa)
                        serviceAccount = sa.getMetadata().getName();
                    o.getMetadata()
                            .setNamespace(
                                    o.getMetadata().getNamespace() == null
                                                    && !(o
                                                            instanceof
                                                            io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding)
                                            ? ns
                                            : o.getMetadata().getNamespace());
                    env.client.resource(o).serverSideApply();
                }
            }
        }
        assertThat(clusterRole).isNotNull();
        assertThat(role).isNotNull();
        assertThat(serviceAccount).isNotNull();
        apply(clusterRole.getRules(), role.getRules());
        kubeconfig = dev.nfsprov.testenv.ServiceAccounts.kubeconfig(env, ns, serviceAccount);
    }

    @AfterAll
    void restoreRoles() {
        apply(clusterRole.getRules(), role.getRules());
    }

    private void apply(List<PolicyRule> clusterRules, List<PolicyRule> roleRules) {
        var c = new io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder(clusterRole)
                .editMetadata()
                .withResourceVersion(null)
                .endMetadata()
                .withRules(clusterRules)
                .build();
        var r = new io.fabric8.kubernetes.api.model.rbac.RoleBuilder(role)
                .editMetadata()
                .withNamespace(ns)
                .withResourceVersion(null)
                .endMetadata()
                .withRules(roleRules)
                .build();
        env.client.resource(c).forceConflicts().serverSideApply();
        env.client.resource(r).forceConflicts().serverSideApply();
    }

    /** Provision, archive, delete, and hold and renew the Lease; throws if any of it does not happen. */
    private void scenario(Path launcher, String... args) {
        String suffix = "r" + (++round);
        kube.storageClass(ns + "-" + suffix + "-archive", provisioner, Map.of(), "Delete", "Immediate");
        kube.storageClass(
                ns + "-" + suffix + "-delete", provisioner, Map.of("onDelete", "delete"), "Delete", "Immediate");
        env.client // the chart made it; the controller fills it in
                .configMaps()
                .inNamespace(ns)
                .withName("cluster.local-rbac-nfsprov-status")
                .edit(c -> {
                    c.setData(null);
                    return c;
                });
        try (var p = ProvisionerProcess.start(
                env,
                launcher,
                provisioner,
                true,
                Map.of("KUBECONFIG", kubeconfig.toString(), "POD_NAMESPACE", ns, "NFSPROV_USAGE_SCAN_INTERVAL", "1s"),
                args)) {
            for (String kind : List.of("archive", "delete")) {
                String claim = suffix + "-" + kind;
                kube.create(kube.claimBuilder(claim, ns + "-" + suffix + "-" + kind));
                var bound = Await.until(
                        "claim " + claim + " Bound",
                        SCENARIO_TIMEOUT,
                        () -> kube.claim(claim),
                        c -> c != null
                                && c.getStatus() != null
                                && "Bound".equals(c.getStatus().getPhase()));
                Await.until(
                        "ProvisioningSucceeded event on " + claim,
                        SCENARIO_TIMEOUT,
                        () -> !kube.events(claim, "ProvisioningSucceeded").isEmpty());
                String pv = bound.getSpec().getVolumeName();
                Path dir = env.exportDir.resolve(ns + "-" + claim + "-" + pv);
                kube.deleteClaim(claim);
                Await.until("volume " + pv + " reclaimed", SCENARIO_TIMEOUT, () -> kube.volume(pv) == null);
                assertThat(dir).doesNotExist();
                assertThat(dir.resolveSibling("archived-" + dir.getFileName())
                                .toFile()
                                .exists())
                        .isEqualTo(kind.equals("archive"));
            }
            // ownership: consumer reads Pods (list and watch) to give a volume to the first one using its claim
            kube.storageClass(
                    ns + "-" + suffix + "-consumer",
                    provisioner,
                    Map.of("ownership", "consumer"),
                    "Delete",
                    "Immediate");
            String owned = suffix + "-owned";
            kube.create(kube.claimBuilder(owned, ns + "-" + suffix + "-consumer"));
            env.client
                    .pods()
                    .resource(new io.fabric8.kubernetes.api.model.PodBuilder()
                            .withNewMetadata()
                            .withNamespace(ns)
                            .withName(owned)
                            .endMetadata()
                            .withNewSpec()
                            .withNodeName("node-1") // bound: no scheduler here, and only a bound Pod chooses the owner
                            .withNewSecurityContext()
                            .withFsGroup(999L)
                            .endSecurityContext()
                            .addNewContainer()
                            .withName("c")
                            .withImage("busybox")
                            .endContainer()
                            .addNewVolume()
                            .withName("data")
                            .withNewPersistentVolumeClaim()
                            .withClaimName(owned)
                            .endPersistentVolumeClaim()
                            .endVolume()
                            .endSpec()
                            .build())
                    .create();
            var ownedBound = Await.until(
                    "claim " + owned + " Bound",
                    SCENARIO_TIMEOUT,
                    () -> kube.claim(owned),
                    c -> c != null
                            && c.getStatus() != null
                            && "Bound".equals(c.getStatus().getPhase()));
            String ownedVolume = ownedBound.getSpec().getVolumeName();
            Await.until("directory of " + owned + " given to fsGroup 999", SCENARIO_TIMEOUT, () -> {
                var v = kube.volume(ownedVolume);
                return v != null
                        && "2770 0:999".equals(v.getMetadata().getAnnotations().get("nfsprov.dev/owner-applied"));
            });
            // a grown claim's new size goes to its status (persistentvolumeclaims/status patch)
            env.client
                    .storage()
                    .v1()
                    .storageClasses()
                    .resource(new io.fabric8.kubernetes.api.model.storage.StorageClassBuilder()
                            .withNewMetadata()
                            .withName(ns + "-" + suffix + "-grows")
                            .endMetadata()
                            .withProvisioner(provisioner)
                            .withAllowVolumeExpansion(true)
                            .build())
                    .serverSideApply();
            String grows = suffix + "-grows";
            kube.create(kube.claimBuilder(grows, ns + "-" + suffix + "-grows"));
            Await.until(
                    "claim " + grows + " Bound",
                    SCENARIO_TIMEOUT,
                    () -> kube.claim(grows),
                    c -> c != null
                            && c.getStatus() != null
                            && "Bound".equals(c.getStatus().getPhase()));
            env.client.persistentVolumeClaims().inNamespace(ns).withName(grows).edit(c -> {
                c.getSpec()
                        .getResources()
                        .getRequests()
                        .put("storage", new io.fabric8.kubernetes.api.model.Quantity("2Gi"));
                return c;
            });
            Await.until(
                    "claim " + grows + " at 2Gi",
                    SCENARIO_TIMEOUT,
                    () -> "2Gi"
                            .equals(kube.claim(grows)
                                    .getStatus()
                                    .getCapacity()
                                    .get("storage")
                                    .toString()));
            // a clone reads the claim it copies (persistentvolumeclaims get)
            String copy = suffix + "-copy";
            kube.create(kube.claimBuilder(copy, ns + "-" + suffix + "-grows")
                    .editSpec()
                    .editResources()
                    .addToRequests("storage", new io.fabric8.kubernetes.api.model.Quantity("2Gi"))
                    .endResources()
                    .withNewDataSource()
                    .withKind("PersistentVolumeClaim")
                    .withName(grows)
                    .endDataSource()
                    .endSpec());
            Await.until(
                    "clone " + copy + " Bound",
                    SCENARIO_TIMEOUT,
                    () -> kube.claim(copy),
                    c -> c != null
                            && c.getStatus() != null
                            && "Bound".equals(c.getStatus().getPhase()));
            // a snapshot is read and watched, and its status written (claimsnapshots get/watch, status patch)
            String snap = suffix + "-snap";
            var snapshots =
                    env.client.resources(dev.nfsprov.api.ClaimSnapshot.class).inNamespace(ns);
            snapshots
                    .resource(new dev.nfsprov.api.ClaimSnapshot(
                            ns, snap, new dev.nfsprov.api.ClaimSnapshot.Spec(grows, null)))
                    .create();
            Await.until(
                    "snapshot " + snap + " ready",
                    SCENARIO_TIMEOUT,
                    () -> snapshots.withName(snap).get(),
                    x -> x.getStatus() != null && x.getStatus().ready());
            // a restore reads the snapshot it names (claimsnapshots get)
            String restored = suffix + "-restored";
            kube.create(kube.claimBuilder(restored, ns + "-" + suffix + "-grows")
                    .editSpec()
                    .editResources()
                    .addToRequests("storage", new io.fabric8.kubernetes.api.model.Quantity("2Gi"))
                    .endResources()
                    .withNewDataSourceRef()
                    .withApiGroup("nfsprov.dev")
                    .withKind("ClaimSnapshot")
                    .withName(snap)
                    .endDataSourceRef()
                    .endSpec());
            Await.until(
                    "restore " + restored + " Bound",
                    SCENARIO_TIMEOUT,
                    () -> kube.claim(restored),
                    c -> c != null
                            && c.getStatus() != null
                            && "Bound".equals(c.getStatus().getPhase()));
            // a snapshot past its retention is deleted (claimsnapshots delete): its status written here as the
            // controller would have, expired an hour ago; of a claim that does not exist, so that nothing copies
            // over it, and written again if the controller said so first
            var ready = snapshots.withName(snap).get().getStatus();
            String expired = suffix + "-expired";
            snapshots
                    .resource(new dev.nfsprov.api.ClaimSnapshot(
                            ns, expired, new dev.nfsprov.api.ClaimSnapshot.Spec("gone-" + suffix, null)))
                    .create();
            var pastRetention = new dev.nfsprov.api.ClaimSnapshot.Status(
                    true,
                    ready.restoreSize(),
                    0L,
                    0L,
                    java.time.Instant.now().minusSeconds(7200).toString(),
                    java.time.Instant.now().minusSeconds(3600).toString(),
                    provisioner,
                    ready.share(),
                    ready.sourceVolume(),
                    null);
            Await.until("expired snapshot " + expired + " deleted", SCENARIO_TIMEOUT, () -> {
                var now = snapshots.withName(expired).get();
                if (now == null) return true;
                if (now.getStatus() == null || !now.getStatus().ready()) {
                    now.setStatus(pastRetention);
                    try {
                        var written = env.client.resource(now).updateStatus();
                        // a status change is not looked at (the controller is generation-aware): a spec change is
                        String retention = "90m".equals(written.getSpec().retention()) ? "91m" : "90m";
                        written.setSpec(new dev.nfsprov.api.ClaimSnapshot.Spec(
                                written.getSpec().claimName(), retention));
                        env.client.resource(written).update();
                    } catch (io.fabric8.kubernetes.client.KubernetesClientException conflict) {
                        // written meanwhile: looked at again
                    }
                }
                return false;
            });
            Lease lease = env.client
                    .leases()
                    .inNamespace(ns)
                    .withName("cluster.local-rbac-nfsprov")
                    .get();
            assertThat(lease).isNotNull();
            ZonedDateTime acquired = lease.getSpec().getAcquireTime();
            Await.until("Lease renewed", SCENARIO_TIMEOUT, () -> {
                var l = env.client
                        .leases()
                        .inNamespace(ns)
                        .withName("cluster.local-rbac-nfsprov")
                        .get();
                return l.getSpec().getRenewTime().isAfter(acquired.plusSeconds(3));
            });
            // the leader records its shares' figures for doctor (configmaps patch, its own name only)
            Await.until("the shares' figures recorded", SCENARIO_TIMEOUT, () -> {
                var cm = env.client
                        .configMaps()
                        .inNamespace(ns)
                        .withName("cluster.local-rbac-nfsprov-status")
                        .get();
                return cm.getData() != null && cm.getData().containsKey("default");
            });
            assertThat(p.isAlive())
                    .as("still running (a lost Lease makes it exit)")
                    .isTrue();
        }
    }

    @Test
    void theChartsPermissionsAreEnoughAndEachIsNeeded() throws Exception {
        Path image = ImageLayout.get();
        scenario(image.resolve("bin/nfsprov"));

        List<String> unneeded = new ArrayList<>();
        for (boolean inClusterRole : new boolean[] {true, false}) {
            List<PolicyRule> rules = inClusterRole ? clusterRole.getRules() : role.getRules();
            for (int i = 0; i < rules.size(); i++) {
                for (String verb : rules.get(i).getVerbs()) {
                    var reduced = without(rules, i, verb);
                    apply(inClusterRole ? reduced : clusterRole.getRules(), inClusterRole ? role.getRules() : reduced);
                    String label = rules.get(i).getResources() + " " + verb;
                    try {
                        scenario(TestEnvironment.REPO.resolve("bin/nfsprov"));
                        unneeded.add(label);
                    } catch (AssertionError | RuntimeException expected) {
                        System.out.println("without " + label + ": fails as it should (" + firstLine(expected) + ")");
                    } finally {
                        apply(clusterRole.getRules(), role.getRules());
                        clearLease();
                    }
                }
            }
        }
        assertThat(unneeded).as("verbs the provisioner works without").isEmpty();
    }

    /**
     * Where the cluster serves no streaming lists (older than 1.32, or controller.watchList=false) the controller
     * lists in pages: the chart then grants list too, and the controller works with it and not without it.
     */
    @Test
    void withPagedListsTheChartGrantsListAndItIsNeeded() throws Exception {
        String yaml = Chart.template(
                "rbac",
                ns,
                List.of(
                        "--set",
                        "nfs.server=127.0.0.1",
                        "--set",
                        "storageClass.create=false",
                        "--set",
                        "storageClass.provisionerName=" + provisioner,
                        "--set",
                        "controller.watchList=false"));
        var paged = ChartIT.objects(env, yaml).stream()
                .filter(ClusterRole.class::isInstance)
                .map(ClusterRole.class::cast)
                .filter(c -> c.getMetadata().getName().endsWith("-runner"))
                .findFirst()
                .orElseThrow();
        int claims = -1;
        for (int i = 0; i < paged.getRules().size(); i++)
            if (paged.getRules().get(i).getResources().equals(List.of("persistentvolumeclaims"))) claims = i;
        assertThat(paged.getRules().get(claims).getVerbs()).containsExactly("get", "list", "watch");
        assertThat(yaml).contains("--watch-list=false");
        Path launcher = TestEnvironment.REPO.resolve("bin/nfsprov");
        try {
            apply(paged.getRules(), role.getRules());
            scenario(launcher, "--watch-list=false");
            clearLease();
            apply(without(paged.getRules(), claims, "list"), role.getRules());
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> scenario(launcher, "--watch-list=false"))
                    .as("paged lists need list");
        } finally {
            apply(clusterRole.getRules(), role.getRules());
            clearLease();
        }
    }

    private void clearLease() {
        env.client
                .leases()
                .inNamespace(ns)
                .withName("cluster.local-rbac-nfsprov")
                .delete();
    }

    private static List<PolicyRule> without(List<PolicyRule> rules, int index, String verb) {
        List<PolicyRule> out = new ArrayList<>();
        for (int i = 0; i < rules.size(); i++) {
            var r = rules.get(i);
            if (i != index) {
                out.add(r);
                continue;
            }
            var verbs = new ArrayList<>(r.getVerbs());
            verbs.remove(verb);
            if (!verbs.isEmpty())
                out.add(new io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder(r)
                        .withVerbs(verbs)
                        .build());
        }
        return out;
    }

    private static String firstLine(Throwable t) {
        String m = String.valueOf(t.getMessage());
        return m.lines().findFirst().orElse(m);
    }
}
