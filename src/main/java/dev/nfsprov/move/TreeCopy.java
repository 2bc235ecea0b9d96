package dev.nfsprov.move;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/**
 * Copies a volume's tree into another directory, never following a link (links are copied as links), keeping
 * modes, owners and modification times; then counts both sides. Copying again over a partial copy (an interrupted
 * run) finishes it. Hard links become separate files, sparse files are written out, and sockets, pipes and device
 * nodes are not copied (they are counted and named).
 */
public final class TreeCopy {

    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    /** What a tree holds: directories (its root not counted), regular files, links, their bytes, what was left. */
    public record Count(long directories, long files, long links, long bytes, List<String> skipped) {
        public String describe() {
            return files + " files, " + directories + " directories, " + links + " links, " + bytes + " bytes";
        }

        /** Same as another count, but for what was not copied. */
        public boolean sameAs(Count other) {
            return directories == other.directories
                    && files == other.files
                    && links == other.links
                    && bytes == other.bytes;
        }
    }

    private TreeCopy() {}

    /** Copies {@code from}'s contents into {@code to} (which exists); returns the source's count. */
    public static Count copy(Path from, Path to) throws IOException {
        var skipped = new ArrayList<String>();
        long[] n = new long[4];
        Files.walkFileTree(
                from,
                EnumSet.noneOf(java.nio.file.FileVisitOption.class),
                Integer.MAX_VALUE,
                new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                        Path target = to.resolve(from.relativize(dir).toString());
                        if (!dir.equals(from)) {
                            if (Files.isSymbolicLink(target)) Files.delete(target); // never write through a link
                            if (!Files.isDirectory(target, NOFOLLOW)) Files.createDirectory(target);
                            n[0]++;
                        }
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                        Path target = to.resolve(from.relativize(file).toString());
                        if (attrs.isSymbolicLink()) {
                            Files.deleteIfExists(target);
                            Files.createSymbolicLink(target, Files.readSymbolicLink(file));
                            owner(file, target);
                            n[2]++;
                        } else if (attrs.isRegularFile()) {
                            if (Files.isSymbolicLink(target)) Files.delete(target);
                            Files.copy(
                                    file,
                                    target,
                                    StandardCopyOption.REPLACE_EXISTING,
                                    StandardCopyOption.COPY_ATTRIBUTES,
                                    NOFOLLOW);
                            owner(file, target);
                            Files.setAttribute(
                                    target, "unix:mode", Files.getAttribute(file, "unix:mode", NOFOLLOW), NOFOLLOW);
                            n[1]++;
                            n[3] += attrs.size();
                        } else {
                            skipped.add(from.relativize(file).toString());
                        }
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                        if (e != null) throw e;
                        Path target = to.resolve(from.relativize(dir).toString());
                        owner(dir, target); // after its contents, so that their writes do not move its times
                        Files.setAttribute(
                                target, "unix:mode", Files.getAttribute(dir, "unix:mode", NOFOLLOW), NOFOLLOW);
                        Files.setLastModifiedTime(target, Files.getLastModifiedTime(dir, NOFOLLOW));
                        return FileVisitResult.CONTINUE;
                    }
                });
        return new Count(n[0], n[1], n[2], n[3], List.copyOf(skipped));
    }

    /** Owner and group as the source's; a share that refuses owners (root squash) keeps the copier's. */
    private static void owner(Path source, Path target) throws IOException {
        Object uid = Files.getAttribute(source, "unix:uid", NOFOLLOW);
        Object gid = Files.getAttribute(source, "unix:gid", NOFOLLOW);
        try {
            if (!uid.equals(Files.getAttribute(target, "unix:uid", NOFOLLOW)))
                Files.setAttribute(target, "unix:uid", uid, NOFOLLOW);
            if (!gid.equals(Files.getAttribute(target, "unix:gid", NOFOLLOW)))
                Files.setAttribute(target, "unix:gid", gid, NOFOLLOW);
        } catch (java.nio.file.FileSystemException refused) {
            // EPERM: the copy keeps its data and modes; the move's output says owners may differ
        }
    }

    /** Counts a tree without following links. */
    public static Count count(Path root) throws IOException {
        var skipped = new ArrayList<String>();
        long[] n = new long[4];
        Files.walkFileTree(
                root,
                EnumSet.noneOf(java.nio.file.FileVisitOption.class),
                Integer.MAX_VALUE,
                new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                        if (!dir.equals(root)) n[0]++;
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                        if (attrs.isSymbolicLink()) n[2]++;
                        else if (attrs.isRegularFile()) {
                            n[1]++;
                            n[3] += attrs.size();
                        } else skipped.add(root.relativize(file).toString());
                        return FileVisitResult.CONTINUE;
                    }
                });
        return new Count(n[0], n[1], n[2], n[3], List.copyOf(skipped));
    }
}
