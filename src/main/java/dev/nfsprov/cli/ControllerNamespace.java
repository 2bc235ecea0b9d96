package dev.nfsprov.cli;

import picocli.CommandLine.Option;

/**
 * Where the administrator's commands look for the nfsprov controller (its Deployment and Lease). Anyone who may
 * create a Deployment or a Lease in some namespace can make one that looks like a controller; given, only this
 * namespace is believed.
 */
final class ControllerNamespace {

    @Option(
            names = "--controller-namespace",
            paramLabel = "NAMESPACE",
            defaultValue = "${env:NFSPROV_CONTROLLER_NAMESPACE}",
            description = "the namespace the controller runs in (the chart's release namespace): its Deployment and"
                    + " Lease are looked for there only (default: every namespace)")
    String namespace;

    /** The namespace given, or null for all. */
    String orAll() {
        return namespace == null || namespace.isBlank() ? null : namespace.strip();
    }
}
