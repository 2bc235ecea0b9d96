package dev.nfsprov.testenv;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** A real NFS client: libnfs-utils talking NFSv4 to ganesha. No kernel mount is involved. */
public final class Nfs {
    private final String host;
    private final int port;

    public Nfs(TestEnvironment env) {
        this("127.0.0.1", env.nfsPort);
    }

    /** Another server: a second ganesha (scripts/dev-nfs with NFSPROV_NFS_BIND). */
    public Nfs(String host, int port) {
        this.host = host;
        this.port = port;
    }

    private String url(String path) {
        return "nfs://" + host + path + "?version=4&nfsport=" + port;
    }

    public String ls(String path) {
        return Commands.runOrFail(
                Map.of(), List.of("nfs-ls", url(path)), "nfs-ls " + path + " failed (apt-get install -y libnfs-utils)");
    }

    public String cat(String path) {
        return Commands.runOrFail(Map.of(), List.of("nfs-cat", url(path)), "nfs-cat " + path + " failed");
    }

    public void write(String path, String content) {
        try {
            Path tmp = Files.createTempFile("nfsprov-nfs", ".txt");
            Files.writeString(tmp, content);
            Commands.runOrFail(Map.of(), List.of("nfs-cp", tmp.toString(), url(path)), "nfs-cp to " + path + " failed");
            Files.delete(tmp);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
