package dev.nfsprov.share;

import dev.nfsprov.pathtemplate.RelativePath;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The NFS share as mounted in the controller. Every path it hands out was walked component by component
 * without following symbolic links, so nothing a tenant plants in the share can redirect it outside.
 */
public final class Share {

    private final Path root;

    public Share(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** Fails with a message an administrator can act on unless the mount path is a writable directory. */
    public void checkUsable() throws ShareException {
        if (!Files.isDirectory(root))
            throw new ShareException("mount path " + root + " is not a directory (is the NFS share mounted there?)");
        if (!Files.isWritable(root)) throw new ShareException("mount path " + root + " is not writable");
    }

    /**
     * Creates the volume directory (and missing parents, mode 0755) and applies mode and owner.
     * Idempotent: an existing directory gets its mode and owner set again, so a retry after a crash finishes the job.
     * A leaf that this call made is removed again if setting its mode or owner fails.
     */
    public Path createVolume(RelativePath path, DirectorySettings settings) throws ShareException {
        Path parent = ensureParents(path);
        Path leaf = parent.resolve(path.leaf());
        boolean created = false;
        try {
            try {
                Files.createDirectory(leaf);
                created = true;
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(leaf, LinkOption.NOFOLLOW_LINKS)) {
                    throw new ShareException(path + " already exists on the share and is not a directory");
                }
            }
            apply(leaf, settings);
            return leaf;
        } catch (IOException | UnsupportedOperationException e) {
            if (created) {
                try {
                    Files.deleteIfExists(leaf);
                } catch (IOException ignored) {
                    // the retry finds it and sets mode and owner again
                }
            }
            throw new ShareException("cannot create " + path + " on the share: " + ShareException.describe(e), e);
        }
    }

    /**
     * Resolves an existing path, refusing one that leaves the share through a symbolic link anywhere on the way.
     * Returns null if some component does not exist.
     */
    public Path existing(RelativePath path) throws ShareException {
        Path current = root;
        for (String segment : path.segments()) {
            current = current.resolve(segment);
            if (Files.isSymbolicLink(current)) {
                throw new ShareException(path + " goes through the symbolic link " + root.relativize(current)
                        + "; refusing to follow it");
            }
            if (!Files.exists(current, LinkOption.NOFOLLOW_LINKS)) return null;
        }
        return current;
    }

    private Path ensureParents(RelativePath path) throws ShareException {
        Path current = root;
        var segments = path.segments();
        for (String segment : segments.subList(0, segments.size() - 1)) {
            current = current.resolve(segment);
            try {
                Files.createDirectory(
                        current, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(current, LinkOption.NOFOLLOW_LINKS)) {
                    throw new ShareException("cannot create " + path + ": " + root.relativize(current)
                            + " exists and is not a directory (or is a symbolic link)");
                }
            } catch (NoSuchFileException e) {
                throw new ShareException("cannot create " + path + ": the share at " + root + " is gone", e);
            } catch (IOException e) {
                throw new ShareException("cannot create " + path + " on the share: " + ShareException.describe(e), e);
            }
        }
        return current;
    }

    private static void apply(Path dir, DirectorySettings settings) throws IOException {
        // "unix:mode" is chmod(2) with all 12 bits, where the POSIX view only knows rwx; the umask does not apply.
        Files.setAttribute(dir, "unix:mode", settings.mode(), LinkOption.NOFOLLOW_LINKS);
        if (settings.uid().isPresent())
            Files.setAttribute(dir, "unix:uid", settings.uid().getAsInt(), LinkOption.NOFOLLOW_LINKS);
        if (settings.gid().isPresent())
            Files.setAttribute(dir, "unix:gid", settings.gid().getAsInt(), LinkOption.NOFOLLOW_LINKS);
    }
}
