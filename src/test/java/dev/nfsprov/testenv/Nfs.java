package dev.nfsprov.testenv;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** A real NFS client: libnfs-utils talking NFSv4 to ganesha. No kernel mount is involved. */
public final class Nfs {
    private final TestEnvironment env;

    public Nfs(TestEnvironment env) {
        this.env = env;
    }

    public String ls(String path) {
        return Commands.runOrFail(
                Map.of(),
                List.of("nfs-ls", env.nfsUrl(path)),
                "nfs-ls " + path + " failed (apt-get install -y libnfs-utils)");
    }

    public String cat(String path) {
        return Commands.runOrFail(Map.of(), List.of("nfs-cat", env.nfsUrl(path)), "nfs-cat " + path + " failed");
    }

    public void write(String path, String content) {
        try {
            Path tmp = Files.createTempFile("nfsprov-nfs", ".txt");
            Files.writeString(tmp, content);
            Commands.runOrFail(
                    Map.of(), List.of("nfs-cp", tmp.toString(), env.nfsUrl(path)), "nfs-cp to " + path + " failed");
            Files.delete(tmp);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
