package dev.nfsprov.provision;

import dev.nfsprov.pathtemplate.ClaimFacts;
import dev.nfsprov.pathtemplate.InvalidPathException;
import dev.nfsprov.pathtemplate.PathTemplate;
import dev.nfsprov.pathtemplate.RelativePath;
import dev.nfsprov.reclaim.OnDelete;
import dev.nfsprov.reclaim.Reclaimer;
import dev.nfsprov.share.DirectoryOwner;
import dev.nfsprov.share.DirectorySettings;
import dev.nfsprov.share.Share;
import dev.nfsprov.share.ShareException;
import dev.nfsprov.share.VolumeConflictException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The provisioner's storage logic, in plain values: from a claim's facts and its class's parameters to a
 * directory on the share, and from a volume's nfs path back to archiving, deleting or keeping it.
 */
public final class VolumeService {

    public static final String PARAM_PATH_PATTERN = "pathPattern";
    /** refuse (default) or reuse: what to do with a directory that exists but was not made for the new volume. */
    public static final String PARAM_EXISTING_DIRECTORY = "existingDirectory";
    /** "true" lets label and annotation values with "/" make sub-folders (default: refused). */
    public static final String PARAM_NESTED_VALUES = "nestedValues";
    /** What the claim annotations may set: off, mode (default: permission bits), owner (+ uid/gid), any. */
    public static final String PARAM_DIRECTORY_ANNOTATIONS = "directoryAnnotations";
    /** For directoryAnnotations: owner, the uids and gids a claim may choose: "MIN-MAX", default 1-2147483647. */
    public static final String PARAM_DIRECTORY_ID_RANGE = "directoryIdRange";

    /** static (default: NFS_DEFAULT_* and the annotations) or consumer (given to the first Pod that uses it). */
    public static final String PARAM_OWNERSHIP = "ownership";

    /** How far a claim's annotations may set its directory's mode and owner. */
    enum AnnotationPolicy {
        OFF,
        MODE,
        OWNER,
        ANY
    }

    public static final String ANN_MODE = "k8s-sigs.io/nfs-directory-mode";
    public static final String ANN_UID = "k8s-sigs.io/nfs-directory-uid";
    public static final String ANN_GID = "k8s-sigs.io/nfs-directory-gid";

    /** A volume made on the share: where it is and what to do with it when its claim goes. */
    public record Volume(
            String nfsServer, String nfsPath, OnDelete onDelete, boolean consumerOwned, boolean ownerRefused) {}

    /** Something wrong with the claim or its class: said once to the claim's owner, retried when either changes. */
    public static class RejectedException extends Exception {
        public RejectedException(String message) {
            super(message);
        }
    }

    private final Share share;
    private final ShareLocation location;
    private final DirectorySettings defaults;
    private final Reclaimer reclaimer;
    private final Snapshots snapshots;
    private final Map<String, PathTemplate> templates = new ConcurrentHashMap<>();

    public VolumeService(Share share, ShareLocation location, DirectorySettings defaults) {
        this.share = share;
        this.location = location;
        this.defaults = defaults;
        this.reclaimer = new Reclaimer(share);
        this.snapshots = new Snapshots(share);
    }

    public ShareLocation location() {
        return location;
    }

    /** Checks a class's parameters without touching the share. */
    public PathTemplate template(Map<String, String> classParameters) throws RejectedException {
        String pattern = classParameters == null ? null : classParameters.get(PARAM_PATH_PATTERN);
        if (pattern == null || pattern.isBlank()) return PathTemplate.DEFAULT; // blank: unset, as nfs-subdir's master
        try {
            return templates.computeIfAbsent(pattern, PathTemplate::parse);
        } catch (InvalidPathException e) {
            throw new RejectedException("StorageClass parameter " + e.getMessage());
        }
    }

