package dev.nfsprov.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.protocol.Names;
import dev.nfsprov.testenv.Await;
import dev.nfsprov.testenv.Kube;
import dev.nfsprov.testenv.ProvisionerProcess;
import dev.nfsprov.testenv.RealCluster;
import dev.nfsprov.testenv.RealCluster.TestNamespace;
import dev.nfsprov.testenv.ServiceAccounts;
import dev.nfsprov.testenv.TestEnvironment;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The administrator's commands run as a ServiceAccount bound to exactly the chart's optional cli role
 * (cliRole.create): doctor, rebind, and, after the controller is gone (helm uninstall), release-finalizers,
 * which leaves no volume hanging on delete.
 */
@ExtendWith(RealCluster.class)
class AdminCommandsIT {

    record Run(int exit, String out, String err) {}

    @Test
    void withTheCliRoleDoctorRebindAndReleaseFinalizersWorkAndNoVolumeIsLeftHanging(TestNamespace namespace)
            throws Exception {
        TestEnvironment env = namespace.env();
        String ns = namespace.name();
        var kube = new Kube(env.client, ns);
        Path kubeconfig = cliAccount(env, ns);
        String provisioner = "cluster.local/" + ns;
        String cls = ns + "-nfs";
        kube.storageClass(cls, provisioner, Map.of(), "Delete", "Immediate");
        Path backups = env.stateDir.resolve("admin-backups-" + ns);
        try (var controller = ProvisionerProcess.start(env, provisioner, true, Map.of("POD_NAMESPACE", ns))) {
            kube.create(kube.claimBuilder("keep", cls));
            kube.create(kube.claimBuilder("gone", cls));
            kube.create(kube.claimBuilder("stuck", ""));
            var doctor = run(kubeconfig, "doctor", "--only", "cluster", "-n", ns);
            assertThat(doctor.out() + doctor.err()).doesNotContainIgnoringCase("forbidden");
            assertThat(doctor.out()).contains("stuck");

            var rebind = run(
                    kubeconfig,
                    "rebind",
                    "-n",
                    ns,
                    "stuck",
                    "--storage-class",
                    cls,
                    "--apply",
                    "--backup-dir",
                    backups.toString(),
                    "--timeout",
                    "60s");
            assertThat(rebind.exit()).as(rebind.out() + rebind.err()).isZero();
            for (String claim : List.of("keep", "gone", "stuck")) kube.awaitBound(claim);

            var refused = run(kubeconfig, "release-finalizers", "--provisioner", provisioner, "--apply");
            assertThat(refused.exit()).isEqualTo(2);
            assertThat(refused.err()).contains("a controller for " + provisioner + " still runs");
            var unnamed = run(kubeconfig, "release-finalizers");
            assertThat(unnamed.err()).contains("--provisioner is required").contains(provisioner + "=3");
        }
        // helm uninstall: the controller is gone, its finalizer is not; a deleted claim's volume is Released
        String gone = kube.claim("gone").getSpec().getVolumeName();
        String keep = kube.claim("keep").getSpec().getVolumeName();
        kube.deleteClaim("gone");
        Await.until(
                "volume " + gone + " Released",
                Duration.ofSeconds(60),
                () -> "Released".equals(kube.volume(gone).getStatus().getPhase()));
        env.client.persistentVolumes().withName(gone).delete();
        assertThat(kube.volume(gone).getMetadata().getFinalizers())
                .as("a delete waits on the finalizer")
                .contains(Names.FINALIZER);

        // issue 30: a tenant's look-alike Lease and Deployments (another namespace each) stopped release-finalizers
        // for good, and pointed doctor at an NFS server of the tenant's choosing
        String tenant = lookAlikes(env, ns, provisioner);
        var blocked = run(kubeconfig, "release-finalizers", "--provisioner", provisioner);
        assertThat(blocked.exit()).isEqualTo(2);
        assertThat(blocked.err()).contains("Lease " + tenant + "/").contains("give --controller-namespace");
        var doctor = run(kubeconfig, "doctor", "--only", "cluster", "-n", ns);
        assertThat(doctor.out())
                .contains("run in several namespaces (" + tenant + ", " + tenant + "-b)")
                .contains("--controller-namespace");
        var scopedDoctor = run(kubeconfig, "doctor", "--only", "cluster", "-n", ns, "--controller-namespace", ns);
        assertThat(scopedDoctor.out()).doesNotContain(tenant + "/fake").doesNotContain("several namespaces");

        // the Lease of the stopped controller expires within its 15 s
        var plan = Await.until(
                "release-finalizers no longer sees a running controller",
                Duration.ofSeconds(40),
                () -> run(kubeconfig, "release-finalizers", "--provisioner", provisioner, "--controller-namespace", ns),
                r -> r.exit() == 0);
        assertThat(plan.out())
                .contains(gone)
                .contains(keep)
                .contains("removed from the API now; its directory stays on the share")
                .contains("3 volume(s). Run again with --apply");
        assertThat(kube.volume(gone)).as("a plan changes nothing").isNotNull();

        var applied = run(
                kubeconfig,
                "release-finalizers",
                "--provisioner",
                provisioner,
                "--apply",
                "--controller-namespace",
                ns);
        assertThat(applied.exit()).as(applied.err()).isZero();
        assertThat(applied.out())
                .contains("released " + gone + " (now deleted)")
                .contains("3 volume(s) released.");
        kube.awaitVolumeGone(gone);
        assertThat(kube.volume(keep).getMetadata().getFinalizers()).doesNotContain(Names.FINALIZER);
        assertThat(Files.list(env.exportDir).map(p -> p.getFileName().toString()))
                .as("directories stay on the share")
                .contains(ns + "-gone-" + gone, ns + "-keep-" + keep);
        var again = run(
                kubeconfig,
                "release-finalizers",
                "--provisioner",
                provisioner,
                "--apply",
                "--controller-namespace",
                ns);
        assertThat(again.out()).contains("nothing to do");

        for (String claim : List.of("keep", "stuck")) { // with no finalizer, deleting a volume no longer hangs
            String volume = kube.claim(claim).getSpec().getVolumeName();
            kube.deleteClaim(claim);
            env.client.persistentVolumes().withName(volume).delete();
            kube.awaitVolumeGone(volume);
        }
    }

