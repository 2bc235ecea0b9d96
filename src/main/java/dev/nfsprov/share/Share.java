package dev.nfsprov.share;

import dev.nfsprov.pathtemplate.RelativePath;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * The NFS share as mounted in the controller. Every path it hands out was walked component by component
 * without following symbolic links, so nothing a tenant plants in the share can redirect it outside.
 */
public final class Share {

    private final Path root;

    public Share(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** Fails with a message an administrator can act on unless the mount path is a writable directory. */
    public void checkUsable() throws ShareException {
        if (!Files.isDirectory(root)) {
            throw new ShareException("mount path " + root
                    + " is not a directory (is the NFS share mounted there? set --mount-path or NFS_MOUNT_PATH)");
        }
        if (!Files.isWritable(root)) {
            try {
                int uid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
                int owner = (Integer) Files.getAttribute(root, "unix:uid");
                int mode = (Integer) Files.getAttribute(root, "unix:mode");
                throw new ShareException(notWritable(root.toString(), uid, owner, mode));
            } catch (IOException | UnsupportedOperationException e) {
                throw new ShareException("mount path " + root + " is not writable");
            }
        }
    }

    /**
     * Why the share's root is not writable, and what to do. Root refused by an NFS server is root squash (the
     * default of most servers): the usual hint "not writable" sends administrators looking in the wrong place.
     */
    static String notWritable(String root, int uid, int owner, int mode) {
        String where = "mount path %s (owner uid %d, mode %04o)".formatted(root, owner, mode & 07777);
        if (uid == 0) {
            return where + " is not writable by root: the NFS export squashes root (root_squash, most servers'"
                    + " default). Export it with no_root_squash, or run the controller as uid " + owner
                    + " (podSecurityContext.runAsUser=" + owner + ", runAsGroup too), which writes as that uid"
                    + " but cannot give volumes other owners (NFS_DEFAULT_UID/GID, the uid/gid annotations)";
        }
        return where + " is not writable by uid " + uid + ": run the controller as uid " + owner
                + " (podSecurityContext.runAsUser), or make the exported directory writable by uid " + uid;
    }

    /** The share's size and the bytes available to the controller (statvfs of the mount). */
    public long[] space() throws ShareException {
        try {
            var store = Files.getFileStore(root);
            return new long[] {store.getTotalSpace(), store.getUsableSpace()};
        } catch (IOException e) {
            throw new ShareException("cannot measure the share: " + ShareException.describe(e), e);
        }
    }

    /** Files beside each volume (in its parent) that record which PersistentVolume the directory was made for. */
    public static final String MARKER_PREFIX = ".nfsprov.";

    /** Names nfsprov makes on the share (markers, probes, subtrees being deleted): never a volume's. */
    static final String RESERVED_PREFIX = ".nfsprov";

    /** What to do when the directory a claim's path renders to exists but was not made for its volume. */
    public enum Existing {
        /** Refuse: it may be another claim's data (the default). */
        REFUSE,
        /** Take it over, as nfs-subdir does: for classes whose pattern names a claim, not a volume, on purpose. */
        REUSE
    }

    /**
     * Creates the volume directory for {@code volume} (a PersistentVolume name), missing parents with mode 0755, and
     * applies mode and owner; every step through directory handles opened from the share root without following a
     * link (see {@link Dir}). A marker beside the directory records the volume, so a retry after a crash reuses the
     * directory (idempotent) while another claim whose path collides with it is refused, as is a path that runs
     * through another claim's volume, unless the class says {@link Existing#REUSE}.
     */
    public Made createVolume(RelativePath path, DirectorySettings settings, String volume, Existing existing)
            throws ShareException {
        return createVolume(path, settings, volume, existing, p -> null);
    }

    /**
     * The same, where {@code volumeAt} names the PersistentVolume whose directory a path is (null: none): a path
     * through another volume is refused even where that volume has no marker (nfs-subdir's, taken over).
     */
    public Made createVolume(
            RelativePath path,
            DirectorySettings settings,
            String volume,
            Existing existing,
            java.util.function.Function<RelativePath, String> volumeAt)
            throws ShareException {
        var segments = path.segments();
        for (int n = 1; n < segments.size(); n++) {
            String other = volumeAt.apply(new RelativePath(segments.subList(0, n)));
            if (other != null)
                throw new VolumeConflictException("cannot create " + path + ": " + segments.get(n - 1)
                        + " on the way is the volume " + other + " of another claim");
        }
        for (String segment : segments) {
            if (segment.startsWith(RESERVED_PREFIX) || digested(segment)) {
                throw new VolumeConflictException(path + ": a name starting with " + RESERVED_PREFIX + " or "
                        + DIGEST_MARK + " is reserved for nfsprov");
            }
        }
        Dir parent = null;
        try {
            parent = Dir.open(root);
            for (String segment : segments.subList(0, segments.size() - 1)) {
                // Never inside a volume or an archive, even under existingDirectory: reuse: its tenant writes there,
                // and could swap a directory on the way for a link while the controller reclaims.
                String owner = parent.readFile(marker(segment));
                if (owner != null) {
                    throw new VolumeConflictException("cannot create " + path + ": " + segment
                            + " on the way is the volume " + firstLine(owner) + " of another claim");
                }
                parent.mkdir(segment, 0755);
                Dir next = openDir(parent, segment, path);
                parent.close();
                parent = next;
            }
            boolean ownerRefused = createLeaf(parent, path, settings, volume, existing);
            return new Made(root.resolve(String.join("/", segments)), ownerRefused);
        } catch (Dir.ErrnoException e) {
            throw new ShareException("cannot create " + path + " on the share: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new ShareException("cannot create " + path + " on the share: " + ShareException.describe(e), e);
        } finally {
            if (parent != null) parent.close(); // the one handle still open: each is closed exactly once
        }
    }

    /**
     * A volume directory made (or found made by an earlier attempt); ownerRefused when the share refused the owner
     * asked for (root squash), so the directory has its mode but the controller's (squashed) owner.
     */
    public record Made(Path path, boolean ownerRefused) {}

    /**
     * The marker is written before the directory, so that a crash between the two leaves a marker naming this volume
     * (the retry makes the directory) and never a directory that no marker claims.
     */
    private static boolean createLeaf(
            Dir parent, RelativePath path, DirectorySettings settings, String volume, Existing existing)
            throws IOException, ShareException {
        String leaf = path.leaf();
        String marker = marker(leaf);
        // The directory is looked at before its marker: a maker writes the marker first, so whoever sees the
        // directory then sees the marker too (the other order once refused a volume being made at that moment).
        boolean exists = exists(parent, leaf);
        String owner = parent.readFile(marker);
        boolean ours = owner != null && owner.strip().equals(volume);
        if (exists && !ours && existing == Existing.REFUSE) {
            throw new VolumeConflictException(path + " already exists on the share and was not made for this claim ("
                    + (owner == null ? "nfsprov did not make it" : "it is the volume " + owner.strip())
                    + "); nothing was changed. Use another pathPattern, "
                    + "or set existingDirectory: reuse on the StorageClass "
                    + "to take existing directories over as nfs-subdir does");
        }
        if (!ours) {
            if (owner != null) parent.unlink(marker); // stale (its directory is gone) or taken over on purpose
            parent.createFile(marker, volume + "\n", 0644);
        }
        boolean made;
        try {
            made = parent.mkdir(leaf, 0700);
        } catch (Dir.ErrnoException e) {
            if (!exists) parent.unlink(marker); // a full or failing share: leave nothing behind
            throw e;
        }
        try (Dir dir = openDir(parent, leaf, path)) {
            dir.chmod(settings.mode()); // fchmod: all 12 bits, no umask, and never through a link
            if (settings.uid().isPresent() || settings.gid().isPresent()) {
                try {
                    dir.chown(settings.uid().orElse(-1), settings.gid().orElse(-1));
                } catch (Dir.ErrnoException e) {
                    if (!Dir.ownersRefused(e)) throw e;
                    return true; // root squash: the mode is the best the share allows; the caller says so
                }
            }
            return false;
        } catch (Dir.ErrnoException e) {
            if (made) parent.removeDir(leaf);
            throw e;
        }
    }

    /**
     * Gives an existing volume directory to {@code owner} with {@code mode}, on the directory itself only, never
     * through a link and never below it (the kubelet's fsGroupChangePolicy OnRootMismatch, done once). Where the
     * share refuses the owner (root squash) it sets {@code fallbackMode} instead and says so; idempotent.
     */
    public Given giveTo(RelativePath path, DirectoryOwner owner, int mode, int fallbackMode) throws ShareException {
        try (Dir dir = openExisting(path)) {
            // chmod first: setting setgid on a directory whose group is not ours needs CAP_FSETID, which the chart
            // does not grant; a chown keeps a directory's setgid bit (Linux clears it on files only).
            dir.chmod(mode);
            try {
                dir.chown(owner.uid().orElse(-1), owner.gid());
            } catch (Dir.ErrnoException e) {
                if (!Dir.ownersRefused(e)) throw e;
                dir.chmod(fallbackMode);
                return new Given(false, dir.attributes());
            }
            return new Given(true, dir.attributes());
        } catch (Dir.ErrnoException e) {
            throw new ShareException("cannot give " + path + " to " + owner.describe() + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new ShareException(
                    "cannot give " + path + " to " + owner.describe() + ": " + ShareException.describe(e), e);
        }
    }

    /** What {@link #giveTo} did: the owner was set (or refused), and the directory as it now is. */
    public record Given(boolean ownerSet, DirAttributes now) {}

    /** Measures a volume directory (see {@link TreeWalk}); throttle is called per entry read, and may sleep. */
    public Usage usage(RelativePath path, Throttle throttle) throws ShareException, InterruptedException {
        return usage(path, throttle, TreeWalk.DEFAULT_BUDGET);
    }

    /** The same, stopping (partial) after {@code budget} operations: entries read and directories re-opened. */
    public Usage usage(RelativePath path, Throttle throttle, long budget) throws ShareException, InterruptedException {
        try (Dir dir = openExisting(path)) {
            return TreeWalk.measure(dir.fd(), throttle, budget);
        } catch (IOException e) {
            throw new ShareException("cannot measure " + path + ": " + ShareException.describe(e), e);
        }
    }

    /** Owner, group and mode of an existing directory on the share, read without following a link. */
    public DirAttributes attributes(RelativePath path) throws ShareException {
        try (Dir dir = openExisting(path)) {
            return dir.attributes();
        } catch (IOException e) {
            throw new ShareException("cannot read " + path + ": " + ShareException.describe(e), e);
        }
    }

    /** Opens a directory of the share, each component without following a link. */
    private Dir openExisting(RelativePath path) throws IOException {
        return openDirs(path.segments());
    }

    /** The directory a path is in (the share's root for a top-level one). */
    private Dir openParent(RelativePath path) throws IOException {
        return openDirs(path.segments().subList(0, path.segments().size() - 1));
    }

    private Dir openDirs(java.util.List<String> segments) throws IOException {
        Dir dir = Dir.open(root);
        try {
            for (String segment : segments) {
                Dir next = dir.openDir(segment);
                dir.close();
                dir = next;
            }
            return dir;
        } catch (IOException | RuntimeException e) {
            dir.close();
            throw e;
        }
    }

    /**
     * What the share does to the controller's ids: a directory made in the share's root is looked at (its owner is
     * the squashed uid under root squash) and given away (refused under root squash, or when not running as root),
     * then removed.
     */
    public Identity probeIdentity() throws ShareException {
        String name = ".nfsprov-probe." + ProcessHandle.current().pid() + "." + System.nanoTime();
        try (Dir dir = Dir.open(root)) {
            if (!dir.mkdir(name, 0700)) throw new ShareException(name + " exists already");
            try (Dir probe = dir.openDir(name)) {
                var made = probe.attributes();
                boolean canChown = true;
                try {
                    probe.chown(made.uid() == 1 ? 2 : 1, -1);
                } catch (Dir.ErrnoException e) {
                    if (!Dir.ownersRefused(e)) throw e;
                    canChown = false;
                }
                int self = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
                return new Identity(self, made.uid(), made.gid(), canChown);
            } finally {
                dir.removeDir(name);
            }
        } catch (IOException e) {
            throw new ShareException("cannot probe the share's squashing: " + ShareException.describe(e), e);
        }
    }

    /** The controller's uid, the owner a directory it makes gets, and whether it may give directories away. */
    public record Identity(int self, int madeUid, int madeGid, boolean canChown) {
        /** Root in the controller is someone else on the share: root_squash or all_squash on the export. */
        public boolean rootSquashed() {
            return self == 0 && madeUid != 0;
        }

        /** One line for the log and /readyz; null when the share lets the controller set owners. */
        public String problem() {
            if (canChown) return null;
            if (rootSquashed())
                return "the share squashes root (directories made by the controller belong to uid " + madeUid
                        + "): volume owners cannot be set (NFS_DEFAULT_UID/GID, uid/gid annotations, ownership:"
                        + " consumer); directories get their mode only. Export the share with no_root_squash to"
                        + " set owners";
            return "the controller runs as uid " + self + " and cannot give directories to other owners; volume"
                    + " directories get their mode only";
        }
    }

    private static boolean exists(Dir parent, String name) throws Dir.ErrnoException {
        try (Dir ignored = parent.openDir(name)) {
            return true;
        } catch (Dir.ErrnoException e) {
            if (e.errno == Dir.ENOENT) return false;
            return true; // a file or a link of that name: it exists, and is not ours to use
        }
    }

    private static Dir openDir(Dir parent, String segment, RelativePath path)
            throws ShareException, Dir.ErrnoException {
        try {
            return parent.openDir(segment);
        } catch (Dir.ErrnoException e) {
            if (e.errno == Dir.ELOOP || e.errno == Dir.ENOTDIR) {
                throw new VolumeConflictException("cannot create " + path + ": " + segment
                        + " exists and is not a directory (or is a symbolic link); refusing to follow it");
            }
            throw e;
        }
    }

    /**
     * The marker's name for a volume directory named leaf (in the same parent directory). A leaf too long for the
     * prefix gets a SHA-256 of its bytes instead: two leaves cannot be made to share a marker (String.hashCode could:
     * "Aa" and "BB"). A leaf that is itself of the digested form ({@link #digested}) is refused where volumes are made.
     */
    public static String marker(String leaf) {
        String name = MARKER_PREFIX + leaf;
        if (name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= 255) return name;
        return MARKER_PREFIX + DIGEST_MARK + sha256(leaf);
    }

    private static final String DIGEST_MARK = "#sha256-";

    /** Whether a leaf reads like a digested marker's tail: kept for long leaves, never a volume's own name. */
    static boolean digested(String leaf) {
        return leaf.startsWith(DIGEST_MARK);
    }

    /** Hex SHA-256 of a string's UTF-8 bytes (names of long markers and archives). */
    public static String sha256(String s) {
        try {
            var d = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(d);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String firstLine(String marker) {
        String s = marker.strip();
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** Writes (or replaces) the marker beside an existing directory, e.g. an archive's record; never through a link. */
    public void writeMarker(RelativePath path, String content) throws ShareException {
        try (Dir parent = openParent(path)) {
            String marker = marker(path.leaf());
            parent.unlink(marker);
            parent.createFile(marker, content, 0644);
        } catch (IOException e) {
            throw new ShareException("cannot write the marker of " + path + ": " + ShareException.describe(e), e);
        }
    }

    /**
     * Writes the marker of an existing volume directory that has none (one nfs-subdir made, taken over), so that a
     * path through it is refused as through any other volume; never replaces one. True if written.
     */
    public boolean markIfUnmarked(RelativePath path, String volume) throws ShareException {
        try (Dir parent = openParent(path)) {
            var st = parent.stat(path.leaf());
            if (st == null || !st.isDirectory()) return false;
            return parent.createFile(marker(path.leaf()), volume + "\n", 0644);
        } catch (IOException e) {
            throw new ShareException("cannot write the marker of " + path + ": " + ShareException.describe(e), e);
        }
    }

    /** The marker beside a directory, or null if there is none. */
    public String readMarker(RelativePath path) throws ShareException {
        try (Dir parent = openParent(path)) {
            return parent.readFile(marker(path.leaf()));
        } catch (IOException e) {
            throw new ShareException("cannot read the marker of " + path + ": " + ShareException.describe(e), e);
        }
    }

    /** The share's root, for tools that list it (archives). */
    public Path root() {
        return root;
    }

    /** Removes the marker of a volume directory that was archived or deleted; gone already is fine. */
    public void forgetVolume(RelativePath path) throws ShareException {
        try (Dir parent = openParent(path)) {
            parent.unlink(marker(path.leaf())); // a link of that name is removed itself, never its target
        } catch (Dir.ErrnoException e) {
            if (e.errno == Dir.ENOENT) return; // the parent is gone: so is the marker
            throw new ShareException("cannot remove the marker of " + path + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new ShareException("cannot remove the marker of " + path + ": " + ShareException.describe(e), e);
        }
    }

    /** What a path on the share is, looked at through directory handles. */
    public enum Kind {
        ABSENT,
        DIRECTORY,
        /** a symbolic link: never followed, never a volume */
        LINK,
        /** a file, a fifo...: never a volume */
        OTHER
    }

    /**
     * What is at a path, every component opened without following a link; a link or file on the way is refused
     * (ShareException), a missing component is {@link Kind#ABSENT}.
     */
    public Kind kind(RelativePath path) throws ShareException {
        try (Dir parent = openParent(path)) {
            var st = parent.stat(path.leaf());
            if (st == null) return Kind.ABSENT;
            return st.isDirectory() ? Kind.DIRECTORY : st.isLink() ? Kind.LINK : Kind.OTHER;
        } catch (Dir.ErrnoException e) {
            if (e.errno == Dir.ENOENT) return Kind.ABSENT;
            throw onTheWay(path, e);
        } catch (IOException e) {
            throw new ShareException("cannot look at " + path + ": " + ShareException.describe(e), e);
        }
    }

    /** An entry of a directory on the share, as {@link #list} hands it out. */
    public record Entry(String name, boolean directory) {}

    /**
     * Streams the entries of a directory of the share (empty segments: its root), opened through handles, without
     * ever holding a listing: the visitor sees one entry at a time and returns false to stop. Names that are not
     * UTF-8 are passed over (no volume, archive or marker has one). Returns the entries read, at most {@code budget}.
     */
    public long list(java.util.List<String> segments, long budget, java.util.function.Predicate<Entry> visitor)
            throws ShareException {
        long read = 0;
        try (Dir dir = openDirs(segments);
                var arena = java.lang.foreign.Arena.ofConfined()) {
            var state = arena.allocate(Native.CAPTURE);
            var entries = new Entries(arena, state, dir.fd());
            var stat = arena.allocate(Native.STAT_SIZE, 8);
            var strict = java.nio.charset.StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT);
            while (read < budget && entries.next()) {
                read++;
                String name;
                try {
                    name = strict.decode(java.nio.ByteBuffer.wrap(entries.nameBytes()))
                            .toString();
                } catch (java.nio.charset.CharacterCodingException notUtf8) {
                    continue;
                }
                int type = entries.type();
                boolean directory;
                if (type != Entries.DT_UNKNOWN) directory = type == Entries.DT_DIR;
                else if (Native.stat(state, dir.fd(), entries.name(), stat) == 0)
                    directory = (Native.mode(stat) & Native.S_IFMT) == Native.S_IFDIR;
                else continue; // gone since it was listed
                if (!visitor.test(new Entry(name, directory))) break;
            }
            return read;
        } catch (IOException e) {
            String where = segments.isEmpty() ? "the share" : String.join("/", segments);
            throw new ShareException("cannot list " + where + ": " + ShareException.describe(e), e);
        }
    }

    /**
     * Copies the contents of a directory of this share into an existing directory of {@code target} (this share or
     * another), through descriptors only (see {@link TreeCopy}); returns the source's count. Run again over a partial
     * copy, it finishes it.
     */
    public TreeCount copyTree(RelativePath from, Share target, RelativePath to) throws ShareException {
        try (Dir src = openExisting(from);
                Dir dst = target.openExisting(to)) {
            return TreeCopy.copy(src.fd(), dst.fd());
        } catch (TreeCopy.TooLarge e) {
            throw new TreeTooLargeException("cannot copy " + from + ": " + e.getMessage());
        } catch (IOException e) {
            throw new ShareException("cannot copy " + from + " to " + to + ": " + ShareException.describe(e), e);
        }
    }

    /**
     * Makes a directory of nfsprov's own (reserved names allowed: this is not a volume) and its missing parents, each
     * through its parent's handle, never through a link; true if the leaf was made now.
     */
    public boolean makeDirectories(RelativePath path, int mode) throws ShareException {
        Dir dir = null;
        try {
            dir = Dir.open(root);
            boolean made = false;
            for (String segment : path.segments()) {
                made = dir.mkdir(segment, mode);
                Dir next = dir.openDir(segment);
                dir.close();
                dir = next;
            }
            return made;
        } catch (Dir.ErrnoException e) {
            throw onTheWay(path, e);
        } catch (IOException e) {
            throw new ShareException("cannot create " + path + ": " + ShareException.describe(e), e);
        } finally {
            if (dir != null) dir.close();
        }
    }

    /** What is below a directory of the share, counted as {@link #copyTree} counts it. */
    public TreeCount countTree(RelativePath dir) throws ShareException {
        try (Dir d = openExisting(dir)) {
            return TreeCopy.count(d.fd());
        } catch (IOException e) {
            throw new ShareException("cannot count " + dir + ": " + ShareException.describe(e), e);
        }
    }

    /** What {@link #rename} did. */
    public enum Renamed {
        DONE,
        /** something of the new name exists: nothing was renamed */
        TAKEN,
        /** nothing of the old name exists */
        GONE
    }

    /**
     * Renames a directory to another name in the same parent, never over anything (an archive, a restore), through
     * the parent's handle: a link swapped in on the way is refused, not followed. The parent is a directory nfsprov
     * made (tenants write only inside volumes), so nothing can appear between the look and the rename.
     */
    public Renamed rename(RelativePath from, String toLeaf) throws ShareException {
        try (Dir parent = openParent(from)) {
            if (parent.stat(toLeaf) != null) return Renamed.TAKEN;
            var st = parent.stat(from.leaf());
            if (st == null) return Renamed.GONE;
            if (!st.isDirectory())
                throw new ShareException(from + " on the share is not a directory; leaving it alone");
            try {
                parent.rename(from.leaf(), toLeaf);
            } catch (Dir.ErrnoException e) {
                if (e.errno == Dir.EEXIST || e.errno == Dir.ENOTEMPTY) return Renamed.TAKEN;
                if (e.errno == Dir.ENOENT) return Renamed.GONE;
                throw e;
            }
            return Renamed.DONE;
        } catch (Dir.ErrnoException e) {
            if (e.errno == Dir.ENOENT) return Renamed.GONE;
            throw onTheWay(from, e);
        } catch (IOException e) {
            throw new ShareException("cannot rename " + from + ": " + ShareException.describe(e), e);
        }
    }

    /**
     * Deletes a directory and everything below it (see {@link TreeDelete}), relative to its parent's handle; false if
     * it was already gone. A file or link of that name is refused: a volume is a directory.
     */
    public boolean deleteTree(RelativePath path) throws ShareException {
        try (Dir parent = openParent(path)) {
            var st = parent.stat(path.leaf());
            if (st == null) return false;
            if (!st.isDirectory())
                throw new ShareException(path + " on the share is not a directory; leaving it alone");
            return TreeDelete.delete(parent, path.leaf());
        } catch (Dir.ErrnoException e) {
            if (e.errno == Dir.ENOENT) return false;
            throw onTheWay(path, e);
        } catch (IOException e) {
            throw new ShareException("cannot delete " + path + ": " + ShareException.describe(e), e);
        }
    }

    private static ShareException notADirectory(RelativePath path, Native.Stat st) {
        return new ShareException(path + " on the share is "
                + (st.isLink() ? "a symbolic link; refusing to follow it" : "not a directory; leaving it alone"));
    }

    private static ShareException onTheWay(RelativePath path, Dir.ErrnoException e) {
        if (e.errno == Dir.ELOOP || e.errno == Dir.ENOTDIR)
            return new ShareException(
                    path + " goes through a symbolic link or a file on the way (" + e.getMessage()
                            + "); refusing to follow it",
                    e);
        return new ShareException(path + ": " + e.getMessage(), e);
    }

    /**
     * Resolves an existing path, refusing one that leaves the share through a symbolic link anywhere on the way.
     * Returns null if some component does not exist. Only for reading (a path can change after it is resolved):
     * every change on the share goes through directory handles.
     */
    public Path existing(RelativePath path) throws ShareException {
        Path current = root;
        for (String segment : path.segments()) {
            current = current.resolve(segment);
            if (Files.isSymbolicLink(current)) {
                throw new ShareException(path + " goes through the symbolic link " + root.relativize(current)
                        + "; refusing to follow it");
            }
            if (!Files.exists(current, LinkOption.NOFOLLOW_LINKS)) return null;
        }
        return current;
    }
}
