package dev.nfsprov.testenv;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** Runs helper commands (scripts, libnfs tools) and returns their output. */
public final class Commands {
    private Commands() {}

    public record Result(int exitCode, String stdout, String stderr) {}

    public static Result run(Map<String, String> env, List<String> command) {
        try {
            var pb = new ProcessBuilder(command);
            pb.environment().putAll(env);
            var process = pb.start();
            process.getOutputStream().close();
            byte[][] errBytes = new byte[1][];
            var err = Thread.ofPlatform().start(() -> {
                try {
                    errBytes[0] = process.getErrorStream().readAllBytes();
                } catch (IOException e) {
                    errBytes[0] = new byte[0];
                }
            });
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int rc = process.waitFor();
            err.join();
            return new Result(rc, out, new String(errBytes[0], StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Result(127, "", command.getFirst() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static String runOrFail(Map<String, String> env, List<String> command, String hint) {
        Result r = run(env, command);
        if (r.exitCode() != 0) {
            throw new IllegalStateException(hint + "\n$ " + String.join(" ", command) + " (exit " + r.exitCode() + ")\n"
                    + r.stdout() + r.stderr());
        }
        return r.stdout();
    }

    /**
     * Runs a python3 script in a directory: what a tenant does inside their volume (names that are not UTF-8,
     * chains deeper than a path can name), which Java's path calls cannot.
     */
    public static void python(java.nio.file.Path dir, String script) {
        try {
            var p = new ProcessBuilder("python3", "-c", script)
                    .directory(dir.toFile())
                    .inheritIO()
                    .start();
            if (p.waitFor() != 0) throw new AssertionError("python3 exited with " + p.exitValue() + " in " + dir);
        } catch (IOException e) {
            throw new AssertionError("python3 is missing (this machine kind ships it): " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
