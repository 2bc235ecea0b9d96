package dev.nfsprov.protocol;

import dev.nfsprov.reclaim.OnDelete;

/** What the provisioner does with one of its volumes, and why. */
public sealed interface VolumeVerdict {
    /** Its claim is gone and its policy is Delete: archive, delete or retain its directory as decided. */
    record Reclaim(OnDelete onDelete) implements VolumeVerdict {}

    /** Its claim is gone and its policy is Delete, but another volume uses the directory: delete the PV object only. */
    record Spare(String reason) implements VolumeVerdict {}

    /** Leave its directory alone for good. */
    record Keep(String reason) implements VolumeVerdict {}

    /** Not yet: reclaimed once what the reason names has happened. */
    record Wait(String reason) implements VolumeVerdict {}

    /** Its recorded decision or its class is invalid: said on the volume, retried when they change. */
    record Reject(String reason) implements VolumeVerdict {}
}
