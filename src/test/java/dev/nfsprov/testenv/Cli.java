package dev.nfsprov.testenv;

import dev.nfsprov.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

/** nfsprov's command line run in-process, as typed: its exit code, what it printed and what it complained about. */
public final class Cli {
    private Cli() {}

    public record Run(int exit, String out, String err) {
        /** stdout then stderr, for messages that may go to either. */
        public String all() {
            return out + err;
        }
    }

    public static Run run(List<String> args) {
        var cli = Main.commandLine();
        var out = new StringWriter();
        var err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute(args.toArray(String[]::new));
        return new Run(exit, out.toString(), err.toString());
    }
}
