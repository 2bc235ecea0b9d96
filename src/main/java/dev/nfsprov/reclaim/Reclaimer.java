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
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Archives, deletes or keeps a volume directory. Every step is idempotent: run again after a crash at any
 * point, it finishes the job; a directory that is already gone is not an error.
 */
public final class Reclaimer {

    public static final String ARCHIVE_PREFIX = "archived-";

    public sealed interface Outcome {
        /** recorded: the archive's record (where it came from) was written beside it. */
        record Archived(Path to, boolean recorded) implements Outcome {}

        record Deleted() implements Outcome {}

        record Retained() implements Outcome {}

        record AlreadyGone() implements Outcome {}
    }

    private final Share share;

    public Reclaimer(Share share) {
        this.share = share;
    }

    public Outcome reclaim(RelativePath volume, OnDelete action) throws ShareException {
        return reclaim(volume, action, null);
    }

    /** record: what to write beside an archive (null: nothing), for nfsprov archives, restore and retention. */
    public Outcome reclaim(RelativePath volume, OnDelete action, ArchiveRecord record) throws ShareException {
        if (action == OnDelete.RETAIN) return new Outcome.Retained();
        Path dir = share.existing(volume);
        if (dir == null) {
            share.forgetVolume(volume);
            return new Outcome.AlreadyGone();
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new ShareException(volume + " on the share is not a directory; leaving it alone");
        }
        return action == OnDelete.ARCHIVE ? archive(volume, dir, record) : delete(volume, dir);
    }

    /**
     * Renames the directory to archived-NAME beside it; an existing archive is never overwritten (-2, -3, ... is
     * added).
     */
    private Outcome archive(RelativePath volume, Path dir, ArchiveRecord record) throws ShareException {
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
                share.forgetVolume(volume);
                return new Outcome.Archived(target, record(volume.sibling(name), record));
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

    /** Deletes an archive and its record (retention), never following a link; gone already is fine. */
    public Outcome deleteArchive(RelativePath archive) throws ShareException {
        Path dir = share.existing(archive);
        if (dir == null || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            share.forgetVolume(archive);
            return new Outcome.AlreadyGone();
        }
        return delete(archive, dir);
    }

    /**
     * Best effort: the data is safe in the archive already, and a crash just before this leaves an archive whose
     * origin nfsprov archives shows as unknown.
     */
    private boolean record(RelativePath archive, ArchiveRecord record) {
        if (record == null) return false;
        try {
            share.writeMarker(archive, record.format());
            return true;
        } catch (ShareException e) {
            return false;
        }
    }

    private Outcome delete(RelativePath volume, Path dir) throws ShareException {
        try (DirectoryStream<Path> parentStream = Files.newDirectoryStream(dir.getParent())) {
            if (!(parentStream instanceof SecureDirectoryStream<Path> parent)) {
                throw new ShareException(
                        "this platform has no openat()-style directory access; refusing to delete " + volume);
            }
            deleteTree(parent, dir.getFileName());
            share.forgetVolume(volume);
            return new Outcome.Deleted();
        } catch (NoSuchFileException gone) {
            return new Outcome.AlreadyGone();
        } catch (IOException e) {
            throw new ShareException("cannot delete " + volume + ": " + ShareException.describe(e), e);
        }
    }

    /** Open directories kept at once while deleting; deeper subtrees are moved up to the volume's top first. */
    static final int MAX_OPEN = 64;
    /** Passes over one directory before giving up for now (a tenant adding files as fast as they are deleted). */
    static final int MAX_PASSES = 1000;

    private record Frame(
            SecureDirectoryStream<Path> dir,
            java.util.Iterator<Path> entries,
            SecureDirectoryStream<Path> parent,
            Path name) {}

    /**
     * Deletes a directory tree relative to an open parent, never following a symbolic link (a link is removed as a
     * link; a directory swapped for a link while we work is refused by O_NOFOLLOW rather than entered). Iterative,
     * with entries streamed as they are read: memory and open files stay bounded whatever the depth and width a
     * tenant made. A subtree deeper than {@link #MAX_OPEN} is renamed up to the top of the volume and deleted from
     * there. Safe to interrupt at any point: a rerun deletes what is left.
     */
    static void deleteTree(SecureDirectoryStream<Path> parent, Path name) throws IOException {
        var attrs = parent.getFileAttributeView(name, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                .readAttributes();
        if (!attrs.isDirectory()) {
            parent.deleteFile(name);
            return;
        }
        java.util.ArrayDeque<Frame> stack = new java.util.ArrayDeque<>();
        int passes = 0;
        try {
            stack.push(open(parent, name));
            while (!stack.isEmpty()) {
                Frame f = stack.peek();
                if (f.entries().hasNext()) {
                    Path entry = f.entries().next().getFileName();
                    BasicFileAttributes a;
                    try {
                        a = f.dir()
                                .getFileAttributeView(entry, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                                .readAttributes();
                    } catch (NoSuchFileException gone) {
                        continue;
                    }
                    if (!a.isDirectory()) {
                        try {
                            f.dir().deleteFile(entry);
                        } catch (NoSuchFileException gone) {
                            // deleted by an earlier, interrupted run or by the tenant: fine
                        }
                    } else if (stack.size() < MAX_OPEN) {
                        try {
                            stack.push(open(f.dir(), entry));
                        } catch (NoSuchFileException gone) {
                            // fine
                        }
                    } else {
                        // Too deep to hold open: move it up to the top of the volume (same file system, rename is
                        // atomic), where the top's next pass finds it.
                        f.dir()
                                .move(
                                        entry,
                                        stack.getLast().dir(),
                                        Path.of(".nfsprov-deep-" + java.util.UUID.randomUUID()));
                    }
                    continue;
                }
                stack.pop();
                f.dir().close();
                try {
                    f.parent().deleteDirectory(f.name());
                    passes = 0;
                } catch (NoSuchFileException gone) {
                    // fine
                } catch (DirectoryNotEmptyException | FileAlreadyExistsException notYet) {
                    // entries readdir skipped while we deleted (NFS), subtrees moved up, or a tenant still writing
                    if (++passes > MAX_PASSES) throw notYet;
                    stack.push(open(f.parent(), f.name()));
                }
            }
        } finally {
            for (Frame f : stack) {
                try {
                    f.dir().close();
                } catch (IOException ignored) {
                    // closing a directory we read: nothing to lose
                }
            }
        }
    }

    private static Frame open(SecureDirectoryStream<Path> parent, Path name) throws IOException {
        SecureDirectoryStream<Path> dir = parent.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS);
        return new Frame(dir, dir.iterator(), parent, name);
    }
}
