package dev.nfsprov.cli;

import dev.nfsprov.migrate.ProvisionerSwitch;
import dev.nfsprov.provision.ShareLocation;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code nfsprov migrate}: another provisioner's classes and volumes, handed to nfsprov under its own name. */
@Command(
        name = "migrate",
        mixinStandardHelpOptions = true,
        description = {
            "Hand the volumes and StorageClasses of another provisioner (nfs-subdir's, e.g."
                    + " cluster.local/nfs-subdir-external-provisioner) to nfsprov's provisioner name: rewrite each"
                    + " volume's provisioned-by, re-create each class with the same name, parameters and default"
                    + " flag. Refused while the old provisioner runs, or when a volume is outside nfsprov's share.",
            "Without --apply it prints the plan. The classes are saved in --backup-dir first. Safe to run again."
        })
final class MigrateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--from-provisioner", required = true, paramLabel = "NAME", description = "the old name")
    String from;

    @Option(names = "--to-provisioner", required = true, paramLabel = "NAME", description = "nfsprov's name")
    String to;

    @Option(names = "--storage-class", split = ",", description = "only these classes (default: all of the old one's)")
    List<String> classes = List.of();

    @Option(
            names = "--nfs-server",
            defaultValue = "${env:NFS_SERVER}",
            required = true,
            description = "nfsprov's NFS_SERVER")
    String nfsServer;

    @Option(names = "--nfs-path", defaultValue = "${env:NFS_PATH}", required = true, description = "nfsprov's NFS_PATH")
    String nfsPath;

    @Option(
            names = "--nfs-server-alias",
            split = ",",
            defaultValue = "${env:NFS_SERVER_ALIASES}",
            description = "other names the old volumes give the same server (\"nas\" where --nfs-server is its"
                    + " address); the controller must be given them too (chart nfs.serverAliases)")
    List<String> aliases;

    @Option(
            names = "--backup-dir",
            defaultValue = "nfsprov-migrate-backup",
            description = "where the classes are saved")
    Path backupDir;

    @Option(names = "--apply", description = "do it (without: print the plan and change nothing)")
    boolean apply;

    @Option(
            names = "--apply-class-on-delete",
            description = "let nfsprov delete, as the class says, the directories of nested-pattern volumes that"
                    + " nfs-subdir v4.0.2 never deleted (default: onDelete retain is recorded on them)")
    boolean applyClassOnDelete;

    @Option(
            names = "--reuse-existing-directories",
            description = "re-create the classes whose pattern names no $${.PV.name} and whose data stays with"
                    + " existingDirectory: reuse, as nfs-subdir behaved")
    boolean reuseExistingDirectories;

    @Option(
            names = "--controller-namespace",
            paramLabel = "NAMESPACE",
            description = "the namespace the old provisioner ran in: a Deployment still running it is looked for there"
                    + " only (default: every namespace, where anyone's look-alike Deployment also counts)")
    String oldNamespace;

    @Option(
            names = "--mount-path",
            paramLabel = "DIR",
            description = "the share mounted on this machine: the plan then counts the directories nfs-subdir left"
                    + " behind under nested pathPatterns")
    java.nio.file.Path mountPath;

    @Mixin
    KubeOptions kube;

    private dev.nfsprov.share.Share mounted() {
        if (mountPath == null) return null;
        if (!java.nio.file.Files.isDirectory(mountPath))
            throw new UserError("--mount-path " + mountPath + " is not a directory");
        return new dev.nfsprov.share.Share(mountPath);
    }

    @Override
    public Integer call() throws Exception {
        var out = spec.commandLine().getOut();
        try (var client = kube.client(true)) {
            var sw = new ProvisionerSwitch(
                    client,
                    new ShareLocation(
                            nfsServer.strip(),
                            nfsPath.strip(),
                            aliases == null
                                    ? List.of()
                                    : aliases.stream().map(String::strip).toList()),
                    mounted());
            var plan = sw.plan(
                    from,
                    to,
                    classes,
                    backupDir,
                    oldNamespace == null || oldNamespace.isBlank() ? null : oldNamespace,
                    new ProvisionerSwitch.Choices(applyClassOnDelete, reuseExistingDirectories));
            out.println("migrate " + from + " → " + to + ":");
            int n = 0;
            for (String step : plan.steps()) out.println("  " + (++n) + ". " + step);
            if (plan.steps().isEmpty()) out.println("  nothing of " + from + " found");
            if (!apply) {
                out.println("nothing changed: run again with --apply");
                return 0;
            }
            sw.apply(plan, to, backupDir);
            out.println("done; the classes as they were are in " + backupDir);
            return 0;
        } catch (ProvisionerSwitch.Refused e) {
            throw new UserError(e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        } catch (KubernetesClientException e) {
            throw UserError.api("Kubernetes API", e);
        } finally {
            out.flush();
        }
    }
}
