package dev.nfsprov.share;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * An open directory (a file descriptor) and the few POSIX calls nfsprov makes relative to it: openat with
 * O_NOFOLLOW, mkdirat, fchmod, fchown, a small file's create/read, renameat, unlinkat. Every path nfsprov walks on
 * the share goes through these, one component at a time, so a tenant who swaps a component for a symbolic link
 * between two steps cannot redirect a step: the link is refused (ELOOP) or the step acts on the directory already
 * open. The JDK has no mkdirat or fchmod (and on Temurin 25, Files.setAttribute("unix:mode") follows a link even
 * with NOFOLLOW_LINKS), hence the Foreign Function API. Linux only.
 */
final class Dir implements AutoCloseable {

    static final class ErrnoException extends IOException {
        final int errno;

        ErrnoException(String call, String name, int errno) {
            super(call + " " + name + ": " + describe(errno));
            this.errno = errno;
        }
    }

    static final int EPERM = 1,
            EINVAL = 22,
            ENOENT = 2,
            EEXIST = 17,
            ENOTDIR = 20,
            ELOOP = 40,
            EXDEV = 18,
            ENOTEMPTY = 39;

    static final boolean AARCH64 = "aarch64".equals(System.getProperty("os.arch"));
    static final int O_RDONLY = 0, O_WRONLY = 1, O_CREAT = 0100, O_EXCL = 0200;
    static final int O_DIRECTORY = AARCH64 ? 040000 : 0200000;
    static final int O_NOFOLLOW = AARCH64 ? 0100000 : 0400000;
    static final int O_CLOEXEC = 02000000;
    private static final int AT_REMOVEDIR = 0x200;

    static final Linker LINKER = Linker.nativeLinker();
    static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno")).withInvokeExactBehavior();
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final ValueLayout ADDR = ValueLayout.ADDRESS;

    static final MethodHandle OPENAT = call("openat", FunctionDescriptor.of(INT, INT, ADDR, INT, INT));
    private static final MethodHandle MKDIRAT = call("mkdirat", FunctionDescriptor.of(INT, INT, ADDR, INT));
    private static final MethodHandle FCHMOD = call("fchmod", FunctionDescriptor.of(INT, INT, INT));
    private static final MethodHandle FCHOWN = call("fchown", FunctionDescriptor.of(INT, INT, INT, INT));
    private static final MethodHandle RENAMEAT = call("renameat", FunctionDescriptor.of(INT, INT, ADDR, INT, ADDR));
    private static final MethodHandle UNLINKAT = call("unlinkat", FunctionDescriptor.of(INT, INT, ADDR, INT));
    private static final MethodHandle READ = call("read", FunctionDescriptor.of(LONG, INT, ADDR, LONG));
    private static final MethodHandle WRITE = call("write", FunctionDescriptor.of(LONG, INT, ADDR, LONG));
    static final MethodHandle CLOSE = call("close", FunctionDescriptor.of(INT, INT));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(
            LINKER.defaultLookup().find("strerror").orElseThrow(), FunctionDescriptor.of(ADDR, INT));

    static MethodHandle call(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(
                LINKER.defaultLookup().find(name).orElseThrow(), fd, Linker.Option.captureCallState("errno"));
    }

    private final int fd;
    private final String name;

    private Dir(int fd, String name) {
        this.fd = fd;
        this.name = name;
    }

