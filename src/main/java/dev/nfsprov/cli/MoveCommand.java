package dev.nfsprov.cli;

import dev.nfsprov.move.Mover;
import dev.nfsprov.provision.ShareCatalog;
import dev.nfsprov.provision.ShareMount;
import dev.nfsprov.provision.VolumeService;
import dev.nfsprov.rebind.BackupDir;
import dev.nfsprov.share.DirectorySettings;
import dev.nfsprov.share.Share;
import dev.nfsprov.share.ShareException;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code nfsprov move}: a claim's data to a StorageClass on another share. */
@Command(
        name = "move",
        mixinStandardHelpOptions = true,
        description = {
            "Move a Bound claim's data to a StorageClass on another share: keep the old volume (Retain), delete the"
                    + " claim, copy and count the data through this machine's mounts of both shares, then re-create"
                    + " the claim bound to a new volume. Backups first; run again to resume. Without --apply it"
                    + " prints the plan."
        })
final class MoveCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAMESPACE/CLAIM")
    String claim;

    @Option(names = "--to-storage-class", required = true, description = "the class whose share the data goes to")
    String targetClass;

    @Mixin
    ShareOptions where;

    @Mixin
    MoreShares moreShares;

    @Option(names = "--apply", description = "do it (without: print the plan and change nothing)")
    boolean apply;

    @Option(
            names = "--restart-pods",
            description = "delete the pods that use the claim once it is deleted (their controllers re-create them)")
    boolean restartPods;

    @Option(
            names = "--backup-dir",
            description =
                    "where the claim and volume are kept (default: ./nfsprov-move-<time>/, or the unfinished one)")
    Path backupDir;

    @Option(names = "--timeout", defaultValue = "5m", description = "how long to wait for each step (default 5m)")
    String timeout;

    @Mixin
    KubeOptions kube;

    @Override
    public Integer call() throws Exception {
        int slash = claim.indexOf('/');
        if (slash <= 0 || slash == claim.length() - 1 || claim.indexOf('/', slash + 1) >= 0)
            throw new UserError("the claim must be NAMESPACE/CLAIM, not \"" + claim + "\"");
        var options = new Mover.Options(
                claim.substring(0, slash),
                claim.substring(slash + 1),
                targetClass,
                restartPods,
                FlagValues.duration(timeout, "--timeout"));
        var out = spec.commandLine().getOut();
        try (var client = kube.client(true)) {
            var backups = BackupDir.choose(backupDir, Path.of("").toAbsolutePath(), "nfsprov-move-");
            var mover = new Mover(client, shares(), backups, out);
            var plan = mover.plan(options);
            out.println((plan.resumed() ? "resuming the move of " : "move ") + claim + " to StorageClass " + targetClass
                    + ":");
            int n = 0;
            for (String step : plan.steps()) out.println("  " + (++n) + ". " + step);
            if (!apply) {
                out.println("nothing changed: run again with --apply");
                return 0;
            }
            mover.apply(plan, options);
            out.println("backups in " + backups.path());
            return 0;
        } catch (Mover.Refused e) {
            throw new UserError(e.getMessage());
        } catch (ShareException | IOException e) {
            throw new UserError(e.getMessage());
        } catch (KubernetesClientException e) {
            throw UserError.api("Kubernetes API", e);
        } finally {
            out.flush();
        }
    }

    private ShareCatalog shares() {
        ShareMount first;
        try {
            first = new ShareMount(ShareMount.DEFAULT, where.location(), where.mountPath);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        var entries = new ArrayList<ShareCatalog.Entry>();
        for (ShareMount m : moreShares.with(first, true))
            entries.add(new ShareCatalog.Entry(
                    m, new VolumeService(new Share(m.mountPath()), m.location(), DirectorySettings.DEFAULT)));
        return new ShareCatalog(entries);
    }
}
