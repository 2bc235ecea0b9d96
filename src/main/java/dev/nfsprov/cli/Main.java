package dev.nfsprov.cli;

import dev.nfsprov.protocol.ApiErrors;
import io.fabric8.kubernetes.client.KubernetesClientException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The nfsprov command: {@code controller} runs the provisioner. */
@Command(
        name = "nfsprov",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Dynamic NFS volume provisioner for Kubernetes.",
        subcommands = {
            ControllerCommand.class,
            RebindCommand.class,
            DoctorCommand.class,
            ReleaseFinalizersCommand.class,
            UsageCommand.class,
            ArchivesCommand.class,
            RestoreCommand.Restore.class,
            RestoreCommand.Adopt.class,
            MoveCommand.class,
            MigrateCommand.class,
            EditClassCommand.class,
            SnapshotCommand.class
        })
public final class Main {

    /**
     * fabric8 warns on every use of a v1alpha1 kind, and ClaimSnapshot is one on purpose (docs/snapshots.md): a line
     * on every `nfsprov snapshot` run would say nothing new. Held here: JUL keeps loggers only weakly.
     */
    private static final java.util.logging.Logger UNSTABLE_VERSION_WARNING =
            java.util.logging.Logger.getLogger("io.fabric8.kubernetes.client.dsl.internal.VersionUsageUtils");

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** A command line whose errors are one line on stderr, never a stack trace. */
    public static CommandLine commandLine() {
        UNSTABLE_VERSION_WARNING.setLevel(java.util.logging.Level.OFF);
        var cli = new CommandLine(new Main());
        // The chart's extraArgs come after its own flags, so the last of a repeated option wins.
        cli.setOverwrittenOptionsAllowed(true);
        // `nfsprov completion` prints a bash/zsh completion script (source <(nfsprov completion)).
        var completion = new CommandLine(new picocli.AutoComplete.GenerateCompletion());
        completion.getCommandSpec().usageMessage().hidden(false);
        cli.addSubcommand("completion", completion);
        exitCodesInHelp(cli);
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof UserError u) {
                cmd.getErr().println("nfsprov: " + u.getMessage());
                return u.exitCode();
            }
            for (Throwable c = e; c != null; c = c.getCause()) {
                if (c instanceof KubernetesClientException k) {
                    cmd.getErr().println("nfsprov: Kubernetes API: " + ApiErrors.describeAny(k));
                    return ExitCode.API;
                }
            }
            // Words only: a class name tells the person at the terminal nothing they can act on.
            cmd.getErr()
                    .println("nfsprov: internal error: " + ApiErrors.describeAny(e)
                            + " (please report it; NFSPROV_DEBUG=1 prints the stack trace)");
            if (System.getenv("NFSPROV_DEBUG") != null) e.printStackTrace(cmd.getErr());
            return ExitCode.INTERNAL;
        });
        return cli;
    }

    /** One exit-code table, in every command's --help. */
    private static void exitCodesInHelp(CommandLine cli) {
        cli.getCommandSpec()
                .usageMessage()
                .exitCodeListHeading("%nExit codes:%n")
                .exitCodeList(ExitCode.table());
        cli.getSubcommands().values().forEach(Main::exitCodesInHelp);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"nfsprov " + (v == null ? "dev" : v)};
        }
    }
}
