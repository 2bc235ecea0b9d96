package dev.nfsprov.share;

/** A directory's owner, group and 12 mode bits, as read from the share. */
public record DirAttributes(int uid, int gid, int mode) {
    public String describe() {
        return "%04o %d:%d".formatted(mode, uid, gid);
    }
}
