package dev.nfsprov.reclaim;

import dev.nfsprov.pathtemplate.RelativePath;
import dev.nfsprov.share.Share;
import dev.nfsprov.share.ShareException;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.util.ArrayList;
import java.util.List;

/**
 * Archives, deletes or keeps a volume directory. Every step is idempotent: run again after a crash at any
 * point, it finishes the job; a directory that is already gone is not an error.
 */
public final class Reclaimer {

    public static final String ARCHIVE_PREFIX = "archived-";

    public sealed interface Outcome {
        record Archived(Path to) implements Outcome {}

        record Deleted() implements Outcome {}

        record Retained() implements Outcome {}

        record AlreadyGone() implements Outcome {}
    }

    private final Share share;

    public Reclaimer(Share share) {
        this.share = share;
    }

    public Outcome reclaim(RelativePath volume, OnDelete action) throws ShareException {
        if (action == OnDelete.RETAIN) return new Outcome.Retained();
        Path dir = share.existing(volume);
        if (dir == null) return new Outcome.AlreadyGone();
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new ShareException(volume + " on the share is not a directory; leaving it alone");
        }
        return action == OnDelete.ARCHIVE ? archive(volume, dir) : delete(volume, dir);
    }

    /**
     * Renames the directory to archived-NAME beside it; an existing archive is never overwritten (-2, -3, ... is
     * added).
     */
    private Outcome archive(RelativePath volume, Path dir) throws ShareException {
        String base = ARCHIVE_PREFIX + volume.leaf();
        for (int n = 1; n < 10_000; n++) {
            String name = n == 1 ? base : base + "-" + n;
            if (name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 255) {
                name = ARCHIVE_PREFIX + Integer.toHexString(volume.leaf().hashCode()) + "-" + n;
            }
            Path target = dir.resolveSibling(name);
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) continue;
            try {
                Files.move(dir, target); // rename(2): atomic, so a crash leaves either the volume or the archive
                return new Outcome.Archived(target);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException raced) {
                // someone made that name between the check and the rename: try the next one
            } catch (NoSuchFileException gone) {
                return new Outcome.AlreadyGone();
            } catch (IOException e) {
                throw new ShareException("cannot archive " + volume + ": " + ShareException.describe(e), e);
            }
        }
        throw new ShareException("cannot archive " + volume + ": too many archives with that name");
    }

    private Outcome delete(RelativePath volume, Path dir) throws ShareException {
        try (DirectoryStream<Path> parentStream = Files.newDirectoryStream(dir.getParent())) {
            if (!(parentStream instanceof SecureDirectoryStream<Path> parent)) {
                throw new ShareException(
                        "this platform has no openat()-style directory access; refusing to delete " + volume);
            }
            deleteEntry(parent, dir.getFileName());
            return new Outcome.Deleted();
        } catch (NoSuchFileException gone) {
            return new Outcome.AlreadyGone();
        } catch (IOException e) {
            throw new ShareException("cannot delete " + volume + ": " + ShareException.describe(e), e);
        }
    }

    /**
     * Deletes one entry relative to an open directory, never following a symbolic link: a link is removed as
     * a link, and a directory swapped for a link while we work is refused by O_NOFOLLOW rather than entered.
     */
    private static void deleteEntry(SecureDirectoryStream<Path> parent, Path name) throws IOException {
        var attrs = parent.getFileAttributeView(name, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                .readAttributes();
        if (!attrs.isDirectory()) {
            parent.deleteFile(name);
            return;
        }
        try (SecureDirectoryStream<Path> dir = parent.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS)) {
            List<Path> entries = new ArrayList<>();
            for (Path entry : dir) entries.add(entry.getFileName());
            for (Path entry : entries) {
                try {
                    deleteEntry(dir, entry);
                } catch (NoSuchFileException alreadyGone) {
                    // deleted by an earlier, interrupted run or by the tenant: fine
                }
            }
        }
        parent.deleteDirectory(name);
    }
}