    /**
     * Tenants choose their claims' annotations: by default they may set permission bits only, never setuid, setgid
     * or sticky bits, and never an owner (uid 0, or another tenant's ids); the class may allow more, or nothing.
     */
    static void checkAnnotations(Map<String, String> a, Map<String, String> classParameters) throws RejectedException {
        boolean mode = a.containsKey(ANN_MODE);
        boolean owner = a.containsKey(ANN_UID) || a.containsKey(ANN_GID);
        if (!mode && !owner) return;
        AnnotationPolicy policy = annotationPolicy(classParameters);
        if (policy == AnnotationPolicy.ANY) return;
        String allow = "an administrator can allow it with the StorageClass parameter " + PARAM_DIRECTORY_ANNOTATIONS;
        if (policy == AnnotationPolicy.OFF) {
            throw new RejectedException("the StorageClass does not let claims set their directory's mode or owner ("
                    + (mode ? ANN_MODE : a.containsKey(ANN_UID) ? ANN_UID : ANN_GID) + "); " + allow + ": mode");
        }
        if (owner && policy == AnnotationPolicy.MODE) {
            throw new RejectedException("the StorageClass does not let claims choose their directory's owner ("
                    + (a.containsKey(ANN_UID) ? ANN_UID : ANN_GID) + "); " + allow + ": owner");
        }
        if (mode) {
            int m = DirectorySettings.parseMode(a.get(ANN_MODE), "annotation " + ANN_MODE);
            int allowed = policy == AnnotationPolicy.OWNER ? 02777 : 0777;
            if ((m & ~allowed) != 0) {
                throw new RejectedException("annotation " + ANN_MODE + " \"" + a.get(ANN_MODE) + "\" sets "
                        + ((m & 04000) != 0 ? "the setuid bit" : (m & 02000) != 0 ? "the setgid bit" : "the sticky bit")
                        + "; this StorageClass allows "
                        + (allowed == 0777 ? "permission bits (0000-0777)" : "permission bits and setgid")
                        + " only");
            }
        }
        if (owner) {
            long[] range = idRange(classParameters);
            for (String key : new String[] {ANN_UID, ANN_GID}) {
                if (!a.containsKey(key)) continue;
                int id =
                        DirectorySettings.parseId(a.get(key), "annotation " + key, key.endsWith("uid") ? "uid" : "gid");
                if (id < range[0] || id > range[1]) {
                    throw new RejectedException("annotation " + key + " \"" + a.get(key) + "\" is outside the ids this "
                            + "StorageClass allows (" + PARAM_DIRECTORY_ID_RANGE + " " + range[0] + "-" + range[1]
                            + ")");
                }
            }
        }
    }

