package dev.nfsprov.controller;

import dev.nfsprov.logging.Fields;
import dev.nfsprov.pathtemplate.RelativePath;
import dev.nfsprov.provision.ShareCatalog;
import dev.nfsprov.provision.VolumeService;
import dev.nfsprov.reclaim.Archives;
import dev.nfsprov.reclaim.Retention;
import dev.nfsprov.share.ShareException;
import dev.nfsprov.share.Throttle;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The leader's pass over one share's archives: deletes those their class no longer keeps (archiveRetention,
 * archiveMaxBytes), oldest first, each with a log line and a metric, and totals what is left. An archive is
 * measured once: nothing writes into it (no volume names it), so its size is kept until it goes.
 */
final class ArchivePass {

    /** What a share's archives hold after the pass. */
    record Kept(int count, long bytes, Instant oldest) {}

    /** How deep archives are looked for where a class lets values nest (nestedValues): namespace/claim/volume. */
    static final int NESTED_DEPTH = 4;

    /** Entries of a share read per pass looking for archives (a leftover directory of millions costs no more). */
    static final long ENTRIES_PER_PASS = 200_000;

    private static final Logger LOG = Logger.getLogger(ArchivePass.class.getName());

    private final Wiring w;
    private final UsageMetrics metrics;
    private final Rejections said = new Rejections();
    /** Bytes of each archive, by share, path and when it was archived (a new archive of the same name differs). */
    private final Map<String, Long> sizes = new HashMap<>();

    ArchivePass(Wiring w, UsageMetrics metrics) {
        this.w = w;
        this.metrics = metrics;
    }

    Kept pass(ShareCatalog.Entry share, Throttle throttle) throws ShareException, InterruptedException {
        var search = Archives.find(
                share.volumes().share(),
                w.provisioned().directories(share.volumes().location()),
                depth(share),
                ENTRIES_PER_PASS);
        var found = search.archives();
        if (search.partial() && said.isNew("partial/" + share.name(), "partial"))
            LOG.warning("share " + share.name() + ": archives looked for in part (more than " + ENTRIES_PER_PASS
                    + " entries, or a directory that could not be read); retention decides on those found");
        Map<RelativePath, Long> bytes = new HashMap<>();
        for (var a : found) bytes.put(a.path(), size(share, a, throttle));
        var deleted = new HashSet<RelativePath>();
        for (var c : w.storageClasses().list()) {
            if (!w.provisionerName().equals(c.getProvisioner()) || c.getParameters() == null) continue;
            if (!c.getParameters().containsKey(Retention.PARAM_RETENTION)
                    && !c.getParameters().containsKey(Retention.PARAM_MAX_BYTES)) continue;
            String name = c.getMetadata().getName();
            List<Retention.Held> held = new ArrayList<>();
            for (var a : found) // only archives whose record names the class: others are the administrator's
            if (a.record() != null && name.equals(a.record().storageClass()))
                    held.add(new Retention.Held(a, bytes.get(a.path())));
            List<Retention.Expired> expired;
            try {
                expired = Retention.expired(held, c.getParameters(), Instant.now());
            } catch (IllegalArgumentException e) {
                if (said.isNew("retention/" + name, e.getMessage()))
                    LOG.warning("archives of StorageClass " + name + " kept: " + e.getMessage());
                continue;
            }
            for (var e : expired) {
                share.volumes().deleteArchive(e.archive().path());
                deleted.add(e.archive().path());
                metrics.archiveDeleted(name);
                Fields.of("archive", e.archive().path().toString(), "storageClass", name, "reason", e.reason())
                        .log(LOG, Level.INFO, "archive deleted");
            }
        }
        var kept = found.stream().filter(a -> !deleted.contains(a.path())).toList();
        var keptKeys = new HashSet<String>(); // sizes of archives gone since are forgotten
        kept.forEach(a -> keptKeys.add(key(share, a)));
        sizes.keySet().removeIf(k -> k.startsWith(share.name() + "/") && !keptKeys.contains(k));
        long total = kept.stream().mapToLong(a -> bytes.get(a.path())).sum();
        Instant oldest = kept.stream()
                .map(a -> a.record() == null ? null : a.record().archived())
                .filter(Objects::nonNull)
                .min(Instant::compareTo)
                .orElse(null);
        metrics.archives(share.mount().where(), kept.size(), total);
        return new Kept(kept.size(), total, oldest);
    }

    /**
     * The levels this share's classes make volumes at (archives sit beside them): only those directories are read,
     * so nothing a tenant wrote below a volume is. nfs-subdir's default pattern: the share's root alone.
     */
    private int depth(ShareCatalog.Entry share) {
        int depth = 1;
        for (var c : w.storageClasses().list()) {
            if (!w.provisionerName().equals(c.getProvisioner())) continue;
            try {
                if (w.shares().forClass(c.getParameters()) != share) continue;
                int levels = share.volumes().template(c.getParameters()).levels();
                boolean nested = VolumeService.nestedValues(c.getParameters());
                depth = Math.max(depth, nested ? Math.max(levels, NESTED_DEPTH) : levels);
            } catch (VolumeService.RejectedException e) {
                // a class nfsprov refuses makes no volumes
            }
        }
        return depth;
    }

    private long size(ShareCatalog.Entry share, Archives.Archive a, Throttle throttle)
            throws ShareException, InterruptedException {
        String key = key(share, a);
        Long known = sizes.get(key);
        if (known != null) return known;
        long b = share.volumes().share().usage(a.path(), throttle).bytes();
        sizes.put(key, b);
        return b;
    }

    private static String key(ShareCatalog.Entry share, Archives.Archive a) {
        return share.name() + "/" + a.path() + "@"
                + (a.record() == null ? "" : a.record().archived());
    }
}
