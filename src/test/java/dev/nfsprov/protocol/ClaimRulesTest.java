package dev.nfsprov.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every verdict the provisioner gives a claim, with the reason users read in full (Events and doctor print it). */
class ClaimRulesTest {

    static final String ME = "cluster.local/nfs";

    record Case(
            String name,
            UnaryOperator<PersistentVolumeClaimBuilder> claim,
            StorageClass storageClass,
            ClaimVerdict expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static StorageClass cls(String provisioner, String bindingMode) {
        return new StorageClassBuilder()
                .withNewMetadata()
                .withName("nfs")
                .endMetadata()
                .withProvisioner(provisioner)
                .withVolumeBindingMode(bindingMode)
                .build();
    }

    static final StorageClass NFS = cls(ME, "Immediate");

    /** A Pending claim of class nfs, handed to this provisioner by the PV controller. */
    static PersistentVolumeClaimBuilder handed() {
        return new PersistentVolumeClaimBuilder()
                .withNewMetadata()
                .withNamespace("ns")
                .withName("db")
                .withUid("u-1")
                .addToAnnotations(Names.ANN_STORAGE_PROVISIONER, ME)
                .endMetadata()
                .withNewSpec()
                .withStorageClassName("nfs")
                .withAccessModes("ReadWriteOnce")
                .withNewResources()
                .addToRequests("storage", new Quantity("1Gi"))
                .endResources()
                .endSpec()
                .withNewStatus()
                .withPhase("Pending")
                .endStatus();
    }

    /** 300 labels of 64 characters: 19,200, over the 16 KiB budget; label values are at most 63 characters. */
    static java.util.Map<String, String> manyLabels() {
        var labels = new java.util.HashMap<String, String>();
        for (int i = 0; i < 300; i++) labels.put("l%03d".formatted(i), "v".repeat(60));
        return labels;
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("handed to us, Immediate", b -> b, NFS, new ClaimVerdict.Provision()),
                new Case(
                        "handed through the beta annotation",
                        b -> b.editMetadata()
                                .withAnnotations(null)
                                .addToAnnotations(Names.ANN_BETA_STORAGE_PROVISIONER, ME)
                                .endMetadata(),
                        NFS,
                        new ClaimVerdict.Provision()),
                new Case(
                        "handed to another provisioner",
                        b -> b.editMetadata()
                                .addToAnnotations(Names.ANN_STORAGE_PROVISIONER, "other/p")
                                .endMetadata(),
                        NFS,
                        new ClaimVerdict.NotOurs("the PV controller has not handed it to cluster.local/nfs")),
                new Case(
                        "not annotated yet",
                        b -> b.editMetadata().withAnnotations(null).endMetadata(),
                        NFS,
                        new ClaimVerdict.NotOurs("the PV controller has not handed it to cluster.local/nfs")),
                new Case(
                        "being deleted",
                        b -> b.editMetadata()
                                .withDeletionTimestamp("2026-11-29T00:00:00Z")
                                .endMetadata(),
                        NFS,
                        new ClaimVerdict.NotOurs("it is being deleted")),
                new Case(
                        "already bound",
                        b -> b.editSpec().withVolumeName("pv-1").endSpec(),
                        NFS,
                        new ClaimVerdict.NotOurs("it is bound to volume pv-1")),
                new Case(
                        "Lost",
                        b -> b.editStatus().withPhase("Lost").endStatus(),
                        NFS,
                        new ClaimVerdict.NotOurs("it is Lost")),
                new Case("class gone", b -> b, null, new ClaimVerdict.Reject("StorageClass \"nfs\" not found")),
                new Case(
                        "class of another provisioner",
                        b -> b,
                        cls("other/p", "Immediate"),
                        new ClaimVerdict.NotOurs("its class nfs names provisioner other/p")),
                new Case(
                        "WaitForFirstConsumer, no node yet",
                        b -> b,
                        cls(ME, "WaitForFirstConsumer"),
                        new ClaimVerdict.Wait(
                                "class nfs is WaitForFirstConsumer and no Pod using the claim has been scheduled yet")),
                new Case(
                        "WaitForFirstConsumer, node selected",
                        b -> b.editMetadata()
                                .addToAnnotations(Names.ANN_SELECTED_NODE, "n1")
                                .endMetadata(),
                        cls(ME, "WaitForFirstConsumer"),
                        new ClaimVerdict.Provision()),
                new Case(
                        "selector",
                        b -> b.editSpec()
                                .withSelector(new LabelSelectorBuilder()
                                        .addToMatchLabels("a", "b")
                                        .build())
                                .endSpec(),
                        NFS,
                        new ClaimVerdict.Reject("claims with spec.selector are not supported: nfsprov creates a new "
                                + "volume for every claim; "
                                + "remove the selector, or bind the claim to an existing PersistentVolume by "
                                + "name")),
                new Case(
                        "block",
                        b -> b.editSpec().withVolumeMode("Block").endSpec(),
                        NFS,
                        new ClaimVerdict.Reject(
                                "volumeMode Block is not supported: an NFS share provides Filesystem volumes only")),
                new Case(
                        "a clone (dataSource)",
                        b -> b.editSpec()
                                .withNewDataSource()
                                .withKind("PersistentVolumeClaim")
                                .withName("src")
                                .endDataSource()
                                .endSpec(),
                        NFS,
                        new ClaimVerdict.Clone("src")),
                new Case(
                        "a clone (dataSourceRef, its own namespace named)",
                        b -> b.editSpec()
                                .withNewDataSourceRef()
                                .withKind("PersistentVolumeClaim")
                                .withName("src")
                                .withNamespace("ns")
                                .endDataSourceRef()
                                .endSpec(),
                        NFS,
                        new ClaimVerdict.Clone("src")),
                new Case(
                        "a clone of another namespace's claim",
                        b -> b.editSpec()
                                .withNewDataSourceRef()
                                .withKind("PersistentVolumeClaim")
                                .withName("their-db")
                                .withNamespace("other")
                                .endDataSourceRef()
                                .endSpec(),
                        NFS,
                        new ClaimVerdict.Reject("the dataSourceRef names claim other/their-db of another namespace: "
                                + "nfsprov copies only within a claim's own namespace, so that no tenant can read "
                                + "another's data")),
                new Case(
                        "a restore (dataSourceRef to a ClaimSnapshot)",
                        b -> b.editSpec()
                                .withNewDataSourceRef()
                                .withApiGroup("nfsprov.dev")
                                .withKind("ClaimSnapshot")
                                .withName("nightly")
                                .endDataSourceRef()
                                .endSpec(),
                        NFS,
                        new ClaimVerdict.Restore("nightly")),
                new Case(
                        "a restore of another namespace's snapshot",
                        b -> b.editSpec()
                                .withNewDataSourceRef()
                                .withApiGroup("nfsprov.dev")
                                .withKind("ClaimSnapshot")
                                .withName("their-nightly")
                                .withNamespace("other")
                                .endDataSourceRef()
                                .endSpec(),
                        NFS,
                        new ClaimVerdict.Reject("the dataSourceRef names ClaimSnapshot other/their-nightly of another "
                                + "namespace: nfsprov copies only within a claim's own namespace, so that no tenant "
                                + "can read another's data")),
                new Case(
                        "a ClaimSnapshot kind of another group",
                        b -> b.editSpec()
                                .withNewDataSourceRef()
                                .withApiGroup("example.com")
                                .withKind("ClaimSnapshot")
                                .withName("nightly")
                                .endDataSourceRef()
                                .endSpec(),
                        NFS,
                        new ClaimVerdict.Reject("a dataSource of kind example.com/ClaimSnapshot is not supported: "
                                + "nfsprov fills a new volume only from a claim (kind PersistentVolumeClaim) or a "
                                + "ClaimSnapshot (apiGroup nfsprov.dev) of the same namespace, and would otherwise "
                                + "give an empty one; remove the dataSource to get an empty volume knowingly")),
                new Case(
                        "a CSI snapshot",
                        b -> b.editSpec()
                                .withNewDataSource()
                                .withApiGroup("snapshot.storage.k8s.io")
                                .withKind("VolumeSnapshot")
                                .withName("snap")
                                .endDataSource()
                                .endSpec(),
                        NFS,
                        new ClaimVerdict.Reject("a dataSource of kind snapshot.storage.k8s.io/VolumeSnapshot is not "
                                + "supported: nfsprov fills a new volume only from a claim (kind "
                                + "PersistentVolumeClaim) or a ClaimSnapshot (apiGroup nfsprov.dev) of the same "
                                + "namespace, and would otherwise give an empty one; remove the dataSource to get an "
                                + "empty volume knowingly")),
                new Case(
                        "a clone of itself",
                        b -> b.editSpec()
                                .withNewDataSource()
                                .withKind("PersistentVolumeClaim")
                                .withName("db")
                                .endDataSource()
                                .endSpec(),
                        NFS,
                        new ClaimVerdict.Reject("the dataSource names the claim itself")),
                new Case(
                        "no request",
                        b -> b.editSpec().withResources(null).endSpec(),
                        NFS,
                        new ClaimVerdict.Reject("the claim has no spec.resources.requests.storage")),
                new Case(
                        "labels and annotations over the budget",
                        b -> b.editMetadata().addToLabels(manyLabels()).endMetadata(),
                        NFS,
                        new ClaimVerdict.Reject("its labels and annotations are 19 KiB, more than the 16 KiB nfsprov "
                                + "keeps of a claim it works on (so that no tenant can fill its memory): make them "
                                + "smaller")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void verdict(Case c) {
        PersistentVolumeClaim claim = c.claim().apply(handed()).build();
        assertThat(ClaimRules.decide(claim, c.storageClass(), ME)).isEqualTo(c.expected());
        assertThat(ClaimRules.handedTo(claim, ME))
                .isEqualTo(!(c.expected() instanceof ClaimVerdict.NotOurs n)
                        || n.reason().startsWith("its class"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void doctorJudgesAsIfHandedOver(Case c) {
        // doctor asks before kube-controller-manager has annotated the claim: the same rules, without that one.
        PersistentVolumeClaim claim = c.claim()
                .apply(handed())
                .editMetadata()
                .withAnnotations(null)
                .endMetadata()
                .build();
        if (c.expected() instanceof ClaimVerdict.NotOurs n && !n.reason().startsWith("its class")) return;
        var a = c.claim().apply(handed()).build().getMetadata().getAnnotations();
        if (a != null && a.containsKey(Names.ANN_SELECTED_NODE))
            claim.getMetadata().setAnnotations(java.util.Map.of(Names.ANN_SELECTED_NODE, "n1"));
        assertThat(ClaimRules.judge(claim, c.storageClass(), ME)).isEqualTo(c.expected());
    }

    static PersistentVolumeClaimBuilder bound(String request, String capacity) {
        return handed().editSpec()
                .withVolumeName("pvc-u-1")
                .editResources()
                .addToRequests("storage", new Quantity(request))
                .endResources()
                .endSpec()
                .editStatus()
                .withPhase("Bound")
                .addToCapacity("storage", new Quantity(capacity))
                .endStatus();
    }

    @org.junit.jupiter.api.Test
    void aBoundClaimOfOursIsWantedOnlyWhenItsRequestGrewPastItsCapacity() {
        assertThat(ClaimRules.grown(bound("2Gi", "1Gi").build(), ME)).isTrue();
        assertThat(ClaimRules.grown(bound("2048Mi", "2Gi").build(), ME))
                .as("same size, other unit")
                .isFalse();
        assertThat(ClaimRules.grown(bound("1Gi", "1Gi").build(), ME)).isFalse();
        assertThat(ClaimRules.grown(bound("2Gi", "1Gi").build(), "someone/else"))
                .isFalse();
        assertThat(ClaimRules.grown(
                        bound("2Gi", "1Gi")
                                .editStatus()
                                .withPhase("Lost")
                                .endStatus()
                                .build(),
                        ME))
                .isFalse();
        assertThat(ClaimRules.grown(
                        bound("2Gi", "1Gi")
                                .editMetadata()
                                .withDeletionTimestamp("2026-11-29T00:00:00Z")
                                .endMetadata()
                                .build(),
                        ME))
                .isFalse();
        assertThat(ClaimRules.grown(handed().build(), ME))
                .as("unbound: provisioning's")
                .isFalse();
    }
}
