package dev.nfsprov.share;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An open directory (a file descriptor) and the few POSIX calls nfsprov makes relative to it: openat with
 * O_NOFOLLOW, mkdirat, fchmod, fchown, a small file's create/read, renameat, unlinkat. Every path nfsprov walks on
 * the share goes through these, one component at a time, so a tenant who swaps a component for a symbolic link
 * between two steps cannot redirect a step: the link is refused (ELOOP) or the step acts on the directory already
 * open. The JDK has no mkdirat or fchmod (and on Temurin 25, Files.setAttribute("unix:mode") follows a link even
 * with NOFOLLOW_LINKS), hence the Foreign Function API ({@link Native}). Linux only.
 */
final class Dir implements AutoCloseable {

    static class ErrnoException extends IOException {
        final int errno;

        ErrnoException(String call, String name, int errno) {
            super(call + " " + name + ": " + Native.describe(errno));
            this.errno = errno;
        }
    }

    static final int EPERM = Native.EPERM,
            EINVAL = Native.EINVAL,
            ENOENT = Native.ENOENT,
            EEXIST = Native.EEXIST,
            ENOTDIR = Native.ENOTDIR,
            ELOOP = Native.ELOOP,
            EXDEV = Native.EXDEV,
            ENOTEMPTY = Native.ENOTEMPTY;

    private final int fd;
    private final String name;
    private final AtomicBoolean closed = new AtomicBoolean();
    private int lastErrno;

    private Dir(int fd, String name) {
        this.fd = fd;
        this.name = name;
    }

    /** Opens the share's root (the administrator's mount path: a link to it is followed). */
    static Dir open(Path path) throws IOException {
        try (var arena = Arena.ofConfined()) {
            var state = arena.allocate(Native.CAPTURE);
            int fd = Native.openat(
                    state,
                    Native.AT_FDCWD,
                    arena.allocateFrom(path.toString()),
                    Native.O_RDONLY | Native.O_DIRECTORY | Native.O_CLOEXEC,
                    0);
            if (fd < 0) throw new ErrnoException("open", path.toString(), Native.errno(state));
            return new Dir(fd, path.toString());
        }
    }

    /** Opens a child directory; a symbolic link there fails with ELOOP, anything else but a directory with ENOTDIR. */
    Dir openDir(String child) throws ErrnoException {
        int child_fd = openat(child, Native.OPEN_DIR, 0, "open");
        return new Dir(child_fd, name + "/" + child);
    }

    /** The same for a name as the kernel gave it (a NUL-terminated segment, bytes that need not be UTF-8). */
    Dir openDir(MemorySegment child) throws ErrnoException {
        try (var arena = Arena.ofConfined()) {
            var state = arena.allocate(Native.CAPTURE);
            int f = Native.openat(state, fd, child, Native.OPEN_DIR, 0);
            if (f < 0) throw new ErrnoException("open", name + "/" + printable(child), Native.errno(state));
            return new Dir(f, name + "/" + printable(child));
        }
    }

    /** mkdirat: true if made, false if something of that name exists (which the caller must then inspect). */
    boolean mkdir(String child, int mode) throws ErrnoException {
        int rc = intCall(Native.MKDIRAT, child, mode);
        if (rc == 0) return true;
        if (lastErrno == EEXIST) return false;
        throw new ErrnoException("mkdir", name + "/" + child, lastErrno);
    }

