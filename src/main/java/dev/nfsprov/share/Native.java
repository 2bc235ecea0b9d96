package dev.nfsprov.share;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The libc calls nfsprov makes on the share, as Foreign Function handles that capture errno, and the layouts of the
 * structures they fill (x86_64 and aarch64 Linux). The JDK has no *at calls for most of these, and its path calls
 * resolve whole paths, which a tenant's symbolic link can redirect; {@link Dir} and the walks use these instead.
 */
final class Native {
    private Native() {}

    static final boolean AARCH64 = "aarch64".equals(System.getProperty("os.arch"));

    static final int EPERM = 1, ENOENT = 2, EINTR = 4, EIO = 5, EEXIST = 17, EXDEV = 18, ENOTDIR = 20, EISDIR = 21;
    static final int EINVAL = 22, ENOSPC = 28, ENOSYS = 38, ENOTEMPTY = 39, ELOOP = 40, EOPNOTSUPP = 95;
    static final int O_RDONLY = 0, O_WRONLY = 1, O_CREAT = 0100, O_EXCL = 0200, O_TRUNC = 01000;
    static final int O_DIRECTORY = AARCH64 ? 040000 : 0200000;
    static final int O_NOFOLLOW = AARCH64 ? 0100000 : 0400000;
    static final int O_CLOEXEC = 02000000;
    static final int O_NONBLOCK = 04000;
    /** For a directory this walk enters: never through a link, never a fifo's blocking open. */
    static final int OPEN_DIR = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

    static final int AT_FDCWD = -100;
    static final int AT_SYMLINK_NOFOLLOW = 0x100, AT_REMOVEDIR = 0x200, AT_EMPTY_PATH = 0x1000;
    static final int S_IFMT = 0170000, S_IFDIR = 0040000, S_IFREG = 0100000, S_IFLNK = 0120000;
    static final int SEEK_SET = 0, SEEK_DATA = 3, SEEK_HOLE = 4;

    static final Linker LINKER = Linker.nativeLinker();
    static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno")).withInvokeExactBehavior();

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final ValueLayout ADDR = ValueLayout.ADDRESS;

    static final MethodHandle OPENAT = call("openat", FunctionDescriptor.of(INT, INT, ADDR, INT, INT));
    static final MethodHandle MKDIRAT = call("mkdirat", FunctionDescriptor.of(INT, INT, ADDR, INT));
    static final MethodHandle FCHMOD = call("fchmod", FunctionDescriptor.of(INT, INT, INT));
    static final MethodHandle FCHOWN = call("fchown", FunctionDescriptor.of(INT, INT, INT, INT));
    static final MethodHandle FCHOWNAT = call("fchownat", FunctionDescriptor.of(INT, INT, ADDR, INT, INT, INT));
    static final MethodHandle RENAMEAT = call("renameat", FunctionDescriptor.of(INT, INT, ADDR, INT, ADDR));
    static final MethodHandle UNLINKAT = call("unlinkat", FunctionDescriptor.of(INT, INT, ADDR, INT));
    static final MethodHandle READ = call("read", FunctionDescriptor.of(LONG, INT, ADDR, LONG));
    static final MethodHandle WRITE = call("write", FunctionDescriptor.of(LONG, INT, ADDR, LONG));
    static final MethodHandle PWRITE = call("pwrite", FunctionDescriptor.of(LONG, INT, ADDR, LONG, LONG));
    static final MethodHandle PREAD = call("pread", FunctionDescriptor.of(LONG, INT, ADDR, LONG, LONG));
    static final MethodHandle CLOSE = call("close", FunctionDescriptor.of(INT, INT));
    static final MethodHandle SYMLINKAT = call("symlinkat", FunctionDescriptor.of(INT, ADDR, INT, ADDR));
    static final MethodHandle READLINKAT = call("readlinkat", FunctionDescriptor.of(LONG, INT, ADDR, ADDR, LONG));
    static final MethodHandle LINKAT = call("linkat", FunctionDescriptor.of(INT, INT, ADDR, INT, ADDR, INT));
    static final MethodHandle UTIMENSAT = call("utimensat", FunctionDescriptor.of(INT, INT, ADDR, ADDR, INT));
    static final MethodHandle FUTIMENS = call("futimens", FunctionDescriptor.of(INT, INT, ADDR));
    static final MethodHandle LSEEK = call("lseek", FunctionDescriptor.of(LONG, INT, LONG, INT));
    static final MethodHandle FTRUNCATE = call("ftruncate", FunctionDescriptor.of(INT, INT, LONG));
    static final MethodHandle COPY_FILE_RANGE =
            call("copy_file_range", FunctionDescriptor.of(LONG, INT, ADDR, INT, ADDR, LONG, INT));
    static final MethodHandle FSTATAT = fstatat();
    private static final MethodHandle STRERROR = LINKER.downcallHandle(
            LINKER.defaultLookup().find("strerror").orElseThrow(), FunctionDescriptor.of(ADDR, INT));

