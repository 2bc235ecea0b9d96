package dev.nfsprov.share;

import java.util.OptionalInt;

/**
 * Who a volume's directory is given to: a group always, an owner when the workload names one. Written on the
 * PersistentVolume as "999:999", or ":999" for a group only, so that the choice survives a restart.
 */
public record DirectoryOwner(OptionalInt uid, int gid) {

    /** The mode a consumer-owned directory gets: the owner and group may do anything, new files keep the group. */
    public static final int GIVEN_MODE = 02770;
    /** Until its first consumer appears: root's alone, so nothing else can use it meanwhile. */
    public static final int WAITING_MODE = 0770;
    /** Where the share refuses owners (root squash): the only way the workload can still write. */
    public static final int SQUASHED_MODE = 0777;

    public DirectoryOwner {
        if (gid < 0 || (uid.isPresent() && uid.getAsInt() < 0)) throw new IllegalArgumentException("negative id");
    }

    public String format() {
        return (uid.isPresent() ? String.valueOf(uid.getAsInt()) : "") + ":" + gid;
    }

    /** Parses {@link #format()}'s text; anything else is an IllegalArgumentException naming it. */
    public static DirectoryOwner parse(String text) {
        var m = java.util.regex.Pattern.compile("([0-9]{1,10})?:([0-9]{1,10})").matcher(text.strip());
        if (!m.matches()) throw new IllegalArgumentException("\"" + text + "\" is not UID:GID or :GID");
        OptionalInt uid = m.group(1) == null ? OptionalInt.empty() : OptionalInt.of(id(m.group(1), text));
        return new DirectoryOwner(uid, id(m.group(2), text));
    }

    private static int id(String digits, String text) {
        long v = Long.parseLong(digits);
        if (v > Integer.MAX_VALUE) throw new IllegalArgumentException("\"" + text + "\": id " + v + " is too large");
        return (int) v;
    }

    /** "uid 999, gid 999" or "gid 999", for messages. */
    public String describe() {
        return (uid.isPresent() ? "uid " + uid.getAsInt() + ", " : "") + "gid " + gid;
    }
}
