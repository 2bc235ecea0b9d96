package dev.nfsprov.cli;

import dev.nfsprov.rebind.BackupDir;
import dev.nfsprov.rebind.Backups;
import dev.nfsprov.rebind.ClusterBackups;
import dev.nfsprov.rebind.Rebinder;
import dev.nfsprov.rebind.Rebinder.Row;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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

    @Mixin
    NamespaceOptions namespaces;

    @Parameters(arity = "0..*", paramLabel = "CLAIM", description = "only these claims (needs -n)")
    List<String> claims = new ArrayList<>();

    @Option(
            names = "--any-provisioner",
            description = "move claims to the target class even if no nfsprov controller serves it")
    boolean anyProvisioner;

    @picocli.CommandLine.Mixin
    ControllerNamespace controllerNamespace;

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
            defaultValue = "text",
            converter = Output.Converter.class,
            description = Output.DESCRIPTION)
    Output output;

    @Option(names = "--restore", paramLabel = "DIR", description = "put the originals backed up in DIR back")
    Path restore;

    @Option(
            names = "--restore-run",
            paramLabel = "RUN",
            description = "put the originals of run RUN back from their ConfigMaps in the cluster (the run is printed"
                    + " by --apply; with -n, that namespace's only)")
    String restoreRun;

    @Option(
            names = "--release-bound",
            description = "with --restore: also replace re-created claims that are Bound, after setting their volumes'"
                    + " reclaim policy to Retain (the data stays on the share)")
    boolean releaseBound;

    @Mixin
    KubeOptions kube;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (!claims.isEmpty() && namespaces.all) throw new UserError("naming claims needs one namespace, not -A");
        var wait = FlagValues.duration(timeout, "--timeout");
        PrintWriter progress = output.text() ? out : new PrintWriter(PrintWriter.nullWriter());
        try (var client = kube.client(true)) {
            List<Row> rows;
            if (restore != null && restoreRun != null) throw new UserError("--restore and --restore-run: one of them");
            if (restore != null) {
                if (!java.nio.file.Files.isDirectory(restore))
                    throw new UserError("--restore " + restore + " is not a directory");
                rows = new Rebinder(client, BackupDir.choose(restore, Path.of("")), progress)
                        .restore(wait, releaseBound);
            } else if (restoreRun != null) {
                String scope = namespaces.all ? null : namespaces.namespace;
                KubeOptions.requireNamespace(client, scope);
                var backups = new ClusterBackups(client, restoreRun, scope);
                if (backups.originals().isEmpty())
                    throw new UserError("no ConfigMaps labelled " + ClusterBackups.RUN + "=" + restoreRun
                            + (scope == null ? "" : " in namespace " + scope));
                rows = new Rebinder(client, backups, progress).restore(wait, releaseBound);
            } else {
                String namespace = namespaces.resolve(kube, client, false);
                var dir = BackupDir.choose(backupDir, Path.of("").toAbsolutePath());
                // one run name for both copies; a run left unfinished in the cluster (its Pod gone) is resumed
                String run = dir.unfinished()
                        ? BackupDir.runOf(dir)
                        : ClusterBackups.unfinishedRun(client, namespace).orElse(BackupDir.runOf(dir));
                var backups = Backups.both(new ClusterBackups(client, run, namespace), dir, progress);
                var rebinder = new Rebinder(client, backups, progress);
                String target = rebinder.targetClass(storageClass);
                rebinder.checkServed(target, anyProvisioner, controllerNamespace.orAll());
                rows = rebinder.run(new Rebinder.Options(
                        namespace,
                        claims,
                        target,
                        rebinder.isDefault(target),
                        apply,
                        restartPods,
                        podGracePeriod,
                        wait));
                if (apply && output.text()) out.println("originals backed up in " + backups.where());
                if (!apply && output.text())
                    out.println("plan for target StorageClass " + target + " (nothing changed; add --apply to do it):");
            }
            print(out, rows);
            return rows.stream().allMatch(Row::ok) ? 0 : 1;
        } catch (Rebinder.RebindException e) {
            throw new UserError(e.getMessage(), 2);
        } catch (KubernetesClientException e) {
            throw UserError.api("Kubernetes API", e);
        }
    }

    private void print(PrintWriter out, List<Row> rows) {
        if (!output.text()) {
            output.print(out, rows);
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