    /** syscall(2) is variadic: every argument a long (or pointer), passed as C varargs. getdents64 only. */
    private static final MethodHandle SYSCALL = LINKER.downcallHandle(
            LINKER.defaultLookup().find("syscall").orElseThrow(),
            FunctionDescriptor.of(LONG, LONG, LONG, ADDR, LONG),
            Linker.Option.captureCallState("errno"),
            Linker.Option.firstVariadicArg(1));

    private static final long SYS_GETDENTS64 = AARCH64 ? 61 : 217;

    static MethodHandle call(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(
                LINKER.defaultLookup().find(name).orElseThrow(), fd, Linker.Option.captureCallState("errno"));
    }

    private static MethodHandle fstatat() {
        var fd = FunctionDescriptor.of(INT, INT, ADDR, ADDR, INT);
        try {
            return call("fstatat", fd);
        } catch (java.util.NoSuchElementException olderGlibc) {
            return call("fstatat64", fd);
        }
    }

    static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    /** getdents64 into buffer: bytes filled, 0 at the end, -1 with errno in state. */
    static long getdents(MemorySegment state, int fd, MemorySegment buffer) {
        try {
            return (long) SYSCALL.invokeExact(state, SYS_GETDENTS64, (long) fd, buffer, buffer.byteSize());
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** fstatat without following a link: 0, or -1 with errno in state. */
    static int stat(MemorySegment state, int dirFd, MemorySegment name, MemorySegment stat) {
        try {
            return (int) FSTATAT.invokeExact(state, dirFd, name, stat, AT_SYMLINK_NOFOLLOW);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** fstat of a descriptor (fstatat with AT_EMPTY_PATH): 0, or -1 with errno in state. */
    static int fstat(MemorySegment state, int fd, MemorySegment stat) {
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            return (int) FSTATAT.invokeExact(state, fd, arena.allocateFrom(""), stat, AT_EMPTY_PATH);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** openat: the descriptor, or -1 with errno in state. */
    static int openat(MemorySegment state, int dirFd, MemorySegment name, int flags, int mode) {
        try {
            return (int) OPENAT.invokeExact(state, dirFd, name, flags, mode);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static void close(int fd) {
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            int ignored = (int) CLOSE.invokeExact(arena.allocate(CAPTURE), fd);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
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

    /** struct stat: the same offsets for dev, ino, size, blocks and times on x86_64 and aarch64; the rest differ. */
    static final long STAT_SIZE = 256;

    private static final long ST_DEV = 0, ST_INO = 8, ST_SIZE = 48, ST_BLOCKS = 64, ST_ATIM = 72, ST_MTIM = 88;
    private static final long ST_MODE = AARCH64 ? 16 : 24, ST_NLINK = AARCH64 ? 20 : 16;
    private static final long ST_UID = AARCH64 ? 24 : 28, ST_GID = AARCH64 ? 28 : 32;

    /** What fstatat filled in, as the walks need it. */
    record Stat(
            long dev,
            long ino,
            int mode,
            long nlink,
            int uid,
            int gid,
            long size,
            long blocks,
            long atimeSec,
            long atimeNsec,
            long mtimeSec,
            long mtimeNsec) {

        static Stat of(MemorySegment s) {
            return new Stat(
                    s.get(LONG, ST_DEV),
                    s.get(LONG, ST_INO),
                    s.get(INT, ST_MODE),
                    Native.nlink(s),
                    s.get(INT, ST_UID),
                    s.get(INT, ST_GID),
                    s.get(LONG, ST_SIZE),
                    s.get(LONG, ST_BLOCKS),
                    s.get(LONG, ST_ATIM),
                    s.get(LONG, ST_ATIM + 8),
                    s.get(LONG, ST_MTIM),
                    s.get(LONG, ST_MTIM + 8));
        }

        int type() {
            return mode & S_IFMT;
        }

        boolean isDirectory() {
            return type() == S_IFDIR;
        }

        boolean isRegular() {
            return type() == S_IFREG;
        }

        boolean isLink() {
            return type() == S_IFLNK;
        }
    }

    static int mode(MemorySegment s) {
        return s.get(INT, ST_MODE);
    }

    static long ino(MemorySegment s) {
        return s.get(LONG, ST_INO);
    }

    static long blocks(MemorySegment s) {
        return s.get(LONG, ST_BLOCKS);
    }

    static long nlink(MemorySegment s) {
        return AARCH64 ? Integer.toUnsignedLong(s.get(INT, ST_NLINK)) : s.get(LONG, ST_NLINK);
    }
}
