package dev.nfsprov.share;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Copies a tree a tenant wrote into another directory, through descriptors only: every name is the kernel's bytes
 * (names that are not UTF-8 are copied as they are), nothing is ever followed (links are copied as links), every
 * write lands in a directory opened without following a link. Keeps modes, owners (where the share lets it) and
 * times; holes stay holes (SEEK_DATA/SEEK_HOLE) and hard links stay links, so the copy takes what the original takes.
 * Data moves with copy_file_range where the kernel can (a server-side copy over NFSv4.2), else read/write. Sockets,
 * fifos and devices are not copied (counted and named). Copying again over a partial copy finishes it. Memory and
 * open files are bounded: {@link #MAX_DEPTH} levels (deeper is an error, not a silent cut), remembered hard links
 * at most {@link #MAX_LINK_BYTES} of paths.
 */
final class TreeCopy {

    static final int MAX_DEPTH = 256;

    /** The tree is past a bound of the copy: the tree's doing, not the share's. */
    static final class TooLarge extends Dir.ErrnoException {
        TooLarge(String call, String name, int errno) {
            super(call, name, errno);
        }
    }

    static final int MAX_LINK_BYTES = 8 << 20;
    static final int MAX_LINKED = 100_000;
    static final int MAX_SKIPPED_NAMED = 100;
    private static final long CHUNK = 8 << 20;

    private record Frame(int src, int dst, Entries entries, byte[] name, Native.Stat stat) {}

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment state = arena.allocate(Native.CAPTURE);
    private final MemorySegment st = arena.allocate(Native.STAT_SIZE, 8);
    private final MemorySegment times = arena.allocate(32, 8);
    private final MemorySegment offIn = arena.allocate(8, 8), offOut = arena.allocate(8, 8);
    private final MemorySegment linkBuf = arena.allocate(4096);
    private final List<MemorySegment> buffers = new ArrayList<>();
    private MemorySegment data;

    private record Inode(long dev, long ino) {}

    /** A hard-linked file's first copy, by inode: its path below the target's top, as NUL-terminated names. */
    private final Map<Inode, byte[]> firstCopies = new HashMap<>();

    private long linkBytes;
    private long dirs, files, links, bytes, skipped;
    private final List<String> skippedNames = new ArrayList<>();
    private final boolean copying;

    private TreeCopy(boolean copying) {
        this.copying = copying;
    }

    /** Copies the contents of srcTop into dstTop (both open directories, the caller's to close); the source's count. */
    static TreeCount copy(int srcTop, int dstTop) throws Dir.ErrnoException {
        var c = new TreeCopy(true);
        try {
            return c.run(srcTop, dstTop);
        } finally {
            c.arena.close();
        }
    }

    /** Counts what is below an open directory, as copy counts it. */
    static TreeCount count(int top) throws Dir.ErrnoException {
        var c = new TreeCopy(false);
        try {
            return c.run(top, -1);
        } finally {
            c.arena.close();
        }
    }

    private TreeCount run(int srcTop, int dstTop) throws Dir.ErrnoException {
        var stack = new ArrayDeque<Frame>();
        try {
            stack.push(new Frame(srcTop, dstTop, entries(srcTop, 0), null, fstat(srcTop)));
            while (!stack.isEmpty()) {
                Frame f = stack.peek();
                if (!f.entries().next()) {
                    stack.pop();
                    if (copying) finishDirectory(f.dst(), f.stat());
                    if (f.src() != srcTop) Native.close(f.src());
                    if (f.dst() != dstTop && f.dst() >= 0) Native.close(f.dst());
                    continue;
                }
                MemorySegment name = f.entries().name();
                if (Native.stat(state, f.src(), name, st) != 0) {
                    if (Native.errno(state) == Native.ENOENT) continue; // gone since it was listed
                    throw error("stat", name);
                }
                var s = Native.Stat.of(st);
                if (s.isDirectory()) {
                    if (stack.size() > MAX_DEPTH)
                        throw new TooLarge(
                                "copy", Dir.printable(name) + " (deeper than " + MAX_DEPTH + " levels)", Native.ELOOP);
                    dirs++;
                    int src = open(f.src(), name, Native.OPEN_DIR);
                    int dst = copying ? targetDirectory(f.dst(), name) : -1;
                    stack.push(new Frame(src, dst, entries(src, stack.size()), bytes(name), s));
                } else if (s.isRegular()) {
                    files++;
                    bytes += s.size();
                    if (copying) {
                        copyFile(stack, f, name, s);
                        if (files == 2) dev.nfsprov.faults.Faults.point("mid-copy"); // a copy killed halfway
                        dev.nfsprov.faults.Faults.pause("slow-copy", 200); // a copy a test can act during
                    }
                } else if (s.isLink()) {
                    links++;
                    if (copying) copyLink(f, name, s);
                } else {
                    skipped++;
                    if (skippedNames.size() < MAX_SKIPPED_NAMED) skippedNames.add(path(stack, name));
                }
            }
            return new TreeCount(dirs, files, links, bytes, skipped, List.copyOf(skippedNames));
        } finally {
            for (Frame f : stack) {
                if (f.src() != srcTop) Native.close(f.src());
                if (f.dst() != dstTop && f.dst() >= 0) Native.close(f.dst());
            }
        }
    }

    /** The directory of that name in the target, made (0700 until its contents are in) or found; never a link. */
    private int targetDirectory(int dstParent, MemorySegment name) throws Dir.ErrnoException {
        if (call(Native.MKDIRAT, dstParent, name, 0700) != 0 && Native.errno(state) != Native.EEXIST)
            throw error("mkdir", name);
        int fd = Native.openat(state, dstParent, name, Native.OPEN_DIR, 0);
        if (fd >= 0) return fd;
        if (Native.errno(state) != Native.ELOOP && Native.errno(state) != Native.ENOTDIR) throw error("open", name);
        unlink(dstParent, name); // a file or link of that name from an earlier copy: a directory now
        if (call(Native.MKDIRAT, dstParent, name, 0700) != 0) throw error("mkdir", name);
        return open(dstParent, name, Native.OPEN_DIR);
    }

    private void copyFile(ArrayDeque<Frame> stack, Frame f, MemorySegment name, Native.Stat s)
            throws Dir.ErrnoException {
        if (s.nlink() > 1) {
            var key = new Inode(s.dev(), s.ino());
            byte[] first = firstCopies.get(key);
            if (first != null) {
                link(stack.getLast().dst(), first, f.dst(), name);
                return;
            }
            byte[] here = chain(stack, name);
            if (linkBytes + here.length > MAX_LINK_BYTES || firstCopies.size() >= MAX_LINKED)
                throw new TooLarge(
                        "copy",
                        "hard-linked files (more than " + MAX_LINKED + ", or " + MAX_LINK_BYTES
                                + " bytes of their paths, to remember)",
                        Native.ENOSPC);
            linkBytes += here.length;
            firstCopies.put(key, here);
        }
        int src = open(f.src(), name, Native.O_RDONLY | Native.O_NOFOLLOW | Native.O_CLOEXEC | Native.O_NONBLOCK);
        try {
            var opened = fstat(src);
            if (!opened.isRegular() || opened.ino() != s.ino()) { // swapped since it was looked at
                skipped++;
                return;
            }
            int flags = Native.O_WRONLY | Native.O_CREAT | Native.O_TRUNC | Native.O_NOFOLLOW | Native.O_CLOEXEC;
            int dst = Native.openat(state, f.dst(), name, flags, 0600);
            if (dst < 0) {
                if (Native.errno(state) != Native.ELOOP && Native.errno(state) != Native.EISDIR)
                    throw error("create", name);
                removeAny(f.dst(), name);
                dst = open(f.dst(), name, flags | Native.O_EXCL);
            }
            try {
                copyData(src, dst, opened, name);
                owner(dst, MemorySegment.NULL, opened, 0);
                chmod(dst, opened.mode() & 07777, name);
                times(dst, MemorySegment.NULL, opened, 0);
            } finally {
                Native.close(dst);
            }
        } finally {
            Native.close(src);
        }
    }

    /**
     * The data segments of src (holes skipped, so they stay holes), then the size. A file with as many blocks as
     * bytes has no hole: copied in one range, without the seeks and the truncate (most files; small ones cost a few
     * system calls each, and these were three of them).
     */
    private void copyData(int src, int dst, Native.Stat st, MemorySegment name) throws Dir.ErrnoException {
        long size = st.size();
        if (st.blocks() * 512 >= size) {
            if (copyRange(src, dst, 0, size, name) == size) return;
            if (ftruncate(dst, size) != 0) throw error("truncate", name); // it shrank while copied
            return;
        }
        long pos = 0;
        while (pos < size) {
            long start = lseek(src, pos, Native.SEEK_DATA);
            if (start < 0) {
                int e = Native.errno(state);
                if (e == 6 /* ENXIO: only a hole is left */) break;
                if (e == Native.EINVAL || e == Native.EOPNOTSUPP) start = pos; // no hole support: all data
                else throw error("seek", name);
            }
            long end = lseek(src, start, Native.SEEK_HOLE);
            if (end < 0) end = size;
            end = Math.min(end, size);
            copyRange(src, dst, start, end, name);
            pos = end;
        }
        if (ftruncate(dst, size) != 0) throw error("truncate", name);
    }

    /** Copies [from, to) of src to the same offsets of dst; returns where it stopped (before to if src shrank). */
    private long copyRange(int src, int dst, long from, long to, MemorySegment name) throws Dir.ErrnoException {
        long at = from;
        boolean fallback = false;
        while (at < to) {
            long n = Math.min(CHUNK, to - at);
            long done;
            if (!fallback) {
                offIn.set(ValueLayout.JAVA_LONG, 0, at);
                offOut.set(ValueLayout.JAVA_LONG, 0, at);
                try {
                    done = (long) Native.COPY_FILE_RANGE.invokeExact(state, src, offIn, dst, offOut, n, 0);
                } catch (Throwable t) {
                    throw new IllegalStateException(t);
                }
                if (done < 0) {
                    int e = Native.errno(state);
                    if (e == Native.EXDEV || e == Native.EINVAL || e == Native.ENOSYS || e == Native.EOPNOTSUPP) {
                        fallback = true; // across file systems, or a kernel or server without it
                        continue;
                    }
                    throw error("copy", name);
                }
            } else {
                done = readWrite(src, dst, at, n, name);
            }
            if (done == 0) break; // the file shrank while copied: what is there is copied
            at += done;
        }
        return at;
    }

    private long readWrite(int src, int dst, long at, long n, MemorySegment name) throws Dir.ErrnoException {
        if (data == null) data = arena.allocate(1 << 20, 8);
        long want = Math.min(n, data.byteSize());
        try {
            long r = (long) Native.PREAD.invokeExact(state, src, data, want, at);
            if (r < 0) throw error("read", name);
            long w = 0;
            while (w < r) {
                long k = (long) Native.PWRITE.invokeExact(state, dst, data.asSlice(w), r - w, at + w);
                if (k < 0) throw error("write", name);
                w += k;
            }
            return r;
        } catch (Dir.ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private void copyLink(Frame f, MemorySegment name, Native.Stat s) throws Dir.ErrnoException {
        long n;
        try {
            n = (long) Native.READLINKAT.invokeExact(state, f.src(), name, linkBuf, linkBuf.byteSize() - 1);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (n < 0) throw error("readlink", name);
        linkBuf.set(ValueLayout.JAVA_BYTE, n, (byte) 0);
        removeAny(f.dst(), name);
        try {
            if ((int) Native.SYMLINKAT.invokeExact(state, linkBuf, f.dst(), name) != 0) throw error("symlink", name);
        } catch (Dir.ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        owner(f.dst(), name, s, Native.AT_SYMLINK_NOFOLLOW);
        times(f.dst(), name, s, Native.AT_SYMLINK_NOFOLLOW);
    }

    /** A second name of a hard-linked file: linked to its first copy, found by its path from the target's top. */
    private void link(int dstTop, byte[] first, int dstDir, MemorySegment name) throws Dir.ErrnoException {
        int fd = dstTop;
        int start = 0;
        try (var names = Arena.ofConfined()) {
            MemorySegment leaf = null;
            for (int i = 0; i < first.length; i++) {
                if (first[i] != 0) continue;
                var part = names.allocate(i - start + 1);
                MemorySegment.copy(first, start, part, ValueLayout.JAVA_BYTE, 0, i - start + 1);
                start = i + 1;
                if (start == first.length) {
                    leaf = part;
                    break;
                }
                int next = open(fd, part, Native.OPEN_DIR);
                if (fd != dstTop) Native.close(fd);
                fd = next;
            }
            removeAny(dstDir, name);
            int rc;
            try {
                rc = (int) Native.LINKAT.invokeExact(state, fd, leaf, dstDir, name, 0);
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
            if (rc != 0) throw error("link", name);
        } finally {
            if (fd != dstTop) Native.close(fd);
        }
    }

    private void finishDirectory(int dst, Native.Stat s) throws Dir.ErrnoException {
        owner(dst, MemorySegment.NULL, s, 0);
        chmod(dst, s.mode() & 07777, MemorySegment.NULL);
        times(dst, MemorySegment.NULL, s, 0); // last: its contents' writes moved its times
    }

    /** fchown (or fchownat of a link); a share that refuses owners (root squash) keeps the copier's. */
    private void owner(int fd, MemorySegment name, Native.Stat s, int flags) throws Dir.ErrnoException {
        int rc;
        try {
            rc = name == MemorySegment.NULL
                    ? (int) Native.FCHOWN.invokeExact(state, fd, s.uid(), s.gid())
                    : (int) Native.FCHOWNAT.invokeExact(state, fd, name, s.uid(), s.gid(), flags);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (rc != 0 && Native.errno(state) != Native.EPERM && Native.errno(state) != Native.EINVAL)
            throw error("chown", name == MemorySegment.NULL ? arena.allocateFrom("") : name);
    }

    private void chmod(int fd, int mode, MemorySegment name) throws Dir.ErrnoException {
        try {
            if ((int) Native.FCHMOD.invokeExact(state, fd, mode) != 0)
                throw error("chmod", name == MemorySegment.NULL ? arena.allocateFrom("") : name);
        } catch (Dir.ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Access and modification times (utimensat; NULL name: the descriptor itself). */
    private void times(int fd, MemorySegment name, Native.Stat s, int flags) throws Dir.ErrnoException {
        times.set(ValueLayout.JAVA_LONG, 0, s.atimeSec());
        times.set(ValueLayout.JAVA_LONG, 8, s.atimeNsec());
        times.set(ValueLayout.JAVA_LONG, 16, s.mtimeSec());
        times.set(ValueLayout.JAVA_LONG, 24, s.mtimeNsec());
        try {
            int rc = name == MemorySegment.NULL
                    ? (int) Native.FUTIMENS.invokeExact(state, fd, times)
                    : (int) Native.UTIMENSAT.invokeExact(state, fd, name, times, flags);
            if (rc != 0) throw error("utimensat", name == MemorySegment.NULL ? arena.allocateFrom("") : name);
        } catch (Dir.ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Whatever has this name in the target (a file or link of an earlier copy): gone; a directory stays. */
    private void removeAny(int dir, MemorySegment name) throws Dir.ErrnoException {
        if (call(Native.UNLINKAT, dir, name, 0) != 0) {
            int e = Native.errno(state);
            if (e != Native.ENOENT && e != Native.EISDIR && e != Native.EPERM) throw error("unlink", name);
        }
    }

    private void unlink(int dir, MemorySegment name) throws Dir.ErrnoException {
        if (call(Native.UNLINKAT, dir, name, 0) != 0 && Native.errno(state) != Native.ENOENT)
            throw error("unlink", name);
    }

    private Entries entries(int fd, int depth) {
        while (buffers.size() <= depth) buffers.add(arena.allocate(Entries.BUFFER, 8));
        return new Entries(buffers.get(depth), state, fd);
    }

    private int open(int dir, MemorySegment name, int flags) throws Dir.ErrnoException {
        int fd = Native.openat(state, dir, name, flags, 0);
        if (fd < 0) throw error("open", name);
        return fd;
    }

    private Native.Stat fstat(int fd) throws Dir.ErrnoException {
        if (Native.fstat(state, fd, st) != 0) throw new Dir.ErrnoException("stat", "fd " + fd, Native.errno(state));
        return Native.Stat.of(st);
    }

    private int call(java.lang.invoke.MethodHandle h, int fd, MemorySegment name, int arg) {
        try {
            return (int) h.invokeExact(state, fd, name, arg);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private long lseek(int fd, long offset, int whence) {
        try {
            return (long) Native.LSEEK.invokeExact(state, fd, offset, whence);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private int ftruncate(int fd, long size) {
        try {
            return (int) Native.FTRUNCATE.invokeExact(state, fd, size);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private Dir.ErrnoException error(String call, MemorySegment name) {
        return new Dir.ErrnoException(call, Dir.printable(name), Native.errno(state));
    }

    private static byte[] bytes(MemorySegment name) {
        long n = 0;
        while (name.get(ValueLayout.JAVA_BYTE, n) != 0) n++;
        return name.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
    }

    /** The NUL-terminated names from the target's top to this entry. */
    private static byte[] chain(ArrayDeque<Frame> stack, MemorySegment name) {
        var out = new java.io.ByteArrayOutputStream();
        var it = stack.descendingIterator();
        while (it.hasNext()) {
            Frame f = it.next();
            if (f.name() == null) continue;
            out.writeBytes(f.name());
            out.write(0);
        }
        out.writeBytes(bytes(name));
        out.write(0);
        return out.toByteArray();
    }

    private static String path(ArrayDeque<Frame> stack, MemorySegment name) {
        var b = new StringBuilder();
        var it = stack.descendingIterator();
        while (it.hasNext()) {
            Frame f = it.next();
            if (f.name() != null)
                b.append(new String(f.name(), java.nio.charset.StandardCharsets.UTF_8))
                        .append('/');
        }
        return b.append(Dir.printable(name)).toString();
    }
}
