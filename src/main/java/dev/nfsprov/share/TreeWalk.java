package dev.nfsprov.share;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Measures a directory tree a tenant controls: bytes allocated (st_blocks, as du) and entries, through descriptors
 * only (openat with O_NOFOLLOW, getdents64, fstatat with AT_SYMLINK_NOFOLLOW), so a link or a swap is never
 * followed out of the volume. Memory stays bounded whatever the tree: at most {@link #MAX_OPEN} directories open,
 * each with an 8 KiB entry buffer (glibc's readdir would take up to 1 MiB each on NFS, whose block size is large);
 * deeper subtrees are walked later from a bounded list of paths, and what does not fit is reported as partial.
 */
final class TreeWalk {

    static final int MAX_OPEN = 32;
    static final int MAX_PENDING = 1024;
    /** Inodes with several links counted once (as du), remembered up to this many. */
    static final int MAX_LINKED = 100_000;

    private static final int BUFFER = 8192;
    private static final long SYS_GETDENTS64 = Dir.AARCH64 ? 61 : 217;
    private static final int AT_SYMLINK_NOFOLLOW = 0x100;
    private static final int S_IFMT = 0170000, S_IFDIR = 0040000;
    // struct stat: the same offsets for st_ino, st_size and st_blocks on x86_64 and aarch64; st_mode and st_nlink
    // differ.
    private static final long ST_INO = 8, ST_BLOCKS = 64, ST_MODE = Dir.AARCH64 ? 16 : 24;
    private static final long ST_NLINK = Dir.AARCH64 ? 20 : 16;
    private static final int STAT_SIZE = 256;

    /** syscall(2) is variadic: every argument a long (or pointer), passed as C varargs. */
    private static final MethodHandle SYSCALL = Dir.LINKER.downcallHandle(
            Dir.LINKER.defaultLookup().find("syscall").orElseThrow(),
            FunctionDescriptor.of(
                    ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_LONG,
                    ValueLayout.ADDRESS,
                    ValueLayout.JAVA_LONG),
            java.lang.foreign.Linker.Option.captureCallState("errno"),
            java.lang.foreign.Linker.Option.firstVariadicArg(1));

    private static final MethodHandle FSTATAT = fstatat();

    private static MethodHandle fstatat() {
        var fd = FunctionDescriptor.of(
                ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS,
                ValueLayout.ADDRESS,
                ValueLayout.JAVA_INT);
        try {
            return Dir.call("fstatat", fd);
        } catch (java.util.NoSuchElementException olderGlibc) {
            return Dir.call("fstatat64", fd);
        }
    }

    private record Level(int fd, MemorySegment buffer, String name) {}

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment state = arena.allocate(Dir.CAPTURE);
    private final MemorySegment stat = arena.allocate(STAT_SIZE, 8);
    private final List<MemorySegment> buffers = new ArrayList<>();
    private final Set<Long> linked = new HashSet<>();
    private final ArrayDeque<List<String>> pending = new ArrayDeque<>();
    private long bytes;
    private long entries;
    private boolean partial;

    /** Walks below an open directory (the caller's to close) and returns what is there, itself included. */
    static Usage measure(int topFd, Throttle throttle) throws InterruptedException {
        var walk = new TreeWalk();
        try {
            return walk.run(topFd, throttle);
        } finally {
            walk.arena.close();
        }
    }

    private Usage run(int topFd, Throttle throttle) throws InterruptedException {
        if (statAt(topFd, ".")) bytes += stat.get(ValueLayout.JAVA_LONG, ST_BLOCKS) * 512;
        walkFrom(topFd, List.of(), throttle);
        while (!pending.isEmpty()) {
            List<String> chain = pending.poll();
            int fd = openChain(topFd, chain);
            if (fd < 0) continue; // gone, or swapped for a link since: not ours to follow
            try {
                walkFrom(fd, chain, throttle);
            } finally {
                Dir.close(fd);
            }
        }
        return new Usage(bytes, entries, partial);
    }

    /** Depth-first below dirFd; directories deeper than MAX_OPEN levels are left for later, by path. */
    private void walkFrom(int dirFd, List<String> chain, Throttle throttle) throws InterruptedException {
        var stack = new ArrayDeque<Level>();
        var cursor = new ArrayDeque<int[]>(); // position and length in each level's buffer
        stack.push(new Level(dirFd, buffer(0), null));
        cursor.push(new int[] {0, 0});
        try {
            while (!stack.isEmpty()) {
                Level level = stack.peek();
                int[] at = cursor.peek();
                if (at[0] >= at[1]) {
                    long n = getdents(level.fd(), level.buffer());
                    if (n <= 0) {
                        if (n < 0) partial = true;
                        stack.pop();
                        cursor.pop();
                        if (level.fd() != dirFd) Dir.close(level.fd());
                        continue;
                    }
                    at[0] = 0;
                    at[1] = (int) n;
                }
                MemorySegment buf = level.buffer();
                int reclen = Short.toUnsignedInt(buf.get(ValueLayout.JAVA_SHORT_UNALIGNED, at[0] + 16L));
                // The entry's NUL-terminated name, where getdents64 put it: passed to fstatat and openat as is,
                // with no copy and no String (a million files are a million names).
                MemorySegment name = buf.asSlice(at[0] + 19L);
                at[0] += reclen;
                if (dotOrDotDot(name)) continue;
                throttle.entries(1);
                if (!statAt(level.fd(), name)) continue; // gone since it was listed
                entries++;
                long blocks = stat.get(ValueLayout.JAVA_LONG, ST_BLOCKS);
                int mode = stat.get(ValueLayout.JAVA_INT, ST_MODE);
                long nlink = Dir.AARCH64
                        ? Integer.toUnsignedLong(stat.get(ValueLayout.JAVA_INT, ST_NLINK))
                        : stat.get(ValueLayout.JAVA_LONG, ST_NLINK);
                boolean dir = (mode & S_IFMT) == S_IFDIR;
                if (!dir && nlink > 1) {
                    long ino = stat.get(ValueLayout.JAVA_LONG, ST_INO);
                    if (linked.contains(ino)) continue; // another name of a file already counted
                    if (linked.size() < MAX_LINKED) linked.add(ino);
                }
                bytes += blocks * 512;
                if (!dir) continue;
                if (stack.size() >= MAX_OPEN) {
                    if (pending.size() < MAX_PENDING) pending.add(path(chain, stack, name.getString(0)));
                    else partial = true;
                    continue;
                }
                int child = openDir(level.fd(), name);
                if (child < 0) continue;
                stack.push(new Level(child, buffer(stack.size()), name.getString(0)));
                cursor.push(new int[] {0, 0});
            }
        } finally {
            for (Level l : stack) if (l.fd() != dirFd) Dir.close(l.fd());
        }
    }

    private static List<String> path(List<String> chain, ArrayDeque<Level> stack, String name) {
        var names = new ArrayList<>(chain);
        var it = stack.descendingIterator();
        while (it.hasNext()) {
            Level l = it.next();
            if (l.name() != null) names.add(l.name());
        }
        names.add(name);
        return names;
    }

    private MemorySegment buffer(int depth) {
        while (buffers.size() <= depth) buffers.add(arena.allocate(BUFFER, 8));
        return buffers.get(depth);
    }

    private long getdents(int fd, MemorySegment buffer) {
        try {
            return (long) SYSCALL.invokeExact(state, SYS_GETDENTS64, (long) fd, buffer, (long) BUFFER);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static boolean dotOrDotDot(MemorySegment name) {
        byte b0 = name.get(ValueLayout.JAVA_BYTE, 0);
        if (b0 != '.') return false;
        byte b1 = name.get(ValueLayout.JAVA_BYTE, 1);
        return b1 == 0 || (b1 == '.' && name.get(ValueLayout.JAVA_BYTE, 2) == 0);
    }

    private boolean statAt(int fd, String name) {
        return statAt(fd, arena.allocateFrom(name));
    }

    private boolean statAt(int fd, MemorySegment name) {
        try {
            int rc = (int) FSTATAT.invokeExact(state, fd, name, stat, AT_SYMLINK_NOFOLLOW);
            if (rc != 0 && Dir.errno(state) != Dir.ENOENT) partial = true;
            return rc == 0;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private int openDir(int fd, String name) {
        try (var a = Arena.ofConfined()) {
            return openDir(fd, a.allocateFrom(name));
        }
    }

    /** A child directory without following a link; -1 if it is gone, or is a link or a file now. */
    private int openDir(int fd, MemorySegment name) {
        try {
            int child = (int) Dir.OPENAT.invokeExact(
                    state, fd, name, Dir.O_RDONLY | Dir.O_DIRECTORY | Dir.O_NOFOLLOW | Dir.O_CLOEXEC, 0);
            if (child < 0) {
                int e = Dir.errno(state);
                if (e != Dir.ENOENT && e != Dir.ELOOP && e != Dir.ENOTDIR) partial = true;
            }
            return child;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private int openChain(int topFd, List<String> chain) {
        int fd = topFd;
        for (String name : chain) {
            int next = openDir(fd, name);
            if (fd != topFd) Dir.close(fd);
            if (next < 0) return -1;
            fd = next;
        }
        return fd;
    }
}
