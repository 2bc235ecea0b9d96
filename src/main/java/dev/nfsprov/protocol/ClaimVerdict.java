package dev.nfsprov.protocol;

/** What the provisioner does with a claim, and why. */
public sealed interface ClaimVerdict {
    /** Make its directory and volume now. */
    record Provision() implements ClaimVerdict {}

    /**
     * Make its directory as a copy of the claim {@code source} of the same namespace (its dataSource), and its volume
     * once the copy is complete.
     */
    record Clone(String source) implements ClaimVerdict {}

    /**
     * Make its directory as a copy of the ClaimSnapshot {@code snapshot} of the same namespace (its dataSourceRef), and
     * its volume once the copy is complete.
     */
    record Restore(String snapshot) implements ClaimVerdict {}

    /** Nothing yet: the claim will be provisioned once what the reason names has happened. */
    record Wait(String reason) implements ClaimVerdict {}

    /** The claim or its class asks for something this provisioner cannot do: said once, retried when they change. */
    record Reject(String reason) implements ClaimVerdict {}

    /** Not this provisioner's to act on. */
    record NotOurs(String reason) implements ClaimVerdict {}
}
