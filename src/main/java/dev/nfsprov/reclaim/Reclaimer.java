package dev.nfsprov.reclaim;

import dev.nfsprov.pathtemplate.RelativePath;
import dev.nfsprov.share.Share;
import dev.nfsprov.share.ShareException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Archives, deletes or keeps a volume directory, through directory handles opened from the share's root without
 * following a link (see Share): a tenant who swaps a directory on the way for a link while this works makes the
 * step fail, never act elsewhere. Every step is idempotent: run again after a crash at any point, it finishes the
 * job; a directory that is already gone is not an error.
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
        switch (share.kind(volume)) {
            case ABSENT -> {
                share.forgetVolume(volume);
                return new Outcome.AlreadyGone();
            }
            case LINK -> throw new ShareException(volume + " on the share is a symbolic link; refusing to follow it");
            case OTHER -> throw new ShareException(volume + " on the share is not a directory; leaving it alone");
            case DIRECTORY -> {}
        }
        return action == OnDelete.ARCHIVE ? archive(volume, record) : delete(volume);
    }

    /**
     * Renames the directory to archived-NAME beside it; an existing archive is never overwritten (-2, -3, ... is
     * added).
     */
    private Outcome archive(RelativePath volume, ArchiveRecord record) throws ShareException {
        for (int n = 1; n < 10_000; n++) {
            String name = archiveName(volume.leaf(), n);
            switch (share.rename(volume, name)) {
                case DONE -> { // rename(2): atomic, so a crash leaves either the volume or the archive
                    share.forgetVolume(volume);
                    RelativePath archive = volume.sibling(name);
                    return new Outcome.Archived(share.root().resolve(archive.toString()), record(archive, record));
                }
                case GONE -> {
                    return new Outcome.AlreadyGone();
                }
                case TAKEN -> {} // an archive of that name exists: try the next one
            }
        }
        throw new ShareException("cannot archive " + volume + ": too many archives with that name");
    }

    /** archived-LEAF[-n]; a SHA-256 of the leaf where that would be longer than a name may be. */
    static String archiveName(String leaf, int n) {
        String base = ARCHIVE_PREFIX + leaf;
        String name = n == 1 ? base : base + "-" + n;
        if (name.getBytes(StandardCharsets.UTF_8).length <= 255) return name;
        return ARCHIVE_PREFIX + Share.sha256(leaf) + "-" + n;
    }

    /** Deletes an archive and its record (retention), never following a link; gone already is fine. */
    public Outcome deleteArchive(RelativePath archive) throws ShareException {
        if (share.kind(archive) != Share.Kind.DIRECTORY) {
            share.forgetVolume(archive);
            return new Outcome.AlreadyGone();
        }
        return delete(archive);
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

    private Outcome delete(RelativePath volume) throws ShareException {
        boolean deleted = share.deleteTree(volume);
        share.forgetVolume(volume);
        return deleted ? new Outcome.Deleted() : new Outcome.AlreadyGone();
    }
}
