package dev.nfsprov.cli;

import dev.nfsprov.provision.ShareCatalog;
import dev.nfsprov.provision.ShareMount;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** --share, for the controller and the commands that work on several shares (move): the shares besides "default". */
final class MoreShares {

    @Option(
            names = "--share",
            paramLabel = "name=NAME,server=SERVER,path=/PATH[,mount=/DIR]",
            description = "another share, chosen by a StorageClass's parameter share: NAME; mount= is where it is"
                    + " mounted here (the controller's default /shares/NAME); repeatable. NFS_SERVER/NFS_PATH (or"
                    + " --nfs-server/--nfs-path) is the share \"default\"")
    List<String> specs = new ArrayList<>();

    /**
     * The default share followed by these, checked together (names, mounts, overlapping exports); mountRequired for
     * commands that run outside the controller, where /shares/NAME means nothing.
     */
    List<ShareMount> with(ShareMount first, boolean mountRequired) {
        var out = new ArrayList<>(List.of(first));
        try {
            for (String spec : specs) {
                if (mountRequired && !spec.contains("mount="))
                    throw new UserError("--share " + spec + ": say where it is mounted on this machine with mount=");
                out.add(ShareMount.parse(spec));
            }
            ShareCatalog.check(out);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        return List.copyOf(out);
    }
}
