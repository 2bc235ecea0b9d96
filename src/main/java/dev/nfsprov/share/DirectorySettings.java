package dev.nfsprov.share;

import java.util.OptionalInt;

/**
 * Mode and owner of a new volume directory. Parsed from NFS_DEFAULT_* settings and the
 * k8s-sigs.io/nfs-directory-* annotations; the messages of {@link IllegalArgumentException} name the bad value.
 */
public record DirectorySettings(int mode, OptionalInt uid, OptionalInt gid) {

    /** nfs-subdir makes every volume world-writable, so any pod user can write; kept as the default. */
    public static final DirectorySettings DEFAULT =
            new DirectorySettings(0777, OptionalInt.empty(), OptionalInt.empty());

    public DirectorySettings {
        if (mode < 0 || mode > 07777)
            throw new IllegalArgumentException("mode " + Integer.toOctalString(mode) + " is not a file mode");
    }

    /** Returns these settings with any non-null override applied; each override is validated on its own. */
    public DirectorySettings with(String modeText, String uidText, String gidText, String source) {
        int m = modeText == null ? mode : parseMode(modeText, source);
        OptionalInt u = uidText == null ? uid : OptionalInt.of(parseId(uidText, source, "uid"));
        OptionalInt g = gidText == null ? gid : OptionalInt.of(parseId(gidText, source, "gid"));
        return new DirectorySettings(m, u, g);
    }

    public static int parseMode(String text, String source) {
        String t = text.strip();
        if (!t.matches("0?[0-7]{3,4}")) {
            throw new IllegalArgumentException(
                    source + " mode \"" + text + "\" is not an octal file mode such as 0777 or 0750");
        }
        return Integer.parseInt(t, 8);
    }

    public static int parseId(String text, String source, String what) {
        String t = text.strip();
        if (!t.matches("[0-9]{1,10}") || Long.parseLong(t) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                    source + " " + what + " \"" + text + "\" is not a numeric id between 0 and " + Integer.MAX_VALUE);
        }
        return Integer.parseInt(t);
    }
}