    static AnnotationPolicy annotationPolicy(Map<String, String> classParameters) throws RejectedException {
        String v = classParameters == null ? null : classParameters.get(PARAM_DIRECTORY_ANNOTATIONS);
        if (v == null || v.isBlank()) return AnnotationPolicy.MODE;
        try {
            return AnnotationPolicy.valueOf(v.strip().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new RejectedException("StorageClass parameter " + PARAM_DIRECTORY_ANNOTATIONS + "=\"" + v
                    + "\" is not one of off, mode, owner, any");
        }
    }

    /** directoryIdRange: the ids a directory may be given, by annotation (owner) or to its consumer. */
    public static long[] idRange(Map<String, String> classParameters) throws RejectedException {
        String v = classParameters == null ? null : classParameters.get(PARAM_DIRECTORY_ID_RANGE);
        if (v == null || v.isBlank()) return new long[] {1, Integer.MAX_VALUE};
        var m = java.util.regex.Pattern.compile("\\s*([0-9]{1,10})\\s*-\\s*([0-9]{1,10})\\s*")
                .matcher(v);
        if (!m.matches() || Long.parseLong(m.group(1)) > Long.parseLong(m.group(2))) {
            throw new RejectedException("StorageClass parameter " + PARAM_DIRECTORY_ID_RANGE + "=\"" + v
                    + "\" is not a range such as 1000-65535");
        }
        return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
    }

    public static boolean nestedValues(Map<String, String> classParameters) throws RejectedException {
        String v = classParameters == null ? null : classParameters.get(PARAM_NESTED_VALUES);
        if (v == null || v.isBlank() || v.strip().equalsIgnoreCase("false")) return false;
        if (v.strip().equalsIgnoreCase("true")) return true;
        throw new RejectedException(
                "StorageClass parameter " + PARAM_NESTED_VALUES + "=\"" + v + "\" is not true or false");
    }

    /** Whether the class gives each volume to the first Pod that uses it. */
    public static boolean consumerOwnership(Map<String, String> classParameters) throws RejectedException {
        String v = classParameters == null ? null : classParameters.get(PARAM_OWNERSHIP);
        if (v == null || v.isBlank() || v.strip().equalsIgnoreCase("static")) return false;
        if (v.strip().equalsIgnoreCase("consumer")) return true;
        throw new RejectedException(
                "StorageClass parameter " + PARAM_OWNERSHIP + "=\"" + v + "\" is not static or consumer");
    }

    static Share.Existing existing(Map<String, String> classParameters) throws RejectedException {
        String v = classParameters == null ? null : classParameters.get(PARAM_EXISTING_DIRECTORY);
        if (v == null || v.isBlank() || v.strip().equalsIgnoreCase("refuse")) return Share.Existing.REFUSE;
        if (v.strip().equalsIgnoreCase("reuse")) return Share.Existing.REUSE;
        throw new RejectedException(
                "StorageClass parameter " + PARAM_EXISTING_DIRECTORY + "=\"" + v + "\" is not refuse or reuse");
    }

    public static OnDelete onDelete(Map<String, String> classParameters) throws RejectedException {
        try {
            return OnDelete.fromParameters(classParameters);
        } catch (IllegalArgumentException e) {
            throw new RejectedException(e.getMessage());
        }
    }

    /**
     * Validates everything first, then creates the directory. Idempotent: called again for the same claim it
     * returns the same volume and leaves the data in place.
     */
    public Volume provision(ClaimFacts claim, Map<String, String> classParameters)
            throws RejectedException, ShareException {
        return provision(claim, classParameters, p -> null);
    }

    /** The same, with the PersistentVolumes known by directory (see Share.createVolume): none is nested into. */
    public Volume provision(
            ClaimFacts claim,
            Map<String, String> classParameters,
            java.util.function.Function<RelativePath, String> volumeAt)
            throws RejectedException, ShareException {
        ClassParameters.check(classParameters);
        annotationPolicy(classParameters);
        idRange(classParameters);
        nestedValues(classParameters);
        PathTemplate template = template(classParameters);
        OnDelete onDelete = onDelete(classParameters);
        existing(classParameters);
        Capacity.policy(classParameters);
        Capacity.overcommit(classParameters);
        try {
            dev.nfsprov.reclaim.Retention.retention(classParameters);
            dev.nfsprov.reclaim.Retention.maxBytes(classParameters);
            dev.nfsprov.reclaim.Retention.duration(classParameters, Snapshots.PARAM_RETENTION);
        } catch (IllegalArgumentException e) {
            throw new RejectedException(e.getMessage());
        }
        boolean consumer = consumerOwnership(classParameters);
        DirectorySettings settings;
        RelativePath directory;
        try {
            Map<String, String> a = claim.annotations();
            if (consumer) {
                for (String key : new String[] {ANN_MODE, ANN_UID, ANN_GID}) {
                    if (a.containsKey(key))
                        throw new RejectedException("the StorageClass gives each volume to the Pod that first uses it"
                                + " (ownership: consumer), so the annotation " + key + " cannot set it; remove it");
                }
                settings = new DirectorySettings(
                        DirectoryOwner.WAITING_MODE, java.util.OptionalInt.empty(), java.util.OptionalInt.empty());
            } else {
                checkAnnotations(a, classParameters);
                settings = defaults.with(a.get(ANN_MODE), a.get(ANN_UID), a.get(ANN_GID), "annotation");
            }
        } catch (IllegalArgumentException e) {
            throw new RejectedException(e.getMessage());
        }
        directory = directory(claim, classParameters);
        Share.Made made;
        try {
            made = share.createVolume(directory, settings, claim.volumeName(), existing(classParameters), volumeAt);
        } catch (VolumeConflictException e) {
            throw new RejectedException(e.getMessage());
        }
        return new Volume(location.server(), location.nfsPath(directory), onDelete, consumer, made.ownerRefused());
    }

    /** Where a claim's directory goes on the share: its class's pathPattern rendered for the claim. */
    private RelativePath directory(ClaimFacts claim, Map<String, String> classParameters) throws RejectedException {
        try {
            return template(classParameters).render(claim, nestedValues(classParameters));
        } catch (IllegalArgumentException e) {
            throw new RejectedException(e.getMessage());
        }
    }

    /** A volume made as a copy, what was copied, and how long the copy itself took. */
    public record Cloned(Volume volume, dev.nfsprov.share.TreeCount copied, long copyNanos) {}

    /**
     * A volume whose directory holds a copy of {@code source}, a directory of {@code from} (this share or another: a
     * volume for a clone, a snapshot's copy for a restore), made as {@link #provision} makes it, then filled through
     * directory handles ({@link Share#copyTree}: links as links, modes, owners, times, holes, hard links). The caller
     * makes the PersistentVolume only after this returns, so no half copy is ever bound; a directory of this volume
     * found here is an interrupted copy (its volume does not exist yet) and is deleted and copied again, never
     * finished over a source that changed in between. Refused for existingDirectory: reuse, where that directory
     * may be someone's data taken over.
     */
    public Cloned provisionClone(
            ClaimFacts claim,
            Map<String, String> classParameters,
            java.util.function.Function<RelativePath, String> volumeAt,
            Share from,
            RelativePath source)
            throws RejectedException, ShareException {
        if (existing(classParameters) == Share.Existing.REUSE) {
            throw new RejectedException("the StorageClass takes existing directories over (existingDirectory: reuse),"
                    + " so a copy could land in data that is already there; copy into a class without it");
        }
        RelativePath directory = directory(claim, classParameters);
        String marker = share.kind(directory) == Share.Kind.DIRECTORY ? share.readMarker(directory) : null;
        if (marker != null && marker.strip().equals(claim.volumeName())) share.deleteTree(directory);
        Volume volume = provision(claim, classParameters, volumeAt);
        long start = System.nanoTime();
        dev.nfsprov.share.TreeCount copied;
        try {
            copied = from.copyTree(source, share, directory);
        } catch (dev.nfsprov.share.TreeTooLargeException e) {
            share.deleteTree(directory); // half a copy, of this volume alone: nothing of it kept
            share.forgetVolume(directory);
            throw new RejectedException(e.getMessage() + "; nothing of the copy is kept");
        }
        return new Cloned(volume, copied, System.nanoTime() - start);
    }

    /** The volume directory behind an nfs server and path of this share, or why it is none. */
    public RelativePath volumeDirectory(String nfsServer, String nfsPath) throws RejectedException {
        return location.directoryOf(nfsServer, nfsPath)
                .filter(d -> !d.segments().isEmpty())
                .orElseThrow(() -> new RejectedException("the volume at " + nfsServer + ":" + nfsPath
                        + " is not a volume directory of share " + location.server() + ":" + location.exportPath()));
    }

    /** The point-in-time copies kept on this share. */
    public Snapshots snapshots() {
        return snapshots;
    }

    /**
     * Gives a consumer-owned volume's directory to its first consumer: mode 2770, or 0777 where the share refuses
     * owners (the workload must be able to write). Idempotent.
     */
    public Share.Given giveTo(String nfsServer, String nfsPath, DirectoryOwner owner) throws ShareException {
        Optional<RelativePath> directory = location.directoryOf(nfsServer, nfsPath);
        if (directory.isEmpty()) {
            throw new ShareException("volume at " + nfsServer + ":" + nfsPath + " is not inside this provisioner's"
                    + " share; its owner is left alone");
        }
        return share.giveTo(directory.get(), owner, DirectoryOwner.GIVEN_MODE, DirectoryOwner.SQUASHED_MODE);
    }

    public Share share() {
        return share;
    }

    /** Deletes an archive for retention (see {@link Reclaimer#deleteArchive}). */
    public Reclaimer.Outcome deleteArchive(RelativePath archive) throws ShareException {
        return reclaimer.deleteArchive(archive);
    }

    /** Reclaims the directory behind a volume's nfs server and path; refuses one that is not on this share. */
    public Reclaimer.Outcome reclaim(String nfsServer, String nfsPath, OnDelete onDelete) throws ShareException {
        return reclaim(nfsServer, nfsPath, onDelete, null);
    }

    /** The same, recording where an archive came from beside it. */
    public Reclaimer.Outcome reclaim(
            String nfsServer, String nfsPath, OnDelete onDelete, dev.nfsprov.reclaim.ArchiveRecord record)
            throws ShareException {
        Optional<RelativePath> directory = location.directoryOf(nfsServer, nfsPath);
        if (directory.isEmpty()) {
            throw new ShareException(
                    "volume at " + nfsServer + ":" + nfsPath + " is not inside this provisioner's share "
                            + location.server() + ":" + location.exportPath() + "; leaving its data alone");
        }
        return reclaimer.reclaim(directory.get(), onDelete, record);
    }
}
