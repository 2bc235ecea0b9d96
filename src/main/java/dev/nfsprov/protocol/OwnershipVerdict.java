package dev.nfsprov.protocol;

import dev.nfsprov.share.DirectoryOwner;
import java.util.List;

/** What to do about the owner of a volume whose class says {@code ownership: consumer}. */
public sealed interface OwnershipVerdict {
    /** Not a consumer-owned volume, or nothing (left) to do. */
    record Nothing() implements OwnershipVerdict {}

    /** No Pod uses the claim yet: the directory stays 0770, root's. */
    record Waiting() implements OwnershipVerdict {}

    /** The Pods using the claim name no ids: nothing to give the directory to (said once, on the claim). */
    record NoIds(String pod) implements OwnershipVerdict {}

    /** First consumer: record the owner on the volume, then give the directory to it. */
    record Take(DirectoryOwner owner, String pod) implements OwnershipVerdict {}

    /** Recorded but not yet applied (a crash between the two): apply it again, which is idempotent. */
    record Finish(DirectoryOwner owner) implements OwnershipVerdict {}

    /** Applied; these Pods run with ids that cannot write the directory: each told once, nothing changed. */
    record Misfits(DirectoryOwner owner, List<String> reasons) implements OwnershipVerdict {}
}
