package dev.nfsprov.share;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The entries of one open directory, read with getdents64 into a fixed 8 KiB buffer: a directory of a million
 * names costs the same memory as one of ten (glibc's readdir takes up to 1 MiB a directory on NFS, the JDK's
 * listing a String each). A name is the bytes the kernel gave, NUL-terminated in the buffer, valid until the next
 * call to {@link #next}: passed to the *at calls as it is, so names that are not UTF-8 are never lost or rewritten.
 */
final class Entries {

    static final int BUFFER = 8192;

    private final int fd;
    private final MemorySegment buffer;
    private final MemorySegment state;
    private int at;
    private int filled;
    private MemorySegment name;
    private int type;

    /** fd stays the caller's; the buffer comes from (and lives as long as) arena. */
    Entries(Arena arena, MemorySegment state, int fd) {
        this(arena.allocate(BUFFER, 8), state, fd);
    }

    /** A buffer the caller reuses from one directory to the next. */
    Entries(MemorySegment buffer, MemorySegment state, int fd) {
        this.fd = fd;
        this.buffer = buffer;
        this.state = state;
    }

    /** Moves to the next entry other than . and ..; false at the end. A read error is thrown. */
    boolean next() throws Dir.ErrnoException {
        while (true) {
            if (at >= filled) {
                long n = Native.getdents(state, fd, buffer);
                if (n < 0) throw new Dir.ErrnoException("getdents", "fd " + fd, Native.errno(state));
                if (n == 0) return false;
                at = 0;
                filled = (int) n;
            }
            int reclen = Short.toUnsignedInt(buffer.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + 16L));
            type = Byte.toUnsignedInt(buffer.get(ValueLayout.JAVA_BYTE, at + 18L));
            name = buffer.asSlice(at + 19L, reclen - 19L);
            at += reclen;
            if (!dotOrDotDot(name)) return true;
        }
    }

    /** d_type values: a directory, a regular file, a link, or not said (the caller must fstatat). */
    static final int DT_UNKNOWN = 0, DT_DIR = 4, DT_REG = 8, DT_LNK = 10;

    /** The current entry's d_type, as the file system said it (NFS and most local ones do). */
    int type() {
        return type;
    }

    /** The current entry's name, NUL-terminated, for the *at calls. */
    MemorySegment name() {
        return name;
    }

    /** The current name's bytes (without the NUL). */
    byte[] nameBytes() {
        long n = 0;
        while (name.get(ValueLayout.JAVA_BYTE, n) != 0) n++;
        return name.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
    }

    /** Whether the current name starts with these ASCII bytes. */
    boolean nameStartsWith(String prefix) {
        for (int i = 0; i < prefix.length(); i++) {
            if (i >= name.byteSize() || name.get(ValueLayout.JAVA_BYTE, i) != (byte) prefix.charAt(i)) return false;
        }
        return true;
    }

    private static boolean dotOrDotDot(MemorySegment name) {
        byte b0 = name.get(ValueLayout.JAVA_BYTE, 0);
        if (b0 != '.') return false;
        byte b1 = name.get(ValueLayout.JAVA_BYTE, 1);
        return b1 == 0 || (b1 == '.' && name.get(ValueLayout.JAVA_BYTE, 2) == 0);
    }
}
