package dev.nfsprov.testenv;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.TreeMap;

/** Trees on the share compared file by file: what a copy must keep. */
public final class Trees {
    private Trees() {}

    /** Every entry below dir (never following a link): type, mode, owner, times, size, content or target. */
    public static Map<String, String> describe(Path dir) throws IOException {
        var out = new TreeMap<String, String>();
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) throws IOException {
                if (!d.equals(dir)) out.put(dir.relativize(d).toString(), "dir " + attrs(d));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                String what = a.isSymbolicLink()
                        ? "link -> " + Files.readSymbolicLink(f)
                        : a.isRegularFile()
                                ? "file " + attrs(f) + " mtime " + a.lastModifiedTime() + " sha "
                                        + java.util.HexFormat.of().formatHex(sha256(Files.readAllBytes(f)))
                                : "other";
                out.put(dir.relativize(f).toString(), what);
                return FileVisitResult.CONTINUE;
            }
        });
        return out;
    }

    private static String attrs(Path p) throws IOException {
        var a = Files.readAttributes(p, "unix:mode,uid,gid", LinkOption.NOFOLLOW_LINKS);
        return Integer.toOctalString((Integer) a.get("mode") & 07777) + " " + a.get("uid") + ":" + a.get("gid");
    }

    private static byte[] sha256(byte[] b) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(b);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
