package dev.nfsprov.rebind;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;

import java.util.LinkedHashMap;
import java.util.Map;

/** The claim to create in place of a stuck one: the same claim, with the target class, and nothing controllers own. */
public final class ClaimRewrite {
    private ClaimRewrite() {}

    /** Annotations set by controllers about the old binding attempt; carrying them over would mislead the new one. */
    static boolean controllerOwned(String annotation) {
        return annotation.startsWith("pv.kubernetes.io/")
                || annotation.equals("volume.beta.kubernetes.io/storage-provisioner")
                || annotation.equals("volume.kubernetes.io/storage-provisioner")
                || annotation.equals("volume.kubernetes.io/selected-node");
    }

    /** targetClass null keeps the original's class as it was (for --restore). */
    public static PersistentVolumeClaim rewrite(PersistentVolumeClaim original, String targetClass, boolean keepClass) {
        var meta = original.getMetadata();
        Map<String, String> annotations = new LinkedHashMap<>();
        if (meta.getAnnotations() != null) {
            meta.getAnnotations().forEach((k, v) -> {
                if (!controllerOwned(k)) annotations.put(k, v);
            });
        }
        var spec = new PersistentVolumeClaimBuilder(original).build().getSpec();
        spec.setVolumeName(null);
        if (!keepClass) spec.setStorageClassName(targetClass);
        return new PersistentVolumeClaimBuilder()
                .withMetadata(new ObjectMetaBuilder()
                        .withName(meta.getName()).withNamespace(meta.getNamespace())
                        .withLabels(meta.getLabels()).withAnnotations(annotations.isEmpty() ? null : annotations)
                        .withOwnerReferences(meta.getOwnerReferences())
                        .build())
                .withSpec(spec)
                .build();
    }
}
