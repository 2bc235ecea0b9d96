package dev.nfsprov.cli;

import dev.nfsprov.uninstall.FinalizerRelease;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code nfsprov release-finalizers}: after uninstalling, let the provisioner's volumes be deleted again. */
@Command(
        name = "release-finalizers",
        mixinStandardHelpOptions = true,
        description = {
            "After nfsprov is uninstalled: remove its finalizer from the volumes it provisioned, so deleting "
                    + "them no longer hangs. Their directories stay on the share.",
            "Without --apply it only prints the plan. Refused while a controller of the provisioner still runs."
        })
final class ReleaseFinalizersCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(
            names = "--provisioner",
            paramLabel = "NAME",
            description = "the provisioner name (the StorageClass's provisioner, e.g. cluster.local/nfs-client)")
    String provisioner;

    @Option(names = "--apply", description = "do it (without: print the plan and change nothing)")
    boolean apply;

    @Mixin
    KubeOptions kube;

    @picocli.CommandLine.Mixin
    ControllerNamespace controllerNamespace;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        try (var client = kube.client(true)) {
            var release = new FinalizerRelease(client);
            if (provisioner == null) {
                var found = release.provisioners();
                throw new UserError("--provisioner is required"
                        + (found.isEmpty()
                                ? "; no volume carries the finalizer, so there is nothing to do"
                                : "; volumes with the finalizer were provisioned by: " + found));
            }
            var running = release.running(provisioner, Instant.now(), controllerNamespace.orAll());
            if (running.isPresent()) {
                var r = running.get();
                throw new UserError("a controller for " + provisioner + " still runs (Lease " + r.lease()
                        + " held by " + r.holder() + ", renewed " + r.since().toSeconds()
                        + " s ago): uninstall it first, or it puts the finalizers back"
                        + (controllerNamespace.orAll() == null
                                ? ". If that Lease is not the controller's (anyone who may create a Lease in its"
                                        + " namespace can make one), give --controller-namespace with the namespace the"
                                        + " controller ran in"
                                : ""));
            }
            var rows = release.plan(provisioner);
            if (rows.isEmpty()) {
                out.println("No volume of " + provisioner + " carries the finalizer: nothing to do.");
                return 0;
            }
            out.printf("%-44s %-32s %-9s %-8s %s%n", "VOLUME", "CLAIM", "PHASE", "DELETING", "AFTER RELEASE");
            for (var row : rows) {
                out.printf(
                        "%-44s %-32s %-9s %-8s %s%n",
                        row.volume(), row.claim(), row.phase(), row.deleting() ? "yes" : "no", row.outcome());
            }
            if (!apply) {
                out.println(rows.size() + " volume(s). Run again with --apply to remove the finalizer.");
                return 0;
            }
            int released = 0;
            for (var row : rows) {
                if (release.release(row.volume())) released++;
                out.println("released " + row.volume() + (row.deleting() ? " (now deleted)" : "")
                        + (row.directory().isEmpty() ? "" : "; directory kept: " + row.directory()));
            }
            out.println(released + " volume(s) released.");
            return 0;
        } catch (KubernetesClientException e) {
            throw UserError.api("Kubernetes API", e);
        }
    }
}
