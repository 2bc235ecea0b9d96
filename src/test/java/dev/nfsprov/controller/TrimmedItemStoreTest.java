package dev.nfsprov.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.protocol.Names;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrimmedItemStoreTest {

    private static PersistentVolumeClaim claim(String name, boolean ours) {
        return new PersistentVolumeClaimBuilder()
                .withNewMetadata()
                .withNamespace("ns")
                .withName(name)
                .withAnnotations(Map.of("mine", String.valueOf(ours), "notes", "x".repeat(1024)))
                .withManagedFields(List.of(new ManagedFieldsEntry()))
                .endMetadata()
                .build();
    }

    /** A class of the provisioner "us", for the rules' verdict on what the cache kept. */
    private static final io.fabric8.kubernetes.api.model.storage.StorageClass NFS =
            new io.fabric8.kubernetes.api.model.storage.StorageClassBuilder()
                    .withNewMetadata()
                    .withName("nfs")
                    .endMetadata()
                    .withProvisioner("us")
                    .build();

    private final TrimmedItemStore<PersistentVolumeClaim> store = new TrimmedItemStore<>(
            c -> "true".equals(c.getMetadata().getAnnotations().get("mine")), c -> null);

    @Test
    void othersAreNotKeptAndOursAreKeptWithoutManagedFields() {
        var other = claim("a", false);
        assertThat(store.put("ns/a", other)).isNull();
        assertThat(store.get("ns/a")).isNull();
        assertThat(other.getMetadata().getAnnotations())
                .as("what the informer hands to the event handlers: the identity only")
                .isNullOrEmpty();
        assertThat(other.getMetadata().getName()).isEqualTo("a");
        store.put("ns/b", claim("b", true));
        assertThat(store.get("ns/b").getMetadata().getAnnotations()).containsKey("notes");
        assertThat(store.get("ns/b").getMetadata().getManagedFields()).isNullOrEmpty();
        assertThat(store.keySet().toList()).containsExactly("ns/b");
    }

    @Test
    void oursAreKeptCompacted() {
        // Built apart, as two watch events would parse them: equal strings, two copies.
        store.put("ns/b", claim("b", true));
        store.put("ns/c", claim("c", true));
        var b = store.get("ns/b").getMetadata();
        var c = store.get("ns/c").getMetadata();
        assertThat(b.getAnnotations().get("notes")).isSameAs(c.getAnnotations().get("notes"));
        assertThat(b.getAdditionalProperties()).isEmpty();
        assertThat(b.getAdditionalProperties()).isSameAs(c.getAdditionalProperties());
    }

    @Test
    void anObjectThatStopsBeingOursIsForgottenAndTheInformerToldWhatItWas() {
        store.put("ns/b", claim("b", true));
        var before = store.put("ns/b", claim("b", false));
        assertThat(before).as("the old object, so the informer sees an update").isNotNull();
        assertThat(store.get("ns/b")).isNull();
    }

    @Test
    void aBoundClaimOfThisProvisionerKeepsItsIdentitySoItsDeleteReachesJosdk() {
        var claims = new TrimmedItemStore<PersistentVolumeClaim>(c -> false, c -> ClaimReconciler.stub(c, "us"));
        var ours = claim("ours", false);
        ours.getMetadata().setAnnotations(Map.of(Names.ANN_STORAGE_PROVISIONER, "us", "notes", "x".repeat(1024)));
        ours.getMetadata().setUid("u-1");
        var theirs = claim("theirs", false);
        theirs.getMetadata().setAnnotations(Map.of(Names.ANN_STORAGE_PROVISIONER, "them"));
        claims.put("ns/ours", ours);
        claims.put("ns/theirs", theirs);
        assertThat(claims.keySet().toList()).containsExactly("ns/ours");
        var kept = claims.get("ns/ours");
        assertThat(kept.getMetadata().getUid()).isEqualTo("u-1");
        assertThat(kept.getMetadata().getAnnotations()).as("only the identity").isNullOrEmpty();
        assertThat(kept.getSpec()).isNull();
        assertThat(claims.remove("ns/ours"))
                .as("what the informer reports as deleted")
                .isNotNull();
    }

    @Test
    void aClaimOfOursWithLabelsAndAnnotationsOverTheBudgetIsKeptWithoutThemAndRefused() {
        var claims = new TrimmedItemStore<PersistentVolumeClaim>(c -> true, ClaimReconciler::fit, c -> null);
        var fat = claim("fat", true);
        fat.getMetadata()
                .setAnnotations(Map.of(
                        Names.ANN_STORAGE_PROVISIONER,
                        "us",
                        Names.ANN_SELECTED_NODE,
                        "n".repeat(254), // longer than a node name: a tenant's
                        Names.ANN_METADATA_SIZE,
                        "1", // a tenant's too: not believed
                        "blob",
                        "b".repeat(250 * 1024)));
        fat.getMetadata().setLabels(Map.of("app", "db"));
        claims.put("ns/fat", fat);
        var kept = claims.get("ns/fat").getMetadata();
        // Every key and value counted: blob 4 + 256,000, the hand-over 40 + 2, the node 34 + 254, the tenant's size
        // 25 + 1, the label 3 + 2.
        assertThat(kept.getAnnotations())
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of(Names.ANN_STORAGE_PROVISIONER, "us", Names.ANN_METADATA_SIZE, "256365"));
        assertThat(kept.getLabels()).isNullOrEmpty();
        assertThat(fat.getMetadata())
                .as("the object the informer hands the reconciler")
                .isSameAs(kept);
        fat.setSpec(new io.fabric8.kubernetes.api.model.PersistentVolumeClaimSpecBuilder()
                .withStorageClassName("nfs")
                .build());
        assertThat(dev.nfsprov.protocol.ClaimRules.decide(claims.get("ns/fat"), NFS, "us"))
                .isEqualTo(new dev.nfsprov.protocol.ClaimVerdict.Reject(
                        "its labels and annotations are 251 KiB, more than the 16 KiB nfsprov keeps of a claim it "
                                + "works on (so that no tenant can fill its memory): make them smaller"));

        var thin = claim("thin", true);
        var before = Map.copyOf(thin.getMetadata().getAnnotations());
        claims.put("ns/thin", thin);
        assertThat(claims.get("ns/thin").getMetadata().getAnnotations())
                .as("within the budget: all kept")
                .isEqualTo(before);
    }

    @Test
    void aClaimOfOursKeepsOfItsSpecOnlyWhatTheRulesRead() {
        var claims = new TrimmedItemStore<PersistentVolumeClaim>(c -> true, ClaimReconciler::fit, c -> null);
        var values = java.util.stream.IntStream.range(0, 16_000)
                .mapToObj(i -> "value-" + i + "-" + "v".repeat(50))
                .toList(); // ~1 MB: a selector is not budgeted by the API server beyond the object's size
        var requests = new java.util.LinkedHashMap<String, io.fabric8.kubernetes.api.model.Quantity>();
        for (int i = 0; i < 2_000; i++)
            requests.put("example.com/r" + i, new io.fabric8.kubernetes.api.model.Quantity("1"));
        requests.put("storage", new io.fabric8.kubernetes.api.model.Quantity("1Gi"));
        var wide = new PersistentVolumeClaimBuilder()
                .withNewMetadata()
                .withNamespace("ns")
                .withName("wide")
                .withAnnotations(Map.of(Names.ANN_STORAGE_PROVISIONER, "us"))
                .withFinalizers(java.util.stream.IntStream.range(0, 5_000)
                        .mapToObj(i -> "example.com/f" + i)
                        .toList())
                .addNewOwnerReference()
                .withName("owner")
                .withUid("o-1")
                .withKind("ConfigMap")
                .withApiVersion("v1")
                .endOwnerReference()
                .endMetadata()
                .withNewSpec()
                .withStorageClassName("nfs")
                .withAccessModes(java.util.Collections.nCopies(10_000, "ReadWriteOnce"))
                .withNewSelector()
                .addNewMatchExpression()
                .withKey("disk")
                .withOperator("In")
                .withValues(values)
                .endMatchExpression()
                .endSelector()
                .withNewResources()
                .withRequests(requests)
                .withLimits(Map.copyOf(requests))
                .endResources()
                .endSpec()
                .build();
        claims.put("ns/wide", wide);
        var kept = claims.get("ns/wide");
        assertThat(kept.getMetadata().getFinalizers()).isNullOrEmpty();
        assertThat(kept.getMetadata().getOwnerReferences()).isNullOrEmpty();
        assertThat(kept.getSpec().getSelector())
                .as("present, for the rules to refuse")
                .isNotNull();
        assertThat(kept.getSpec().getSelector().getMatchExpressions()).isNullOrEmpty();
        assertThat(kept.getSpec().getAccessModes()).containsExactly("ReadWriteOnce");
        assertThat(kept.getSpec().getResources().getRequests()).containsOnlyKeys("storage");
        assertThat(kept.getSpec().getResources().getLimits()).containsOnlyKeys("storage");
        assertThat(kept.getMetadata().getAnnotations())
                .as("within the budget: kept")
                .containsKey(Names.ANN_STORAGE_PROVISIONER);
        assertThat(dev.nfsprov.protocol.ClaimRules.decide(kept, NFS, "us"))
                .isInstanceOfSatisfying(
                        dev.nfsprov.protocol.ClaimVerdict.Reject.class,
                        r -> assertThat(r.reason()).startsWith("claims with spec.selector are not supported"));
    }
}
