package dev.nfsprov.share;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Deletes a tree a tenant wrote, relative to an open parent, never following a symbolic link: a link is removed as a
 * link, a directory swapped for a link while this works is refused by O_NOFOLLOW rather than entered, and every
 * unlink and rmdir is relative to a directory already open. Iterative, with entries streamed as they are read
 * ({@link Entries}): memory and open files stay bounded whatever the depth and width. A subtree deeper than
 * {@link #MAX_OPEN} is renamed up to the top of the tree and deleted from there. Safe to interrupt at any point
 * (kill -9 included): a rerun deletes what is left.
 */
final class TreeDelete {

    /** Open directories kept at once; deeper subtrees are moved up to the tree's top first. */
    static final int MAX_OPEN = 64;
    /** Passes over one directory before giving up for now (a tenant adding files as fast as they are deleted). */
    static final int MAX_PASSES = 1000;
    /** Name prefix of subtrees moved up to the top while deleting. */
    static final String DEEP_PREFIX = ".nfsprov-deep-";

    private record Frame(int fd, Entries entries, int parentFd, MemorySegment name) {}

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment state = arena.allocate(Native.CAPTURE);
    private final MemorySegment stat = arena.allocate(Native.STAT_SIZE, 8);
    private final List<MemorySegment> buffers = new ArrayList<>();
    /** Each open level's own name, kept for the rmdir after its contents: one 256-byte slot per depth. */
    private final List<MemorySegment> names = new ArrayList<>();

    private TreeDelete() {}

    /**
     * Deletes {@code name} in {@code parent}: a directory with everything below it, anything else as the entry it
     * is. False if nothing of that name was there.
     */
    static boolean delete(Dir parent, String name) throws Dir.ErrnoException {
        var d = new TreeDelete();
        try {
            return d.run(parent, name);
        } finally {
            d.arena.close();
        }
    }

    private boolean run(Dir parent, String leaf) throws Dir.ErrnoException {
        MemorySegment name = arena.allocateFrom(leaf);
        if (Native.stat(state, parent.fd(), name, stat) != 0) {
            int e = Native.errno(state);
            if (e == Native.ENOENT) return false;
            throw new Dir.ErrnoException("stat", parent.name() + "/" + leaf, e);
        }
        if ((Native.mode(stat) & Native.S_IFMT) != Native.S_IFDIR) {
            unlink(parent.fd(), name, 0, parent.name() + "/" + leaf);
            return true;
        }
        var stack = new ArrayDeque<Frame>();
        int passes = 0;
        try {
            Frame top = open(parent.fd(), name, 0);
            if (top == null) return false;
            stack.push(top);
            while (!stack.isEmpty()) {
                Frame f = stack.peek();
                if (f.entries().next()) {
                    MemorySegment entry = f.entries().name();
                    if (Native.stat(state, f.fd(), entry, stat) != 0) {
                        if (Native.errno(state) == Native.ENOENT) continue; // deleted by an earlier run, or the tenant
                        throw new Dir.ErrnoException("stat", Dir.printable(entry), Native.errno(state));
                    }
                    if ((Native.mode(stat) & Native.S_IFMT) != Native.S_IFDIR) {
                        unlink(f.fd(), entry, 0, Dir.printable(entry));
                    } else if (stack.size() < MAX_OPEN) {
                        Frame child = open(f.fd(), copy(entry, stack.size()), stack.size());
                        if (child != null) stack.push(child);
                    } else {
                        // Too deep to hold open: move it up to the top of the tree (same file system, rename is
                        // atomic), where the top's next pass finds it.
                        rename(f.fd(), entry, stack.getLast().fd(), DEEP_PREFIX + UUID.randomUUID());
                    }
                    continue;
                }
                stack.pop();
                Native.close(f.fd());
                int rc = unlinkRc(f.parentFd(), f.name(), Native.AT_REMOVEDIR);
                if (rc == 0 || Native.errno(state) == Native.ENOENT) {
                    passes = 0;
                    continue;
                }
                int e = Native.errno(state);
                if (e != Native.ENOTEMPTY && e != Native.EEXIST)
                    throw new Dir.ErrnoException("rmdir", Dir.printable(f.name()), e);
                // entries readdir skipped while we deleted (NFS), subtrees moved up, or a tenant still writing
                if (++passes > MAX_PASSES) throw new Dir.ErrnoException("rmdir", Dir.printable(f.name()), e);
                Frame again = open(f.parentFd(), f.name(), stack.size());
                if (again != null) stack.push(again);
            }
            return true;
        } finally {
            for (Frame f : stack) Native.close(f.fd());
        }
    }

    /** Opens a directory to delete below it; null if it is gone, or is no longer a directory (then it is unlinked). */
    private Frame open(int parentFd, MemorySegment name, int depth) throws Dir.ErrnoException {
        int fd = Native.openat(state, parentFd, name, Native.OPEN_DIR, 0);
        if (fd < 0) {
            int e = Native.errno(state);
            if (e == Native.ENOENT) return null;
            if (e == Native.ELOOP || e == Native.ENOTDIR) { // swapped for a link or a file: removed as that
                unlink(parentFd, name, 0, Dir.printable(name));
                return null;
            }
            throw new Dir.ErrnoException("open", Dir.printable(name), e);
        }
        while (buffers.size() <= depth) buffers.add(arena.allocate(Entries.BUFFER, 8));
        return new Frame(fd, new Entries(buffers.get(depth), state, fd), parentFd, name);
    }

    /** A name that must outlive the entry buffer it came from, in the slot of its depth (a name is at most 255). */
    private MemorySegment copy(MemorySegment name, int depth) {
        while (names.size() <= depth) names.add(arena.allocate(256));
        long n = 0;
        while (name.get(ValueLayout.JAVA_BYTE, n) != 0) n++;
        var out = names.get(depth);
        MemorySegment.copy(name, 0, out, 0, n + 1);
        return out;
    }

    private void unlink(int fd, MemorySegment name, int flags, String what) throws Dir.ErrnoException {
        if (unlinkRc(fd, name, flags) != 0 && Native.errno(state) != Native.ENOENT) {
            int e = Native.errno(state);
            if (e == Native.EISDIR) return; // became a directory meanwhile: the parent's next pass sees it
            throw new Dir.ErrnoException("unlink", what, e);
        }
    }

    private int unlinkRc(int fd, MemorySegment name, int flags) {
        try {
            return (int) Native.UNLINKAT.invokeExact(state, fd, name, flags);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private void rename(int fromFd, MemorySegment from, int toFd, String to) throws Dir.ErrnoException {
        try (var a = Arena.ofConfined()) {
            int rc = (int) Native.RENAMEAT.invokeExact(state, fromFd, from, toFd, a.allocateFrom(to));
            if (rc != 0 && Native.errno(state) != Native.ENOENT)
                throw new Dir.ErrnoException("rename", Dir.printable(from), Native.errno(state));
        } catch (Dir.ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
