package dev.nfsprov.migrate;

import dev.nfsprov.pathtemplate.RelativePath;
import dev.nfsprov.share.Share;
import dev.nfsprov.share.ShareException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The directories nfs-subdir v4.0.2 left behind under a nested pathPattern: it looked for {@code <mount>/<last
 * segment>} when a claim went, never found it, and kept the whole directory whatever archiveOnDelete said. On the
 * share they are the directories at the pattern's depth that are no volume's and hold none. Read through the
 * share's handles, streamed, within a budget of entries: a share of millions of names gives a lower bound.
 */
public final class Leftovers {
    private Leftovers() {}

    /** partial: the budget ran out, so there are at least this many. */
    public record Count(long directories, boolean partial) {}

    /** volumes: the directory of every PersistentVolume on the share, whoever made it. */
    public static Count count(Share share, int depth, Set<RelativePath> volumes, long budget) throws ShareException {
        var prefixes = new java.util.HashSet<List<String>>();
        for (RelativePath v : volumes)
            for (int i = 1; i <= v.segments().size(); i++)
                prefixes.add(v.segments().subList(0, i));
        List<List<String>> level = List.of(List.of());
        long left = budget;
        long found = 0;
        for (int d = 1; d <= depth && !level.isEmpty(); d++) {
            List<List<String>> next = new ArrayList<>();
            boolean last = d == depth;
            for (List<String> parent : level) {
                if (left <= 0) return new Count(found, true);
                long[] leaves = {0};
                left -= share.list(parent, left, e -> {
                    if (!e.directory() || e.name().startsWith(".") || e.name().startsWith("archived-")) return true;
                    var path = new ArrayList<>(parent);
                    path.add(e.name());
                    if (last) {
                        if (!prefixes.contains(path)) leaves[0]++;
                    } else if (!volumes.contains(new RelativePath(path))) next.add(path);
                    return true;
                });
                found += leaves[0];
            }
            level = next;
        }
        return new Count(found, left <= 0);
    }
}
