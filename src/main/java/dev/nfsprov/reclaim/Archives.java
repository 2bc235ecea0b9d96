package dev.nfsprov.reclaim;

import dev.nfsprov.pathtemplate.RelativePath;
import dev.nfsprov.share.Share;
import dev.nfsprov.share.ShareException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * Finds the archives on a share: directories named archived-* beside volumes, with the record written when each
 * was made (null for archives older than records, or made by nfs-subdir). The search never enters a volume in use,
 * a directory nfsprov made for a volume, or an archive, and goes no deeper than the deepest pathPattern needs.
 */
public final class Archives {
    private Archives() {}

    public record Archive(RelativePath path, ArchiveRecord record) {}

    /** volumes: the share-relative directories of existing PersistentVolumes, never looked into. */
    public static List<Archive> find(Share share, Set<RelativePath> volumes, int depth) throws ShareException {
        List<Archive> found = new ArrayList<>();
        var queue = new ArrayDeque<List<String>>();
        queue.add(List.of());
        while (!queue.isEmpty()) {
            List<String> parent = queue.poll();
            Path dir = share.root().resolve(String.join("/", parent));
            List<String> names = new ArrayList<>();
            try (var entries = Files.newDirectoryStream(dir)) {
                for (Path e : entries) names.add(e.getFileName().toString());
            } catch (IOException e) {
                if (parent.isEmpty()) throw new ShareException("cannot list the share: " + ShareException.describe(e));
                continue; // gone, or not ours to read
            }
            names.sort(Comparator.naturalOrder());
            for (String name : names) {
                if (name.startsWith(".")) continue;
                Path p = dir.resolve(name);
                if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) continue; // links are never followed
                var segments = new ArrayList<>(parent);
                segments.add(name);
                RelativePath rel = new RelativePath(segments);
                if (name.startsWith(Reclaimer.ARCHIVE_PREFIX)) {
                    found.add(new Archive(rel, ArchiveRecord.parse(share.readMarker(rel))));
                } else if (!volumes.contains(rel) && share.readMarker(rel) == null && segments.size() < depth) {
                    queue.add(segments);
                }
            }
        }
        return found;
    }
}
