package dev.nfsprov.cli;

import dev.nfsprov.protocol.ApiErrors;
import dev.nfsprov.rebind.BackupDir;
import dev.nfsprov.rebind.Rebinder;
import dev.nfsprov.rebind.Rebinder.Row;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code nfsprov rebind}: the Kubeflow guide's export / edit / delete / re-apply for stuck claims, done safely. */
@Command(
        name = "rebind",
        mixinStandardHelpOptions = true,
        description = {
            "Move Pending claims to an NFS StorageClass by re-creating them (a claim's class cannot be changed "
                    + "in place).",
            "Without --apply it only prints the plan. Originals are backed up first; an interrupted run resumes "
                    + "when run again."
        })
final class RebindCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(
            names = {"-n", "--namespace"},
            description = "only this namespace")
    String namespace;

    @Option(
            names = {"-A", "--all-namespaces"},
            description = "every namespace")
    boolean all;

    @Parameters(arity = "0..*", paramLabel = "CLAIM", description = "only these claims (needs -n)")
    List<String> claims = new ArrayList<>();

    @Option(names = "--storage-class", description = "target class (default: the cluster's default StorageClass)")
    String storageClass;

    @Option(names = "--apply", description = "do it (without: print the plan and change nothing)")
    boolean apply;

    @Option(
            names = "--backup-dir",
            description = "where originals go (default: ./nfsprov-rebind-<time>/, or the unfinished one)")
    Path backupDir;

    @Option(
            names = "--restart-pods",
            description = "delete scheduled pods that hold a claim (their controllers re-create them)")
    boolean restartPods;

    @Option(
            names = "--pod-grace-period",
            description = "grace period in seconds for pods deleted by --restart-pods (default: the pod's own)")
    Long podGracePeriod;

    @Option(names = "--timeout", defaultValue = "5m", description = "how long to wait per claim (default 5m)")
    String timeout;

    @Option(
            names = {"-o", "--output"},
            defaultValue = "table",
            description = "table or json")
    String output;

    @Option(names = "--restore", paramLabel = "DIR", description = "put the originals backed up in DIR back")
    Path restore;

    @Option(
            names = "--release-bound",
            description = "with --restore: also replace re-created claims that are Bound, after setting their volumes'"
                    + " reclaim policy to Retain (the data stays on the share)")
    boolean releaseBound;

    @Option(names = "--kubeconfig", defaultValue = "${env:KUBECONFIG}", description = "kubeconfig file")
    Path kubeconfig;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (!output.equals("table") && !output.equals("json"))
            throw new UserError("-o must be table or json, not \"" + output + "\"");
        if (namespace == null && !all && restore == null) throw new UserError("say which claims: -n NAMESPACE or -A");
        if (namespace != null && all) throw new UserError("-n and -A cannot be used together");
        if (!claims.isEmpty() && namespace == null) throw new UserError("naming claims needs -n NAMESPACE");
        var wait = KubeClients.duration(timeout, "--timeout");
        PrintWriter progress = output.equals("json") ? new PrintWriter(PrintWriter.nullWriter()) : out;
        try (var client = KubeClients.create(kubeconfig, true)) {
            List<Row> rows;
            if (restore != null) {
                if (!java.nio.file.Files.isDirectory(restore))
                    throw new UserError("--restore " + restore + " is not a directory");
                rows = new Rebinder(client, BackupDir.choose(restore, Path.of("")), progress)
                        .restore(wait, releaseBound);
            } else {
                var backups = BackupDir.choose(backupDir, Path.of("").toAbsolutePath());
                var rebinder = new Rebinder(client, backups, progress);
                String target = rebinder.targetClass(storageClass);
                rows = rebinder.run(
                        new Rebinder.Options(namespace, claims, target, apply, restartPods, podGracePeriod, wait));
                if (apply && output.equals("table")) out.println("originals backed up in " + backups.path());
                if (!apply && output.equals("table"))
                    out.println("plan for target StorageClass " + target + " (nothing changed; add --apply to do it):");
            }
            print(out, rows);
            return rows.stream().allMatch(Row::ok) ? 0 : 1;
        } catch (Rebinder.RebindException e) {
            throw new UserError(e.getMessage(), 2);
        } catch (KubernetesClientException e) {
            throw new UserError("Kubernetes API: " + ApiErrors.describeAny(e), 3);
        }
    }

    private void print(PrintWriter out, List<Row> rows) {
        if (output.equals("json")) {
            out.println(Serialization.asJson(rows));
        } else {
            String fmt = "%-12s %-20s %-14s %-24s %s%n";
            out.printf(fmt, "NAMESPACE", "NAME", "CLASS", "ACTION", "WHY / RESULT");
            for (Row r : rows) {
                String cls =
                        r.storageClass() == null ? "<unset>" : r.storageClass().isEmpty() ? "\"\"" : r.storageClass();
                String detail = r.result().equals("planned") || r.result().equals("skipped")
                        ? r.why()
                        : r.result() + " (" + r.why() + ")";
                out.printf(fmt, r.namespace(), r.name(), cls, r.action(), detail);
            }
        }
        out.flush();
    }
}
