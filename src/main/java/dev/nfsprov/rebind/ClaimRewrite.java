package dev.nfsprov.rebind;

import dev.nfsprov.protocol.Names;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import java.util.LinkedHashMap;
import java.util.Map;

/** The claim to create in place of a stuck one: the same claim, with the target class, and nothing controllers own. */
public final class ClaimRewrite {
    private ClaimRewrite() {}

    /**
     * The claim with {@code targetClass}, or with its own class when {@code keepClass} (for --restore). Annotations
     * the control plane set about the old binding attempt are dropped: carried over they would mislead the new one.
     */
    public static PersistentVolumeClaim rewrite(PersistentVolumeClaim original, String targetClass, boolean keepClass) {
        var meta = original.getMetadata();
        Map<String, String> annotations = new LinkedHashMap<>();
        if (meta.getAnnotations() != null) {
            meta.getAnnotations().forEach((k, v) -> {
                if (!Names.setByBinding(k)) annotations.put(k, v);
            });
        }
        var spec = new PersistentVolumeClaimBuilder(original).build().getSpec();
        spec.setVolumeName(null);
        if (!keepClass) spec.setStorageClassName(targetClass);
        return new PersistentVolumeClaimBuilder()
                .withMetadata(new ObjectMetaBuilder()
                        .withName(meta.getName())
                        .withNamespace(meta.getNamespace())
                        .withLabels(meta.getLabels())
                        .withAnnotations(annotations.isEmpty() ? null : annotations)
                        .withOwnerReferences(meta.getOwnerReferences())
                        .build())
                .withSpec(spec)
                .build();
    }
}
