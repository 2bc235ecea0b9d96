package dev.nfsprov.cli;

import dev.nfsprov.pathtemplate.InvalidPathException;
import dev.nfsprov.pathtemplate.RelativePath;
import dev.nfsprov.restore.Adoption;
import dev.nfsprov.share.ShareException;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code nfsprov restore} and {@code nfsprov adopt}: a directory on the share becomes a claim's volume. */
final class RestoreCommand {
    private RestoreCommand() {}

    abstract static class Base implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ShareOptions where;

        @Parameters(index = "0", paramLabel = "DIR", description = "the directory, relative to the share's root")
        String dir;

        @Option(names = "--to", required = true, paramLabel = "NAMESPACE/CLAIM", description = "the claim it becomes")
        String to;

        @Option(names = "--storage-class", description = "default: the one recorded, the claim's, or the default class")
        String storageClass;

        @Option(names = "--size", description = "the volume's capacity, e.g. 10Gi (default: recorded, or 1Gi)")
        String size;

        @Option(names = "--apply", description = "do it (without: print the plan and change nothing)")
        boolean apply;

        @Mixin
        KubeOptions kube;

        abstract boolean restore();

        @Override
        public Integer call() throws Exception {
            int slash = to.indexOf('/');
            if (slash <= 0 || slash == to.length() - 1 || to.indexOf('/', slash + 1) >= 0)
                throw new UserError("--to must be NAMESPACE/CLAIM, not \"" + to + "\"");
            RelativePath path;
            try {
                path = RelativePath.of(dir.replaceFirst("^/+", "").replaceFirst("/+$", ""));
            } catch (InvalidPathException e) {
                throw new UserError(e.getMessage());
            }
            var out = spec.commandLine().getOut();
            try (var client = kube.client(true)) {
                var adoption = new Adoption(client, where.share(), where.location());
                var plan = adoption.plan(
                        path, to.substring(0, slash), to.substring(slash + 1), storageClass, size, restore());
                out.println((restore() ? "restore " : "adopt ") + path + " as " + to + ":");
                int n = 0;
                for (String step : plan.steps()) out.println("  " + (++n) + ". " + step);
                if (!apply) {
                    out.println("nothing changed: run again with --apply");
                    return 0;
                }
                adoption.apply(plan);
                out.println("done: kubectl get pvc -n " + plan.namespace() + " " + plan.claim());
                return 0;
            } catch (Adoption.Refused e) {
                throw new UserError(e.getMessage());
            } catch (ShareException e) {
                throw new UserError(e.getMessage());
            } catch (KubernetesClientException e) {
                throw UserError.api("Kubernetes API", e);
            } finally {
                out.flush();
            }
        }
    }

    @Command(
            name = "restore",
            mixinStandardHelpOptions = true,
            description = {
                "Make an archive the volume of a claim again: rename it back (nothing is copied), create a"
                        + " PersistentVolume pre-bound to the claim, and the claim if it does not exist. Refused when"
                        + " the claim is bound to another volume. Without --apply it prints the plan."
            })
    static final class Restore extends Base {
        @Override
        boolean restore() {
            return true;
        }
    }

    @Command(
            name = "adopt",
            mixinStandardHelpOptions = true,
            description = {
                "Make a directory on the share that is nobody's volume (data copied in by hand, a volume from a"
                        + " previous cluster or another provisioner) the volume of a claim; nfsprov then reclaims it"
                        + " like its own. Without --apply it prints the plan."
            })
    static final class Adopt extends Base {
        @Override
        boolean restore() {
            return false;
        }
    }
}