    /**
     * What a tenant can make in their own namespaces: a fresh Lease named as the controller's, and Deployments that
     * carry a controller's environment (NFS_SERVER of their choosing). Returns the first namespace.
     */
    private static String lookAlikes(TestEnvironment env, String ns, String provisioner) {
        String tenant = ns + "-tenant";
        for (String n : List.of(tenant, tenant + "-b")) {
            env.client
                    .namespaces()
                    .resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder()
                            .withNewMetadata()
                            .withName(n)
                            .endMetadata()
                            .build())
                    .create();
            env.client
                    .apps()
                    .deployments()
                    .inNamespace(n)
                    .resource(new io.fabric8.kubernetes.api.model.apps.DeploymentBuilder()
                            .withNewMetadata()
                            .withName("fake")
                            .endMetadata()
                            .withNewSpec()
                            .withNewSelector()
                            .addToMatchLabels("app", "fake")
                            .endSelector()
                            .withNewTemplate()
                            .withNewMetadata()
                            .addToLabels("app", "fake")
                            .endMetadata()
                            .withNewSpec()
                            .addNewContainer()
                            .withName("c")
                            .withImage("registry.example/never-pulled:1")
                            .addNewEnv()
                            .withName("PROVISIONER_NAME")
                            .withValue(provisioner)
                            .endEnv()
                            .addNewEnv()
                            .withName("NFS_SERVER")
                            .withValue("nfs.tenant.example")
                            .endEnv()
                            .endContainer()
                            .endSpec()
                            .endTemplate()
                            .endSpec()
                            .build())
                    .create();
        }
        env.client
                .leases()
                .inNamespace(tenant)
                .resource(new io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder()
                        .withNewMetadata()
                        .withName(Names.leaseName(provisioner))
                        .endMetadata()
                        .withNewSpec()
                        .withHolderIdentity("a-tenant")
                        .withLeaseDurationSeconds(3600)
                        .withRenewTime(java.time.ZonedDateTime.now())
                        .endSpec()
                        .build())
                .create();
        return tenant;
    }

    /** A ServiceAccount bound to the chart's cli ClusterRole, and a kubeconfig that authenticates as it. */
    private static Path cliAccount(TestEnvironment env, String ns) throws Exception {
        var role = ChartIT.objects(
                        env,
                        Chart.template(
                                ns, ns, List.of("--set", "nfs.server=127.0.0.1", "--set", "cliRole.create=true")))
                .stream()
                .filter(ClusterRole.class::isInstance)
                .map(ClusterRole.class::cast)
                .filter(r -> r.getMetadata().getName().endsWith("-cli"))
                .findFirst()
                .orElseThrow();
        env.client.resource(role).serverSideApply();
        env.client
                .serviceAccounts()
                .inNamespace(ns)
                .resource(new ServiceAccountBuilder()
                        .withNewMetadata()
                        .withName("admin-cli")
                        .endMetadata()
                        .build())
                .create();
        env.client
                .resource(new ClusterRoleBindingBuilder()
                        .withNewMetadata()
                        .withName(ns + "-admin-cli")
                        .endMetadata()
                        .addNewSubject()
                        .withKind("ServiceAccount")
                        .withName("admin-cli")
                        .withNamespace(ns)
                        .endSubject()
                        .withNewRoleRef()
                        .withApiGroup("rbac.authorization.k8s.io")
                        .withKind("ClusterRole")
                        .withName(role.getMetadata().getName())
                        .endRoleRef()
                        .build())
                .serverSideApply();
        return ServiceAccounts.kubeconfig(env, ns, "admin-cli");
    }

    private static Run run(Path kubeconfig, String... args) {
        var all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--kubeconfig", kubeconfig.toString()));
        var r = dev.nfsprov.testenv.Cli.run(all);
        return new Run(r.exit(), r.out(), r.err());
    }
}
