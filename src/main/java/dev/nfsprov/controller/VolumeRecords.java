package dev.nfsprov.controller;

import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.Map;

/** What the controller writes on its volumes and says about their claims, done one way everywhere. */
final class VolumeRecords {
    private VolumeRecords() {}

    /**
     * A JSON merge patch of annotations only. Through .resource(volume): with a name alone fabric8 reads the object
     * first, a call (and for claims a permission) the controller does not need.
     */
    static void annotate(KubernetesClient client, PersistentVolume volume, Map<String, String> annotations) {
        client.persistentVolumes()
                .resource(volume)
                .patch(
                        PatchContext.of(PatchType.JSON_MERGE),
                        Serialization.asJson(Map.of("metadata", Map.of("annotations", annotations))));
    }

    /**
     * The same, with the volume's resourceVersion as a precondition: the API server answers 409 if the volume changed
     * since it was read, so a decision made on a stale cache is never written.
     */
    static void annotateIfUnchanged(KubernetesClient client, PersistentVolume volume, Map<String, String> annotations) {
        client.persistentVolumes()
                .resource(volume)
                .patch(
                        PatchContext.of(PatchType.JSON_MERGE),
                        Serialization.asJson(Map.of(
                                "metadata",
                                Map.of(
                                        "annotations",
                                        annotations,
                                        "resourceVersion",
                                        volume.getMetadata().getResourceVersion()))));
    }

    /** The claim a volume is bound to, as much of it as an Event needs (no API call). */
    static PersistentVolumeClaim claimOf(PersistentVolume volume) {
        var ref = volume.getSpec().getClaimRef();
        return new PersistentVolumeClaimBuilder()
                .withNewMetadata()
                .withNamespace(ref.getNamespace())
                .withName(ref.getName())
                .withUid(ref.getUid())
                .endMetadata()
                .build();
    }
}
