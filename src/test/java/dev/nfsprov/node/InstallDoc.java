package dev.nfsprov.node;

import dev.nfsprov.testenv.NodeEnvironment;
import dev.nfsprov.testenv.TestEnvironment;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;

/**
 * The first install command of docs/install.md, as a user copies it, aimed at the test node: the public registry's
 * host ({@code ghcr.io}) becomes the node's registry, and the example NFS server and export become the node's. Nothing
 * else changes, so the documented command is the one that runs.
 */
final class InstallDoc {
    static final String PUBLIC_HOST = "ghcr.io";
    static final String EXAMPLE_SERVER = "192.168.1.10";
    static final String EXAMPLE_PATH = "/nfsroot";

    private InstallDoc() {}

    /** The command's words after {@code helm}, e.g. {@code install nfs-client-provisioner oci://...}. */
    static List<String> helmInstall(NodeEnvironment node) {
        String command = firstHelmInstall(read());
        command = substitute(command, "oci://" + PUBLIC_HOST + "/", "oci://" + node.registry + "/");
        command = substitute(command, "nfs.server=" + EXAMPLE_SERVER + " ", "nfs.server=" + node.nfsServer + " ");
        command = substitute(command, "nfs.path=" + EXAMPLE_PATH + " ", "nfs.path=" + node.nfsPath + " ");
        var words = Arrays.asList(command.strip().split("\\s+"));
        if (!words.getFirst().equals("helm")) throw new IllegalStateException("not a helm command: " + command);
        return words.subList(1, words.size());
    }

    private static String substitute(String command, String documented, String actual) {
        if (!command.contains(documented))
            throw new IllegalStateException(
                    "docs/install.md's install command no longer has " + documented + ": " + command);
        return command.replace(documented, actual);
    }

    /** The first line of a code block that starts {@code helm install} (a "$ " prompt removed), continuations joined. */
    static String firstHelmInstall(String markdown) {
        boolean inBlock = false;
        var lines = markdown.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.startsWith("```")) {
                inBlock = !inBlock;
                continue;
            }
            String cmd = line.startsWith("$ ") ? line.substring(2) : line;
            if (!inBlock || !cmd.startsWith("helm install ")) continue;
            var sb = new StringBuilder();
            while (cmd.endsWith("\\")) {
                sb.append(cmd, 0, cmd.length() - 1).append(' ');
                cmd = lines.get(++i).strip();
            }
            return sb.append(cmd).append(' ').toString();
        }
        throw new IllegalStateException("docs/install.md has no `helm install` command in a code block");
    }

    private static String read() {
        try {
            return Files.readString(TestEnvironment.REPO.resolve("docs/install.md"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
