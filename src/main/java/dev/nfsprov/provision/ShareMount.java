package dev.nfsprov.provision;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One share the controller serves: its name (what a StorageClass's {@code share} parameter says), where NFS clients
 * find it, and where it is mounted in this process.
 */
public record ShareMount(String name, ShareLocation location, Path mountPath) {

    /** The share given by NFS_SERVER / NFS_PATH, which classes without a share parameter use. */
    public static final String DEFAULT = "default";

    /** Where --share mounts a share without mount=: the chart mounts share NAME at /shares/NAME. */
    public static final Path MOUNT_ROOT = Path.of("/shares");

    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    public ShareMount {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("share name \"" + name
                    + "\" is not valid: lower-case letters, digits and '-', at most 63, as a Kubernetes name");
        }
        mountPath = mountPath.toAbsolutePath().normalize();
    }

    /**
     * Parses {@code name=fast,server=10.1.1.1,path=/export/fast[,mount=/shares/fast]}, the form of --share and of
     * the chart's shares list.
     */
    public static ShareMount parse(String spec) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String part : spec.split(",")) {
            int eq = part.indexOf('=');
            String key = eq < 0 ? part.strip() : part.substring(0, eq).strip();
            if (eq < 0 || !java.util.List.of("name", "server", "path", "mount").contains(key)) {
                throw new IllegalArgumentException("--share \"" + spec
                        + "\" is not name=NAME,server=SERVER,path=/PATH[,mount=/DIR]: \"" + part.strip() + "\"");
            }
            if (fields.put(key, part.substring(eq + 1).strip()) != null)
                throw new IllegalArgumentException("--share \"" + spec + "\" gives " + key + " twice");
        }
        for (String key : new String[] {"name", "server", "path"}) {
            if (!fields.containsKey(key) || fields.get(key).isEmpty())
                throw new IllegalArgumentException("--share \"" + spec + "\" has no " + key + "=");
        }
        String name = fields.get("name");
        String mount = fields.get("mount");
        return new ShareMount(
                name,
                new ShareLocation(fields.get("server"), fields.get("path")),
                mount == null || mount.isEmpty() ? MOUNT_ROOT.resolve(name) : Path.of(mount));
    }

    /** As the share is written in logs and metric labels: server:path. */
    public String where() {
        return location.server() + ":" + location.exportPath();
    }
}