    void chmod(int mode) throws ErrnoException {
        try (var arena = Arena.ofConfined()) {
            var state = arena.allocate(Native.CAPTURE);
            if ((int) Native.FCHMOD.invokeExact(state, fd, mode) != 0)
                throw new ErrnoException("chmod", name, Native.errno(state));
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * Whether a failed chown means the share (root squash: EPERM) or the controller's user namespace (an id it cannot
     * map: EINVAL) refuses owners, as opposed to an I/O failure.
     */
    static boolean ownersRefused(ErrnoException e) {
        return e.errno == EPERM || e.errno == EINVAL;
    }

    /** fchown; -1 leaves that id as it is. */
    void chown(int uid, int gid) throws ErrnoException {
        try (var arena = Arena.ofConfined()) {
            var state = arena.allocate(Native.CAPTURE);
            if ((int) Native.FCHOWN.invokeExact(state, fd, uid, gid) != 0)
                throw new ErrnoException("chown", name, Native.errno(state));
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Owner, group and all 12 mode bits of the directory this handle holds (fstat through /proc/self/fd). */
    DirAttributes attributes() throws IOException {
        var a = java.nio.file.Files.readAttributes(Path.of("/proc/self/fd/" + fd), "unix:uid,gid,mode");
        return new DirAttributes((Integer) a.get("uid"), (Integer) a.get("gid"), (Integer) a.get("mode") & 07777);
    }

    /** fstatat of a child, never following a link; null if there is none of that name. */
    Native.Stat stat(String child) throws ErrnoException {
        try (var arena = Arena.ofConfined()) {
            var state = arena.allocate(Native.CAPTURE);
            var st = arena.allocate(Native.STAT_SIZE, 8);
            if (Native.stat(state, fd, arena.allocateFrom(child), st) == 0) return Native.Stat.of(st);
            int e = Native.errno(state);
            if (e == ENOENT) return null;
            throw new ErrnoException("stat", name + "/" + child, e);
        }
    }

    /** Creates a small file that must not exist yet (O_EXCL, never through a link). False if it exists. */
    boolean createFile(String child, String content, int mode) throws ErrnoException {
        int f;
        try {
            f = openat(
                    child,
                    Native.O_WRONLY | Native.O_CREAT | Native.O_EXCL | Native.O_NOFOLLOW | Native.O_CLOEXEC,
                    mode,
                    "create");
        } catch (ErrnoException e) {
            if (e.errno == EEXIST) return false;
            throw e;
        }
        try (var arena = Arena.ofConfined()) {
            var state = arena.allocate(Native.CAPTURE);
            byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
            var buf = arena.allocateFrom(ValueLayout.JAVA_BYTE, bytes);
            long n = (long) Native.WRITE.invokeExact(state, f, buf, (long) bytes.length);
            if (n != bytes.length)
                throw new ErrnoException("write", name + "/" + child, n < 0 ? Native.errno(state) : Native.EIO);
            return true;
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        } finally {
            Native.close(f);
        }
    }

    /** The content of a small regular file (at most 4 KiB read), or null if it does not exist. Never follows a link. */
    String readFile(String child) throws ErrnoException {
        int f;
        try {
            // O_NONBLOCK: a fifo of that name must not hang the reader
            f = openat(child, Native.O_RDONLY | Native.O_NOFOLLOW | Native.O_CLOEXEC | Native.O_NONBLOCK, 0, "open");
        } catch (ErrnoException e) {
            if (e.errno == ENOENT) return null;
            throw e;
        }
        try (var arena = Arena.ofConfined()) {
            var state = arena.allocate(Native.CAPTURE);
            var buf = arena.allocate(4096);
            long n = (long) Native.READ.invokeExact(state, f, buf, 4096L);
            if (n < 0) throw new ErrnoException("read", name + "/" + child, Native.errno(state));
            return new String(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        } finally {
            Native.close(f);
        }
    }

    /** renameat within this directory: atomic; a directory replaces only an empty one, as rename(2) does. */
    void rename(String from, String to) throws ErrnoException {
        rename(from, this, to);
    }

    /** renameat from this directory into another one (the same file system). */
    void rename(String from, Dir toDir, String to) throws ErrnoException {
        try (var arena = Arena.ofConfined()) {
            var state = arena.allocate(Native.CAPTURE);
            int rc = (int)
                    Native.RENAMEAT.invokeExact(state, fd, arena.allocateFrom(from), toDir.fd, arena.allocateFrom(to));
            if (rc != 0) throw new ErrnoException("rename", name + "/" + from + " to " + to, Native.errno(state));
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** unlinkat of a file or link (never followed); false if it was not there. */
    boolean unlink(String child) throws ErrnoException {
        int rc = intCall(Native.UNLINKAT, child, 0);
        if (rc == 0) return true;
        if (lastErrno == ENOENT) return false;
        throw new ErrnoException("unlink", name + "/" + child, lastErrno);
    }

    /** unlinkat(AT_REMOVEDIR) of an empty directory; false if it was not there. */
    boolean removeDir(String child) throws ErrnoException {
        int rc = intCall(Native.UNLINKAT, child, Native.AT_REMOVEDIR);
        if (rc == 0) return true;
        if (lastErrno == ENOENT) return false;
        throw new ErrnoException("rmdir", name + "/" + child, lastErrno);
    }

    String name() {
        return name;
    }

    /** The descriptor, for a walk that reads below this directory (it stays this handle's to close). */
    int fd() {
        return fd;
    }

    /**
     * Closes the handle once; a second call does nothing. A second close(2) of the same number could close a
     * descriptor another thread has just been given, and that thread's next *at call would act elsewhere.
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) Native.close(fd);
    }

    private int intCall(MethodHandle h, String child, int arg) {
        try (var arena = Arena.ofConfined()) {
            var state = arena.allocate(Native.CAPTURE);
            int rc = (int) h.invokeExact(state, fd, arena.allocateFrom(child), arg);
            lastErrno = rc == 0 ? 0 : Native.errno(state);
            return rc;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private int openat(String child, int flags, int mode, String what) throws ErrnoException {
        try (var arena = Arena.ofConfined()) {
            var state = arena.allocate(Native.CAPTURE);
            int f = Native.openat(state, fd, arena.allocateFrom(child), flags, mode);
            if (f < 0) throw new ErrnoException(what, name + "/" + child, Native.errno(state));
            return f;
        }
    }

    /** A name from the kernel for a message: its bytes as UTF-8 would show them (never used to reach the file). */
    static String printable(MemorySegment name) {
        long n = 0;
        while (n < name.byteSize() && name.get(ValueLayout.JAVA_BYTE, n) != 0) n++;
        return new String(name.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
    }
}
