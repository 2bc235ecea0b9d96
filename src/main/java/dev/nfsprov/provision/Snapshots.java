package dev.nfsprov.provision;

import dev.nfsprov.pathtemplate.RelativePath;
import dev.nfsprov.share.Share;
import dev.nfsprov.share.ShareException;
import dev.nfsprov.share.TreeCount;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Point-in-time copies of volume directories, kept in {@value #DIRECTORY} at the share's root: a reserved name no
 * pathPattern can render (Share refuses it for volumes), so no PersistentVolume points into it and no tenant can reach
 * or change a copy. Each copy is a directory named by its id (the ClaimSnapshot's uid), with a record beside it
 * (Share's marker of that name) written before the copy starts, naming its owner (namespace/name), and again once the
 * copy returned, saying it is complete: a copy whose record does not say so is a crash's half copy, deleted and made
 * again; a directory with no record at all is nobody's.
 */
public final class Snapshots {

    public static final String DIRECTORY = ".nfsprov-snapshots";

    /** Class parameter: how long a snapshot of a claim of this class is kept (30d, 12h, 90m); unset: until deleted. */
    public static final String PARAM_RETENTION = "snapshotRetention";

    /** What ids look like (Kubernetes uids): nothing a tenant writes ever names a directory here. */
    private static final Pattern ID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    /** A complete copy: when it was taken, what it holds, how long the copy took. */
    public record Taken(Instant takenAt, long files, long directories, long links, long bytes, long copyNanos) {

        String record(String owner) {
            return "owner=" + owner + "\ncomplete=true\ntakenAt=" + takenAt + "\nfiles=" + files + "\ndirectories="
                    + directories + "\nlinks=" + links + "\nbytes=" + bytes + "\ncopyNanos=" + copyNanos + "\n";
        }

        static Taken parse(java.util.Map<String, String> fields) {
            return new Taken(
                    Instant.parse(fields.getOrDefault("takenAt", Instant.EPOCH.toString())),
                    number(fields, "files"),
                    number(fields, "directories"),
                    number(fields, "links"),
                    number(fields, "bytes"),
                    number(fields, "copyNanos"));
        }

        private static long number(java.util.Map<String, String> fields, String key) {
            try {
                return Long.parseLong(fields.getOrDefault(key, "0"));
            } catch (NumberFormatException e) {
                return 0;
            }
        }
    }

    private final Share share;

    public Snapshots(Share share) {
        this.share = share;
    }

    /** Whether an id is one this store would name a copy by. */
    public static boolean validId(String id) {
        return id != null && ID.matcher(id).matches();
    }

    /** Where the copy of this id lives, relative to the share's root. */
    public static RelativePath directoryOf(String id) {
        if (!validId(id)) throw new IllegalArgumentException("not a snapshot id: " + id);
        return new RelativePath(List.of(DIRECTORY, id));
    }

    /** The complete copy of this id, if there is one. */
    public Optional<Taken> taken(String id) throws ShareException {
        var fields = record(id);
        if (!"true".equals(fields.get("complete")) || share.kind(directoryOf(id)) != Share.Kind.DIRECTORY)
            return Optional.empty();
        return Optional.of(Taken.parse(fields));
    }

    /** Whose copy this is (namespace/name, as {@link #take} was told), complete or not; empty if no record says. */
    public Optional<String> owner(String id) throws ShareException {
        return Optional.ofNullable(record(id).get("owner"));
    }

    private java.util.Map<String, String> record(String id) throws ShareException {
        var fields = new java.util.HashMap<String, String>();
        if (share.kind(new RelativePath(List.of(DIRECTORY))) != Share.Kind.DIRECTORY) return fields;
        String record = share.readMarker(directoryOf(id));
        if (record == null) return fields;
        for (String line : record.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) fields.put(line.substring(0, eq), line.substring(eq + 1).strip());
        }
        return fields;
    }

    /**
     * Copies {@code volume} (a directory of {@code from}, this share or the same) as the snapshot {@code id} of
     * {@code owner} (namespace/name), unless it is complete already. A half copy (a crash) is deleted first and the
     * copy made afresh from the volume as it is now, so a copy is always of one reading, never two stitched together.
     */
    public Taken take(String id, String owner, Share from, RelativePath volume) throws ShareException {
        var done = taken(id);
        if (done.isPresent()) return done.get();
        RelativePath dir = directoryOf(id);
        share.makeDirectories(new RelativePath(List.of(DIRECTORY)), 0700);
        share.writeMarker(dir, "owner=" + owner + "\ncomplete=false\n");
        share.deleteTree(dir);
        share.makeDirectories(dir, 0700);
        Instant takenAt = Instant.now();
        long start = System.nanoTime();
        TreeCount copied;
        try {
            copied = from.copyTree(volume, share, dir);
        } catch (dev.nfsprov.share.TreeTooLargeException e) {
            delete(id); // half a copy that would only be made again: nothing kept
            throw e;
        }
        var taken = new Taken(
                takenAt,
                copied.files(),
                copied.directories(),
                copied.links(),
                copied.bytes(),
                System.nanoTime() - start);
        share.writeMarker(dir, taken.record(owner));
        return taken;
    }

    /**
     * Deletes the copy of this id and its record; false if neither was there. The record goes first: a crash in
     * between leaves a directory without one, which is a half copy to everyone and deleted again.
     */
    public boolean delete(String id) throws ShareException {
        RelativePath dir = directoryOf(id);
        if (share.kind(new RelativePath(List.of(DIRECTORY))) != Share.Kind.DIRECTORY) return false;
        boolean had = share.readMarker(dir) != null;
        share.forgetVolume(dir);
        return share.deleteTree(dir) || had;
    }

    /** The ids of the copies and records on the share (complete or not), at most {@code budget} entries read. */
    public java.util.Set<String> ids(long budget) throws ShareException {
        var out = new java.util.TreeSet<String>();
        if (share.kind(new RelativePath(List.of(DIRECTORY))) != Share.Kind.DIRECTORY) return out;
        share.list(List.of(DIRECTORY), budget, e -> {
            String name = e.name();
            if (!e.directory() && name.startsWith(Share.MARKER_PREFIX))
                name = name.substring(Share.MARKER_PREFIX.length());
            if (validId(name)) out.add(name);
            return true;
        });
        return out;
    }
}
