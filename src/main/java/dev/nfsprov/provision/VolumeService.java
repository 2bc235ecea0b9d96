package dev.nfsprov.provision;

import dev.nfsprov.pathtemplate.ClaimFacts;
import dev.nfsprov.pathtemplate.InvalidPathException;
import dev.nfsprov.pathtemplate.PathTemplate;
import dev.nfsprov.pathtemplate.RelativePath;
import dev.nfsprov.reclaim.OnDelete;
import dev.nfsprov.reclaim.Reclaimer;
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

    public static final String ANN_MODE = "k8s-sigs.io/nfs-directory-mode";
    public static final String ANN_UID = "k8s-sigs.io/nfs-directory-uid";
    public static final String ANN_GID = "k8s-sigs.io/nfs-directory-gid";

    /** A volume made on the share: where it is and what to do with it when its claim goes. */
    public record Volume(String nfsPath, OnDelete onDelete) {}

    /** Something wrong with the claim or its class: said once to the claim's owner, retried when either changes. */
    public static final class RejectedException extends Exception {
        public RejectedException(String message) {
            super(message);
        }
    }

    private final Share share;
    private final ShareLocation location;
    private final DirectorySettings defaults;
    private final Reclaimer reclaimer;
    private final Map<String, PathTemplate> templates = new ConcurrentHashMap<>();

    public VolumeService(Share share, ShareLocation location, DirectorySettings defaults) {
        this.share = share;
        this.location = location;
        this.defaults = defaults;
        this.reclaimer = new Reclaimer(share);
    }

    public ShareLocation location() {
        return location;
    }

    /** Checks a class's parameters without touching the share. */
    public PathTemplate template(Map<String, String> classParameters) throws RejectedException {
        String pattern = classParameters == null ? null : classParameters.get(PARAM_PATH_PATTERN);
        if (pattern == null) return PathTemplate.DEFAULT;
        try {
            return templates.computeIfAbsent(pattern, PathTemplate::parse);
        } catch (InvalidPathException e) {
            throw new RejectedException("StorageClass parameter " + e.getMessage());
        }
    }

    /** Every StorageClass parameter nfsprov reads; any other is a typo (or meant for another provisioner). */
    public static final java.util.List<String> PARAMETERS = java.util.List.of(
            PARAM_PATH_PATTERN, OnDelete.PARAM_ON_DELETE, OnDelete.PARAM_ARCHIVE_ON_DELETE, PARAM_EXISTING_DIRECTORY);

    public static void knownParameters(Map<String, String> classParameters) throws RejectedException {
        if (classParameters == null) return;
        for (String key : new java.util.TreeSet<>(classParameters.keySet())) {
            if (!PARAMETERS.contains(key)) {
                throw new RejectedException("StorageClass parameter \"" + key + "\" is not one nfsprov knows ("
                        + String.join(", ", PARAMETERS) + ")");
            }
        }
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
        knownParameters(classParameters);
        PathTemplate template = template(classParameters);
        OnDelete onDelete = onDelete(classParameters);
        existing(classParameters);
        DirectorySettings settings;
        RelativePath directory;
        try {
            Map<String, String> a = claim.annotations();
            settings = defaults.with(a.get(ANN_MODE), a.get(ANN_UID), a.get(ANN_GID), "annotation");
            directory = template.render(claim);
        } catch (IllegalArgumentException e) {
            throw new RejectedException(e.getMessage());
        }
        try {
            share.createVolume(directory, settings, claim.volumeName(), existing(classParameters));
        } catch (VolumeConflictException e) {
            throw new RejectedException(e.getMessage());
        }
        return new Volume(location.nfsPath(directory), onDelete);
    }

    /** Reclaims the directory behind a volume's nfs server and path; refuses one that is not on this share. */
    public Reclaimer.Outcome reclaim(String nfsServer, String nfsPath, OnDelete onDelete) throws ShareException {
        Optional<RelativePath> directory = location.directoryOf(nfsServer, nfsPath);
        if (directory.isEmpty()) {
            throw new ShareException(
                    "volume at " + nfsServer + ":" + nfsPath + " is not inside this provisioner's share "
                            + location.server() + ":" + location.exportPath() + "; leaving its data alone");
        }
        return reclaimer.reclaim(directory.get(), onDelete);
    }
}
