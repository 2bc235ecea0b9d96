package dev.nfsprov.reclaim;

import dev.nfsprov.pathtemplate.RelativePath;
import dev.nfsprov.share.Share;
import dev.nfsprov.share.ShareException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Finds the archives on a share: directories named archived-* beside volumes, with the record written when each
 * was made (null for archives older than records, or made by nfs-subdir). Entries are streamed, never listed into
 * memory, and the search is bounded: no deeper than the share's path patterns put volumes (archives sit beside
 * them; below that is a volume's or an archive's tree, which a tenant wrote), never into a volume in use, a
 * directory nfsprov marked as a volume, or an archive, and at most a budget of entries per search. What the bounds
 * leave out is said (partial): retention then decides on what was found, which can only keep more.
 */
public final class Archives {
    private Archives() {}

    public record Archive(RelativePath path, ArchiveRecord record) {}

    /** The archives found, and whether the bounds left some of the share unread. */
    public record Found(List<Archive> archives, boolean partial) {}

    /** Directories waiting to be read, and archives found, kept at once (a leftover tree must not fill memory). */
    static final int MAX_QUEUED = 10_000;

    static final int MAX_FOUND = 100_000;

    /**
     * volumes: the share-relative directories of existing PersistentVolumes, never looked into. depth: the levels
     * volumes are made at (1 for nfs-subdir's default pattern: only the share's root is read). budget: entries read.
     */
    public static Found find(Share share, Set<RelativePath> volumes, int depth, long budget) throws ShareException {
        List<Archive> found = new ArrayList<>();
        var queue = new ArrayDeque<List<String>>();
        queue.add(List.of());
        long[] left = {budget};
        boolean[] partial = {false};
        while (!queue.isEmpty()) {
            if (left[0] <= 0) {
                partial[0] = true;
                break;
            }
            List<String> parent = queue.poll();
            var subdirectories = new ArrayList<String>();
            try {
                left[0] -= share.list(parent, left[0], e -> {
                    if (!e.directory() || e.name().startsWith(".")) return true; // links are never followed
                    if (e.name().startsWith(Reclaimer.ARCHIVE_PREFIX)) {
                        if (found.size() >= MAX_FOUND) {
                            partial[0] = true;
                            return false;
                        }
                        var path = child(parent, e.name());
                        if (path != null) found.add(new Archive(path, null));
                    } else if (parent.size() + 1 < depth) {
                        if (queue.size() + subdirectories.size() >= MAX_QUEUED) partial[0] = true;
                        else subdirectories.add(e.name());
                    }
                    return true;
                });
            } catch (ShareException e) {
                if (parent.isEmpty()) throw e;
                partial[0] = true; // gone, or not ours to read
                continue;
            }
            for (String name : subdirectories) {
                RelativePath rel = child(parent, name);
                if (rel != null && !volumes.contains(rel) && share.readMarker(rel) == null) queue.add(rel.segments());
            }
        }
        List<Archive> recorded = new ArrayList<>(found.size());
        for (Archive a : found) recorded.add(new Archive(a.path(), ArchiveRecord.parse(share.readMarker(a.path()))));
        recorded.sort(java.util.Comparator.comparing(a -> a.path().toString()));
        return new Found(recorded, partial[0]);
    }

    /** The path of an entry; null for a name no volume can have (control characters, say): not nfsprov's. */
    private static RelativePath child(List<String> parent, String name) {
        var segments = new ArrayList<>(parent);
        segments.add(name);
        try {
            return new RelativePath(segments);
        } catch (dev.nfsprov.pathtemplate.InvalidPathException e) {
            return null;
        }
    }
}
