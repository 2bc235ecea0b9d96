package dev.nfsprov.protocol;

import dev.nfsprov.share.DirectoryOwner;
import java.util.List;

/** What to do about the owner of a volume whose class says {@code ownership: consumer}. */
public sealed interface OwnershipVerdict {
    /** Not a consumer-owned volume, or nothing (left) to do. */
    record Nothing() implements OwnershipVerdict {}

    /** No Pod uses the claim yet: the directory stays 0770, root's. */
    record Waiting() implements OwnershipVerdict {}

    /**
     * No Pod using the claim names ids the directory may be given (none at all, 0, or outside the class's
     * directoryIdRange): nothing to give it to (said once, on the claim, with why).
     */
    record NoIds(String pod, String why) implements OwnershipVerdict {}

    /** First consumer: record the owner on the volume, then give the directory to it. */
    record Take(DirectoryOwner owner, String pod) implements OwnershipVerdict {}

    /** Recorded but not yet applied (a crash between the two): apply it again, which is idempotent. */
    record Finish(DirectoryOwner owner) implements OwnershipVerdict {}

    /** Applied; these Pods run with ids that cannot write the directory: each told once, nothing changed. */
    record Misfits(DirectoryOwner owner, List<String> reasons) implements OwnershipVerdict {}
}
