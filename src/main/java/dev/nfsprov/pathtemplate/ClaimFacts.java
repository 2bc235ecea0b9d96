package dev.nfsprov.pathtemplate;

import java.util.Map;

/** What a path template may read from a claim: plain values, so templates are tested without Kubernetes. */
public record ClaimFacts(
        String namespace, String name, Map<String, String> labels, Map<String, String> annotations, String volumeName) {
    public ClaimFacts {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    }
}
