package dev.nfsprov.provision;

import dev.nfsprov.pathtemplate.InvalidPathException;
import dev.nfsprov.pathtemplate.RelativePath;
import java.util.Optional;

/**
 * Where the share lives for NFS clients (server and exported path) and how a volume directory maps to a
 * PersistentVolume's nfs.path and back. Going back is how reclaim finds a directory from the PV alone. aliases: other
 * names of the same server that older PVs carry (a PV's spec.nfs cannot change: nfs-subdir's made with "nas", nfsprov
 * configured with "10.0.0.5"); new PVs get {@code server}.
 */
public record ShareLocation(String server, String exportPath, java.util.List<String> aliases) {

    public ShareLocation(String server, String exportPath) {
        this(server, exportPath, java.util.List.of());
    }

    public ShareLocation {
        aliases = aliases == null ? java.util.List.of() : java.util.List.copyOf(aliases);
        if (server == null || server.isBlank()) throw new IllegalArgumentException("NFS server is empty");
        if (exportPath == null || !exportPath.startsWith("/")) {
            throw new IllegalArgumentException(
                    "NFS path \"" + exportPath + "\" must be absolute, such as /exported/path");
        }
        exportPath = exportPath.length() > 1 && exportPath.endsWith("/")
                ? exportPath.substring(0, exportPath.length() - 1)
                : exportPath;
    }

    /** Whether a PV's server is this share's server, by its name or an alias. */
    public boolean named(String pvServer) {
        if (sameServer(server, pvServer)) return true;
        for (String a : aliases) if (sameServer(a, pvServer)) return true;
        return false;
    }

    public static boolean sameServer(String a, String b) {
        return a != null && b != null && host(a).equals(host(b));
    }

    /** The same directory: paths equal but for repeated or trailing slashes. */
    public static boolean samePath(String a, String b) {
        return a != null && b != null && normal(a).equals(normal(b));
    }

    /** Whether {@code inner} is a directory strictly below {@code outer} (written any way a client accepts). */
    public static boolean inside(String inner, String outer) {
        if (inner == null || outer == null) return false;
        String o = normal(outer);
        return normal(inner).startsWith(o.equals("/") ? "/" : o + "/") && !samePath(inner, outer);
    }

    private static String normal(String path) {
        String p = path.replaceAll("/+", "/");
        return p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
    }

    /** A server name as DNS and IP compare it: case-insensitive, without a trailing dot or IPv6 brackets. */
    static String host(String server) {
        String h = server.strip().toLowerCase(java.util.Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) h = h.substring(1, h.length() - 1);
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }

    /**
     * Whether a PV's nfs server and path point into this share, written any way a client accepts (a trailing or
     * doubled slash, the export itself): such a volume can hold one of our directories even where
     * {@link #directoryOf} cannot name it.
     */
    public boolean holds(String pvServer, String pvPath) {
        if (!named(pvServer) || pvPath == null) return false;
        String p = normal(pvPath);
        return p.equals(exportPath) || exportPath.equals("/") || p.startsWith(exportPath + "/");
    }

    public String nfsPath(RelativePath directory) {
        return (exportPath.equals("/") ? "" : exportPath) + "/" + directory;
    }

    /** The directory behind a PV's nfs server and path, or empty if that PV is not on this share. */
    public Optional<RelativePath> directoryOf(String pvServer, String pvPath) {
        if (pvServer == null || !named(pvServer) || pvPath == null) return Optional.empty();
        String prefix = exportPath.equals("/") ? "/" : exportPath + "/";
        if (!pvPath.startsWith(prefix) || pvPath.length() == prefix.length()) return Optional.empty();
        try {
            return Optional.of(RelativePath.of(pvPath.substring(prefix.length())));
        } catch (InvalidPathException notADirectoryWeMade) {
            return Optional.empty();
        }
    }
}
