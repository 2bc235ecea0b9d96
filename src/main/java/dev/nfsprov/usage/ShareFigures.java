package dev.nfsprov.usage;

import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Instant;

/**
 * One share as the leader's last usage pass saw it, recorded in the controller's status ConfigMap (one key per
 * share) for doctor: its size and free bytes, what this provisioner's volumes request there, and its archives.
 * oldestArchive is null when no archive on it has a record.
 */
public record ShareFigures(
        String name,
        String where,
        long sizeBytes,
        long availableBytes,
        long provisionedBytes,
        int archives,
        long archiveBytes,
        Instant oldestArchive,
        Instant measured) {

    public String toJson() {
        return Serialization.asJson(this);
    }

    /** The figures in a ConfigMap value; null when it is not such a record. */
    public static ShareFigures parse(String json) {
        try {
            return Serialization.unmarshal(json, ShareFigures.class);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