    /** Opens the share's root (the administrator's mount path: a link to it is followed). */
    static Dir open(Path path) throws IOException {
        try (var arena = Arena.ofConfined()) {
            var state = arena.allocate(CAPTURE);
            int fd = (int) OPENAT.invokeExact(
                    state, -100, arena.allocateFrom(path.toString()), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
            if (fd < 0) throw new ErrnoException("open", path.toString(), errno(state));
            return new Dir(fd, path.toString());
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Opens a child directory; a symbolic link there fails with ELOOP, anything else but a directory with ENOTDIR. */
    Dir openDir(String child) throws ErrnoException {
        int child_fd = openat(child, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0, "open");
        return new Dir(child_fd, name + "/" + child);
    }

    /** mkdirat: true if made, false if something of that name exists (which the caller must then inspect). */
    boolean mkdir(String child, int mode) throws ErrnoException {
        int rc = intCall(MKDIRAT, child, mode);
        if (rc == 0) return true;
        if (lastErrno == EEXIST) return false;
        throw new ErrnoException("mkdir", name + "/" + child, lastErrno);
    }

    void chmod(int mode) throws ErrnoException {
        try (var arena = Arena.ofConfined()) {
            var state = arena.allocate(CAPTURE);
            if ((int) FCHMOD.invokeExact(state, fd, mode) != 0) throw new ErrnoException("chmod", name, errno(state));
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
            var state = arena.allocate(CAPTURE);
            if ((int) FCHOWN.invokeExact(state, fd, uid, gid) != 0)
                throw new ErrnoException("chown", name, errno(state));
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

    /** Creates a small file that must not exist yet (O_EXCL, never through a link). False if it exists. */
    boolean createFile(String child, String content, int mode) throws ErrnoException {
        int f;
        try {
            f = openat(child, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode, "create");
        } catch (ErrnoException e) {
            if (e.errno == EEXIST) return false;
            throw e;
        }
        try (var arena = Arena.ofConfined()) {
            var state = arena.allocate(CAPTURE);
            byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
            var buf = arena.allocateFrom(ValueLayout.JAVA_BYTE, bytes);
            long n = (long) WRITE.invokeExact(state, f, buf, (long) bytes.length);
            if (n != bytes.length) throw new ErrnoException("write", name + "/" + child, n < 0 ? errno(state) : 5);
            return true;
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        } finally {
            close(f);
        }
    }

    /** The content of a small regular file (at most 4 KiB read), or null if it does not exist. Never follows a link. */
    String readFile(String child) throws ErrnoException {
        int f;
        try {
            f = openat(child, O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0, "open");
        } catch (ErrnoException e) {
            if (e.errno == ENOENT) return null;
            throw e;
        }
        try (var arena = Arena.ofConfined()) {
            var state = arena.allocate(CAPTURE);
            var buf = arena.allocate(4096);
            long n = (long) READ.invokeExact(state, f, buf, 4096L);
            if (n < 0) throw new ErrnoException("read", name + "/" + child, errno(state));
            return new String(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        } finally {
            close(f);
        }
    }

    /** renameat within this directory: atomic; a directory replaces only an empty one, as rename(2) does. */
    void rename(String from, String to) throws ErrnoException {
        try (var arena = Arena.ofConfined()) {
            var state = arena.allocate(CAPTURE);
            int rc = (int) RENAMEAT.invokeExact(state, fd, arena.allocateFrom(from), fd, arena.allocateFrom(to));
            if (rc != 0) throw new ErrnoException("rename", name + "/" + from + " to " + to, errno(state));
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** unlinkat of a file or link (never followed); false if it was not there. */
    boolean unlink(String child) throws ErrnoException {
        int rc = intCall(UNLINKAT, child, 0);
        if (rc == 0) return true;
        if (lastErrno == ENOENT) return false;
        throw new ErrnoException("unlink", name + "/" + child, lastErrno);
    }

    /** unlinkat(AT_REMOVEDIR) of an empty directory; false if it was not there. */
    boolean removeDir(String child) throws ErrnoException {
        int rc = intCall(UNLINKAT, child, AT_REMOVEDIR);
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
        if (closed.compareAndSet(false, true)) close(fd);
    }

    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private int lastErrno;

    private int intCall(MethodHandle h, String child, int arg) {
        try (var arena = Arena.ofConfined()) {
            var state = arena.allocate(CAPTURE);
            int rc = (int) h.invokeExact(state, fd, arena.allocateFrom(child), arg);
            lastErrno = rc == 0 ? 0 : errno(state);
            return rc;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private int openat(String child, int flags, int mode, String what) throws ErrnoException {
        try (var arena = Arena.ofConfined()) {
            var state = arena.allocate(CAPTURE);
            int f = (int) OPENAT.invokeExact(state, fd, arena.allocateFrom(child), flags, mode);
            if (f < 0) throw new ErrnoException(what, name + "/" + child, errno(state));
            return f;
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static void close(int fd) {
        try (var arena = Arena.ofConfined()) {
            int ignored = (int) CLOSE.invokeExact(arena.allocate(CAPTURE), fd);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    static String describe(int errno) {
        try {
            var s = (MemorySegment) STRERROR.invokeExact(errno);
            String text = s.reinterpret(256).getString(0); // "Read-only file system" -> as the JDK's messages read
            return text.isEmpty() ? "errno " + errno : Character.toLowerCase(text.charAt(0)) + text.substring(1);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }
}
