package dev.nfsprov.share;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Measures a directory tree a tenant controls: bytes allocated (st_blocks, as du) and entries, through descriptors
 * only (openat with O_NOFOLLOW, getdents64, fstatat with AT_SYMLINK_NOFOLLOW), so a link or a swap is never
 * followed out of the volume. Names stay the kernel's bytes. Memory and time are bounded whatever the tree: at most
 * {@link #MAX_OPEN} directories open, each with an 8 KiB entry buffer; deeper subtrees are walked later from chains
 * of names kept in at most {@link #MAX_PENDING_BYTES}; nothing below {@link #MAX_DEPTH} levels; at most a budget of
 * operations (entries read plus directories re-opened) per tree. What is left out makes the figure partial.
 */
final class TreeWalk {

    static final int MAX_OPEN = 32;
    /** Levels below the top that are measured; a deeper directory counts, its contents do not. */
    static final int MAX_DEPTH = 1024;
    /** Chains of names kept for subtrees deeper than the open handles: a deep chain's copy per deferred subtree. */
    static final int MAX_PENDING_BYTES = 256 * 1024;
    /** Inodes with several links counted once (as du), remembered up to this many (8 bytes each). */
    static final int MAX_LINKED = 100_000;
    /** Operations per tree when the caller gives no budget: entries read plus directories re-opened. */
    static final long DEFAULT_BUDGET = 1_000_000;

    private record Level(int fd, Entries entries, byte[] name) {}

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment state = arena.allocate(Native.CAPTURE);
    private final MemorySegment stat = arena.allocate(Native.STAT_SIZE, 8);
    private final List<MemorySegment> buffers = new ArrayList<>();
    private final LongSet linked = new LongSet(MAX_LINKED);
    /** Chains of names (each NUL-terminated) from the top to a subtree left for later. */
    private final ArrayDeque<byte[]> pending = new ArrayDeque<>();

    private final Throttle throttle;
    private final long budget;
    private long pendingBytes;
    private long operations;
    private long bytes;
    private long entries;
    private boolean partial;

    private TreeWalk(Throttle throttle, long budget) {
        this.throttle = throttle;
        this.budget = budget;
    }

    /** Walks below an open directory (the caller's to close) and returns what is there, itself included. */
    static Usage measure(int topFd, Throttle throttle) throws InterruptedException {
        return measure(topFd, throttle, DEFAULT_BUDGET);
    }

    /** The same with a budget of operations, beyond which the walk stops and says partial. */
    static Usage measure(int topFd, Throttle throttle, long budget) throws InterruptedException {
        var walk = new TreeWalk(throttle, budget);
        try {
            return walk.run(topFd);
        } finally {
            walk.arena.close();
        }
    }

    private Usage run(int topFd) throws InterruptedException {
        if (statAt(topFd, arena.allocateFrom("."))) bytes += Native.blocks(stat) * 512;
        walkFrom(topFd, new byte[0], 0);
        while (!pending.isEmpty() && !exhausted()) {
            byte[] chain = pending.poll();
            pendingBytes -= chain.length;
            int depth = depth(chain);
            int fd = openChain(topFd, chain);
            if (fd < 0) continue; // gone, or swapped for a link since: not ours to follow
            try {
                walkFrom(fd, chain, depth);
            } finally {
                Native.close(fd);
            }
        }
        if (!pending.isEmpty()) partial = true;
        return new Usage(bytes, entries, partial);
    }

    private boolean exhausted() {
        if (operations < budget) return false;
        partial = true;
        return true;
    }

    /**
     * Depth-first below dirFd (at {@code depth} below the top); directories more than MAX_OPEN levels further down
     * are left for later, as a chain of names.
     */
    private void walkFrom(int dirFd, byte[] chain, int depth) throws InterruptedException {
        var stack = new ArrayDeque<Level>();
        stack.push(new Level(dirFd, new Entries(buffer(0), state, dirFd), null));
        try {
            while (!stack.isEmpty()) {
                if (exhausted()) return;
                Level level = stack.peek();
                boolean more;
                try {
                    more = level.entries().next();
                } catch (Dir.ErrnoException e) {
                    partial = true;
                    more = false;
                }
                if (!more) {
                    stack.pop();
                    if (level.fd() != dirFd) Native.close(level.fd());
                    continue;
                }
                MemorySegment name = level.entries().name();
                operations++;
                throttle.entries(1);
                if (!statAt(level.fd(), name)) continue; // gone since it was listed
                entries++;
                int mode = Native.mode(stat);
                boolean dir = (mode & Native.S_IFMT) == Native.S_IFDIR;
                if (!dir && Native.nlink(stat) > 1) {
                    if (!linked.add(Native.ino(stat))) continue; // another name of a file already counted
                }
                bytes += Native.blocks(stat) * 512;
                if (!dir) continue;
                int levelDepth = depth + stack.size(); // the new directory's depth below the top
                if (levelDepth > MAX_DEPTH) {
                    partial = true; // counted, not entered
                    continue;
                }
                if (stack.size() >= MAX_OPEN) {
                    defer(chain, stack, level.entries().nameBytes());
                    continue;
                }
                int child = Native.openat(state, level.fd(), name, Native.OPEN_DIR, 0);
                if (child < 0) {
                    openFailed();
                    continue;
                }
                stack.push(new Level(
                        child,
                        new Entries(buffer(stack.size()), state, child),
                        level.entries().nameBytes()));
            }
        } finally {
            for (Level l : stack) if (l.fd() != dirFd) Native.close(l.fd());
        }
    }

    /** Keeps the chain to a subtree for later, or says partial when the chains would take more than their bytes. */
    private void defer(byte[] chain, ArrayDeque<Level> stack, byte[] name) {
        var out = new ByteArrayOutputStream(chain.length + 64 * stack.size());
        out.writeBytes(chain);
        var it = stack.descendingIterator();
        while (it.hasNext()) {
            Level l = it.next();
            if (l.name() == null) continue;
            out.writeBytes(l.name());
            out.write(0);
        }
        out.writeBytes(name);
        out.write(0);
        if (pendingBytes + out.size() > MAX_PENDING_BYTES) {
            partial = true;
            return;
        }
        byte[] deferred = out.toByteArray();
        pendingBytes += deferred.length;
        pending.add(deferred);
    }

    private static int depth(byte[] chain) {
        int n = 0;
        for (byte b : chain) if (b == 0) n++;
        return n;
    }

    private MemorySegment buffer(int depth) {
        while (buffers.size() <= depth) buffers.add(arena.allocate(Entries.BUFFER, 8));
        return buffers.get(depth);
    }

    private boolean statAt(int fd, MemorySegment name) {
        int rc = Native.stat(state, fd, name, stat);
        if (rc != 0 && Native.errno(state) != Native.ENOENT) partial = true;
        return rc == 0;
    }

    private void openFailed() {
        int e = Native.errno(state);
        // gone, or a link or a file by now: nothing to measure there; anything else is a part not read
        if (e != Native.ENOENT && e != Native.ELOOP && e != Native.ENOTDIR) partial = true;
    }

    /** Opens a chain of names from the top, one component at a time; each open is an operation of the budget. */
    private int openChain(int topFd, byte[] chain) throws InterruptedException {
        int fd = topFd;
        int start = 0;
        try (var names = Arena.ofConfined()) {
            for (int i = 0; i < chain.length; i++) {
                if (chain[i] != 0) continue;
                var name = names.allocate(i - start + 1);
                MemorySegment.copy(chain, start, name, ValueLayout.JAVA_BYTE, 0, i - start + 1);
                start = i + 1;
                operations++;
                throttle.entries(1);
                int next = Native.openat(state, fd, name, Native.OPEN_DIR, 0);
                if (next < 0) openFailed();
                if (fd != topFd) Native.close(fd);
                if (next < 0) return -1;
                fd = next;
            }
        }
        return fd;
    }

    /** A set of longs in one array (open addressing), holding at most {@code max}: 8 bytes a member, no boxing. */
    static final class LongSet {
        private final int max;
        private long[] slots = new long[64];
        private boolean hasZero;
        private int size;

        LongSet(int max) {
            this.max = max;
        }

        /** False if v was there already; true if it was added, or if the set is full (then it is not remembered). */
        boolean add(long v) {
            if (v == 0) {
                if (hasZero) return false;
                if (size >= max) return true;
                hasZero = true;
                size++;
                return true;
            }
            int i = find(slots, v);
            if (slots[i] == v) return false;
            if (size >= max) return true;
            slots[i] = v;
            if (++size * 2 > slots.length) grow();
            return true;
        }

        private static int find(long[] slots, long v) {
            int mask = slots.length - 1;
            int i = (int) (mix(v) & mask);
            while (slots[i] != 0 && slots[i] != v) i = (i + 1) & mask;
            return i;
        }

        private void grow() {
            long[] bigger = new long[slots.length * 2];
            for (long v : slots) if (v != 0) bigger[find(bigger, v)] = v;
            slots = bigger;
        }

        private static long mix(long v) {
            v ^= v >>> 33;
            v *= 0xff51afd7ed558ccdL;
            return v ^ (v >>> 33);
        }
    }
}
