package dev.nfsprov.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

class CompactionTest {

    private static final String CLAIM = """
            {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
             "metadata": {"name": "%s", "namespace": "team-a", "uid": "%s",
                          "annotations": {"volume.kubernetes.io/storage-provisioner": "nfsprov.dev/nfs"},
                          "labels": {"app": "mysql"}, "finalizers": ["kubernetes.io/pvc-protection"]},
             "spec": {"accessModes": ["ReadWriteMany"], "storageClassName": "nfs", "volumeMode": "Filesystem",
                      "resources": {"requests": {"storage": "1Gi"}}},
             "status": {"phase": "Bound", "capacity": {"storage": "1Gi"}}}
            """;

    private static final String VOLUME = """
            {"apiVersion": "v1", "kind": "PersistentVolume",
             "metadata": {"name": "%s", "annotations": {"pv.kubernetes.io/provisioned-by": "nfsprov.dev/nfs"}},
             "spec": {"accessModes": ["ReadWriteMany"], "capacity": {"storage": "1Gi"}, "storageClassName": "nfs",
                      "persistentVolumeReclaimPolicy": "Delete", "nfs": {"server": "10.1.2.3", "path": "/x/%s"},
                      "claimRef": {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "namespace": "team-a",
                                   "name": "%s"}},
             "status": {"phase": "Bound"}}
            """;

    private static PersistentVolumeClaim claim(String name) {
        return Serialization.unmarshal(CLAIM.formatted(name, "uid-" + name), PersistentVolumeClaim.class);
    }

    private static PersistentVolume volume(String name) {
        return Serialization.unmarshal(VOLUME.formatted(name, name, name), PersistentVolume.class);
    }

    @Test
    void twoClaimsParsedApartShareTheirRepeatedStringsAndKeepTheirValues() {
        var a = claim("a");
        var b = claim("b");
        assertThat(a.getSpec().getStorageClassName())
                .as("parsed apart: two copies")
                .isNotSameAs(b.getSpec().getStorageClassName());
        Compaction.compact(a);
        Compaction.compact(b);

        assertThat(a.getMetadata().getNamespace()).isSameAs(b.getMetadata().getNamespace());
        var keyA = a.getMetadata().getAnnotations().keySet().iterator().next();
        var keyB = b.getMetadata().getAnnotations().keySet().iterator().next();
        assertThat(keyA).isSameAs(keyB);
        assertThat(a.getMetadata().getAnnotations().get(keyA))
                .isSameAs(b.getMetadata().getAnnotations().get(keyB));
        assertThat(a.getMetadata().getLabels().get("app"))
                .isSameAs(b.getMetadata().getLabels().get("app"));
        assertThat(a.getMetadata().getFinalizers().get(0))
                .isSameAs(b.getMetadata().getFinalizers().get(0));
        assertThat(a.getSpec().getAccessModes().get(0))
                .isSameAs(b.getSpec().getAccessModes().get(0));
        assertThat(a.getSpec().getStorageClassName()).isSameAs(b.getSpec().getStorageClassName());
        assertThat(a.getSpec().getResources().getRequests().get("storage").getAmount())
                .isSameAs(
                        b.getSpec().getResources().getRequests().get("storage").getAmount());
        assertThat(a.getStatus().getPhase()).isSameAs(b.getStatus().getPhase());

        assertThat(a).as("nothing but the copies changed").isEqualTo(claim("a"));
        assertThat(Serialization.asJson(a)).isEqualTo(Serialization.asJson(claim("a")));
        assertThat(a.getMetadata().getUid()).isEqualTo("uid-a");
        assertThat(a.getSpec().getAdditionalProperties()).isSameAs(b.getSpec().getAdditionalProperties());
    }

    @Test
    void volumesShareTheirRepeatedStringsAndKeepTheirValues() {
        var a = volume("a");
        var b = volume("b");
        Compaction.compact(a);
        Compaction.compact(b);
        assertThat(a.getSpec().getNfs().getServer())
                .isSameAs(b.getSpec().getNfs().getServer());
        assertThat(a.getSpec().getClaimRef().getKind())
                .isSameAs(b.getSpec().getClaimRef().getKind());
        assertThat(a.getSpec().getClaimRef().getNamespace())
                .isSameAs(b.getSpec().getClaimRef().getNamespace());
        assertThat(a.getSpec().getPersistentVolumeReclaimPolicy())
                .isSameAs(b.getSpec().getPersistentVolumeReclaimPolicy());
        assertThat(a.getSpec().getCapacity().get("storage").getFormat())
                .isSameAs(b.getSpec().getCapacity().get("storage").getFormat());
        assertThat(a).as("nothing but the copies changed").isEqualTo(volume("a"));
        assertThat(Serialization.asJson(a)).isEqualTo(Serialization.asJson(volume("a")));
        assertThat(new io.fabric8.kubernetes.api.model.PersistentVolumeBuilder(a)
                        .editMetadata()
                        .addToAnnotations("more", "x")
                        .endMetadata()
                        .build()
                        .getMetadata()
                        .getAnnotations())
                .as("a builder from the cached object still edits it")
                .containsEntry("more", "x");
        assertThat(a.getSpec().getNfs().getPath()).isEqualTo("/x/a");
    }
}
