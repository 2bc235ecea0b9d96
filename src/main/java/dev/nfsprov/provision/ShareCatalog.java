package dev.nfsprov.provision;

import dev.nfsprov.provision.VolumeService.RejectedException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The shares one controller serves, the first being the default. A StorageClass picks one by name (parameter
 * {@code share}); a volume's share is found from its NFS server and path alone, so that reclaim, ownership and the
 * usage scan need nothing but the PersistentVolume.
 */
public final class ShareCatalog {

    /** StorageClass parameter: the name of the share a class's volumes are made on (default: the first). */
    public static final String PARAM_SHARE = "share";

    /** A share and the storage logic over it. */
    public record Entry(ShareMount mount, VolumeService volumes) {
        public String name() {
            return mount.name();
        }
    }

    private final List<Entry> entries;

    /**
     * Refuses duplicate names or mount paths, and shares that overlap (one export inside another on the same
     * server): a volume of one would then be a directory of the other, reclaimed or adopted twice.
     */
    public ShareCatalog(List<Entry> entries) {
        check(entries.stream().map(Entry::mount).toList());
        this.entries = List.copyOf(entries);
    }

    /** The same checks, before anything is opened. */
    public static void check(List<ShareMount> mounts) {
        if (mounts.isEmpty()) throw new IllegalArgumentException("no share");
        for (int i = 0; i < mounts.size(); i++) {
            for (int j = 0; j < i; j++) {
                ShareMount a = mounts.get(j), b = mounts.get(i);
                if (a.name().equals(b.name()))
                    throw new IllegalArgumentException("two shares are named \"" + a.name() + "\"");
                if (a.mountPath().equals(b.mountPath()))
                    throw new IllegalArgumentException("shares \"" + a.name() + "\" and \"" + b.name()
                            + "\" are both mounted at " + a.mountPath());
                if (overlap(a.location(), b.location())) {
                    throw new IllegalArgumentException("shares \"" + a.name() + "\" (" + a.where() + ") and \""
                            + b.name() + "\" (" + b.where() + ") overlap: one export holds the other's directories;"
                            + " give each share an export of its own");
                }
            }
        }
    }

    static boolean overlap(ShareLocation a, ShareLocation b) {
        if (!ShareLocation.sameServer(a.server(), b.server())) return false;
        return inside(a.exportPath(), b.exportPath()) || inside(b.exportPath(), a.exportPath());
    }

    private static boolean inside(String outer, String inner) {
        return inner.equals(outer) || outer.equals("/") || inner.startsWith(outer + "/");
    }

    public List<Entry> all() {
        return entries;
    }

    public Entry first() {
        return entries.getFirst();
    }

    public List<String> names() {
        return entries.stream().map(Entry::name).toList();
    }

    /** The share a class's volumes go to, or why the class cannot be served. */
    public Entry forClass(Map<String, String> classParameters) throws RejectedException {
        String name = classParameters == null ? null : classParameters.get(PARAM_SHARE);
        if (name == null || name.isBlank()) return first();
        for (Entry e : entries) if (e.name().equals(name.strip())) return e;
        throw new RejectedException("StorageClass parameter " + PARAM_SHARE + "=\"" + name
                + "\" names no share this controller serves (" + String.join(", ", names())
                + "); add it to the chart's shares list, or fix the class");
    }

    /** The share holding the directory behind a PV's nfs server and path, if any. */
    public Optional<Entry> forVolume(String nfsServer, String nfsPath) {
        for (Entry e : entries) {
            if (e.volumes().location().directoryOf(nfsServer, nfsPath).isPresent()) return Optional.of(e);
        }
        return Optional.empty();
    }

    /** Whether a PV's nfs source points into any of the shares, however its path is written. */
    public boolean holds(String nfsServer, String nfsPath) {
        return entries.stream().anyMatch(e -> e.volumes().location().holds(nfsServer, nfsPath));
    }

    /** Where the shares are, for messages: "default (10.1.1.1:/export), fast (...)". */
    public String describe() {
        List<String> out = new ArrayList<>();
        for (Entry e : entries) out.add(e.name() + " (" + e.mount().where() + ")");
        return String.join(", ", out);
    }
}
