package dev.nfsprov.cli;

import dev.nfsprov.migrate.ClassEdit;
import dev.nfsprov.migrate.ProvisionerSwitch;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code nfsprov edit-class}: what `kubectl edit storageclass` cannot do, a class's parameters changed. */
@Command(
        name = "edit-class",
        mixinStandardHelpOptions = true,
        description = {
            "Change a StorageClass's parameters. Kubernetes refuses to change them in place, so the class is backed up"
                    + " and re-created at once under its name with everything else kept; a claim made in between is"
                    + " provisioned when it is back.",
            "KEY=VALUE sets a parameter, KEY- removes it; the new parameters are checked by the controller's rules"
                    + " first. Without --apply it prints the plan."
        })
final class EditClassCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CLASS", description = "the StorageClass")
    String name;

    @Parameters(index = "1..*", paramLabel = "KEY=VALUE|KEY-", description = "parameters to set or remove")
    List<String> changes = List.of();

    @Option(
            names = "--existing-volumes",
            description = "with ownership=consumer: also give the class's existing volumes to their consumers (each"
                    + " directory becomes its first Pod's, mode 2770)")
    boolean existingVolumes;

    @Option(names = "--apply", description = "do it (without: print the plan and change nothing)")
    boolean apply;

    @Option(
            names = "--backup-dir",
            defaultValue = "nfsprov-classes",
            description = "where the class is backed up before it is deleted (default ./nfsprov-classes)")
    Path backupDir;

    @Mixin
    KubeOptions kube;

    @Override
    public Integer call() throws Exception {
        var parsed = new LinkedHashMap<String, String>();
        for (String c : changes) {
            int eq = c.indexOf('=');
            if (eq > 0) parsed.put(c.substring(0, eq), c.substring(eq + 1));
            else if (c.endsWith("-") && c.length() > 1) parsed.put(c.substring(0, c.length() - 1), null);
            else throw new UserError("\"" + c + "\" is neither KEY=VALUE nor KEY-");
        }
        if (parsed.isEmpty()) throw new UserError("say what to change: KEY=VALUE or KEY-");
        var out = spec.commandLine().getOut();
        try (var client = kube.client(true)) {
            var edit = new ClassEdit(client, backupDir.toAbsolutePath());
            var plan = edit.plan(name, parsed, existingVolumes);
            if (plan.steps().isEmpty()) {
                out.println("StorageClass " + name + " has these parameters already: nothing to do");
                return ExitCode.OK;
            }
            out.println("StorageClass " + name + ":");
            int n = 0;
            for (String step : plan.steps()) out.println("  " + (++n) + ". " + step);
            if (!apply) {
                out.println("nothing changed: run again with --apply");
                return ExitCode.OK;
            }
            edit.apply(plan);
            out.println(
                    "done: re-created with " + plan.parameters() + "; the class as it was is in " + edit.backup(name));
            return ExitCode.OK;
        } catch (ProvisionerSwitch.Refused e) {
            throw new UserError(e.getMessage());
        } catch (KubernetesClientException e) {
            throw UserError.api("Kubernetes API", e);
        } finally {
            out.flush();
        }
    }
}
