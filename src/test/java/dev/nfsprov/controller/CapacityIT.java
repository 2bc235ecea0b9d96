package dev.nfsprov.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nfsprov.testenv.Await;
import dev.nfsprov.testenv.Kube;
import dev.nfsprov.testenv.ProvisionerProcess;
import dev.nfsprov.testenv.RealCluster;
import dev.nfsprov.testenv.RealCluster.TestNamespace;
import dev.nfsprov.testenv.TestEnvironment;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * capacityPolicy and expansion on the real control plane (kube-controller-manager runs its expand controller, which
 * leaves in-tree NFS volumes to "an external controller").
 */
@ExtendWith(RealCluster.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CapacityIT {

    static final long GI = 1L << 30;

    private TestEnvironment env;
    private String ns;
    private Kube kube;
    private ProvisionerProcess provisioner;
    private String name;

    @BeforeAll
    void start(TestNamespace namespace) throws Exception {
        env = namespace.env();
        ns = namespace.name();
        kube = new Kube(env.client, ns);
        name = "nfsprov.dev/" + ns;
        provisioner = ProvisionerProcess.start(env, name, true, Map.of());
        // The share is this VM's disk: an overcommit that makes its size times overcommit 5 GiB, whatever the disk.
        long size = Files.getFileStore(env.exportDir).getTotalSpace();
        String overcommit = new BigDecimal(5 * GI)
                .divide(new BigDecimal(size), new MathContext(15))
                .toPlainString();
        storageClass(ns + "-tight", Map.of("capacityPolicy", "provisioned", "overcommit", overcommit), true);
        storageClass(ns + "-free", Map.of("capacityPolicy", "free"), false);
        storageClass(ns + "-grows", Map.of(), true);
        storageClass(ns + "-fixed", Map.of(), false);
    }

    @AfterAll
    void stop() {
        provisioner.close();
    }

    private void storageClass(String className, Map<String, String> parameters, boolean expandable) {
        env.client
                .storage()
                .v1()
                .storageClasses()
                .resource(new StorageClassBuilder()
                        .withNewMetadata()
                        .withName(className)
                        .endMetadata()
                        .withProvisioner(name)
                        .withParameters(parameters)
                        .withAllowVolumeExpansion(expandable)
                        .withMountOptions("nfsvers=4.1")
                        .build())
                .serverSideApply();
    }

    private PersistentVolumeClaim claim(String claim, String className, String size) {
        return kube.create(kube.claimBuilder(claim, className)
                .editSpec()
                .editResources()
                .addToRequests("storage", new Quantity(size))
                .endResources()
                .endSpec());
    }

    private void grow(String claim, String size) {
        env.client.persistentVolumeClaims().inNamespace(ns).withName(claim).edit(c -> {
            c.getSpec().getResources().getRequests().put("storage", new Quantity(size));
            return c;
        });
    }

    private static String capacity(PersistentVolumeClaim c) {
        return c.getStatus().getCapacity().get("storage").toString();
    }

    @Test
    void aClaimThatWouldOvercommitWaitsAndIsProvisionedOnceAnotherVolumeIsReleased() {
        claim("first", ns + "-tight", "3Gi");
        var first = kube.awaitBound("first");
        claim("second", ns + "-tight", "3Gi");
        var refused = kube.awaitEvent("second", "ProvisioningFailed", "capacityPolicy: provisioned");
        // the class's other claims (another test's 1Gi) count too
        assertThat(refused.getMessage())
                .containsPattern(
                        "this share's volumes request [34]Gi of its \\d+Gi \\(overcommit 0\\.\\d+ allows 5Gi\\);"
                                + " 3Gi more would exceed it");
        assertThat(kube.claim("second").getStatus().getPhase()).isEqualTo("Pending");
        kube.deleteClaim("first");
        kube.awaitVolumeGone(first.getSpec().getVolumeName());
        kube.awaitBound("second", Duration.ofSeconds(60));
        assertThat(kube.events("second", "ProvisioningFailed"))
                .as("said once, not per look")
                .hasSize(1);
    }

    @Test
    void aHugeRequestInAClassWithoutAPolicyNeverStopsThePolicedClass() {
        // issue 30: a tenant's 7Ei claim in a class without a policy (a size there is a label) counted against the
        // share's budget and blocked every claim of the policed class; an 8Ei one wrapped the sum round
        claim("label", ns + "-grows", "7Ei");
        kube.awaitBound("label");
        claim("policed", ns + "-tight", "1Gi");
        kube.awaitBound("policed", Duration.ofSeconds(60));
        claim("overflow", ns + "-tight", "8Ei");
        var refused = kube.awaitEvent("overflow", "ProvisioningFailed", "more than this share can ever hold");
        assertThat(refused.getMessage()).contains("8Ei is more than this share can ever hold");
        // the sum is still right afterwards: 5Gi beside "policed"'s 1Gi does not fit the 5Gi budget
        claim("after", ns + "-tight", "5Gi");
        kube.awaitEvent("after", "ProvisioningFailed", "would exceed it");
        for (String c : new String[] {"label", "policed", "overflow", "after"}) kube.deleteClaim(c);
    }

    @Test
    void aClaimLargerThanTheFreeSpaceWaitsWithTheNumbers() {
        claim("huge", ns + "-free", "1Ei");
        var refused = kube.awaitEvent("huge", "ProvisioningFailed", "capacityPolicy: free");
        assertThat(refused.getMessage()).contains("available and 1Ei more is asked for");
    }

    @Test
    void aGrownClaimEndsAtItsNewSizeWithNoResizeConditionLeft() {
        claim("data", ns + "-grows", "1Gi");
        var bound = kube.awaitBound("data");
        grow("data", "2Gi");
        var grown = Await.until(
                "claim data at 2Gi",
                Duration.ofSeconds(60),
                () -> kube.claim("data"),
                c -> capacity(c).equals("2Gi"));
        assertThat(grown.getStatus().getConditions()).isNullOrEmpty();
        // as the CSI external-resizer records it; Kubernetes' storage suite found it missing ("had 0 allocated size")
        assertThat(grown.getStatus().getAllocatedResources().get("storage").toString())
                .isEqualTo("2Gi");
        assertThat(kube.volume(bound.getSpec().getVolumeName())
                        .getSpec()
                        .getCapacity()
                        .get("storage")
                        .toString())
                .isEqualTo("2Gi");
        kube.awaitEvent(
                "data",
                "Resizing",
                "External resizer is resizing volume " + bound.getSpec().getVolumeName());
        kube.awaitEvent("data", "VolumeResizeSuccessful", "Resize volume succeeded");
        kube.awaitEvent("data", "ExternalExpanding", "waiting for an external controller");
    }

    @Test
    void aGrowthThePolicyRefusesIsToldAndTheSizeStays() {
        claim("small", ns + "-tight", "1Gi");
        kube.awaitBound("small");
        grow("small", "100Gi");
        var e = kube.awaitEvent("small", "VolumeResizeFailed", "capacityPolicy: provisioned");
        assertThat(e.getMessage()).startsWith("resize to 100Gi refused: ");
        assertThat(capacity(kube.claim("small"))).isEqualTo("1Gi");
    }

    @Test
    void aClaimOfAClassWithoutExpansionCannotGrow() {
        claim("fixed", ns + "-fixed", "1Gi");
        kube.awaitBound("fixed");
        assertThatThrownBy(() -> grow("fixed", "2Gi"))
                .isInstanceOf(KubernetesClientException.class)
                .hasMessageContaining("storageclass that provisions the pvc must support resize");
    }
}
