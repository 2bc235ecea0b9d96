package dev.nfsprov.cli;

import dev.nfsprov.provision.ShareLocation;
import dev.nfsprov.share.Share;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the share is, for commands that work on it directly (archives, restore, adopt). */
final class ShareOptions {

    @Option(
            names = "--mount-path",
            required = true,
            description = "where the share is mounted on this machine (the controller's is /persistentvolumes)")
    Path mountPath;

    @Option(
            names = "--nfs-server",
            defaultValue = "${env:NFS_SERVER}",
            description = "the NFS server as the nodes reach it (the controller's NFS_SERVER)")
    String nfsServer;

    @Option(
            names = "--nfs-path",
            defaultValue = "${env:NFS_PATH}",
            description = "the exported path (the controller's NFS_PATH)")
    String nfsPath;

    Share share() {
        if (!Files.isDirectory(mountPath)) throw new UserError("--mount-path " + mountPath + " is not a directory");
        return new Share(mountPath);
    }

    ShareLocation location() {
        if (nfsServer == null || nfsServer.isBlank() || nfsPath == null || nfsPath.isBlank())
            throw new UserError("--nfs-server and --nfs-path are required (the controller's NFS_SERVER and NFS_PATH)");
        try {
            return new ShareLocation(nfsServer.strip(), nfsPath.strip());
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
    }
}
