package dev.nfsprov.cli;

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
            MigrateCommand.class
        })
public final class Main {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** A command line whose errors are one line on stderr, never a stack trace. */
    public static CommandLine commandLine() {
        var cli = new CommandLine(new Main());
        // The chart's extraArgs come after its own flags, so the last of a repeated option wins.
        cli.setOverwrittenOptionsAllowed(true);
        // `nfsprov completion` prints a bash/zsh completion script (source <(nfsprov completion)).
        var completion = new CommandLine(new picocli.AutoComplete.GenerateCompletion());
        completion.getCommandSpec().usageMessage().hidden(false);
        cli.addSubcommand("completion", completion);
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof UserError u) {
                cmd.getErr().println("nfsprov: " + u.getMessage());
                return u.exitCode();
            }
            cmd.getErr().println("nfsprov: " + e.getClass().getSimpleName() + ": " + e.getMessage());
            return 70;
        });
        return cli;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"nfsprov " + (v == null ? "dev" : v)};
        }
    }
}
