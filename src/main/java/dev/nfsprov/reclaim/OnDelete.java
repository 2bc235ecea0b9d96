package dev.nfsprov.reclaim;

import java.util.Locale;
import java.util.Map;

/** What happens to a volume's directory when its claim is gone: nfs-subdir's onDelete / archiveOnDelete parameters. */
public enum OnDelete {
    ARCHIVE,
    DELETE,
    RETAIN;

    public static final String PARAM_ON_DELETE = "onDelete";
    public static final String PARAM_ARCHIVE_ON_DELETE = "archiveOnDelete";

    /**
     * onDelete wins when set (delete | retain | archive); else archiveOnDelete (default true: archive),
     * as in nfs-subdir. Unlike nfs-subdir an unknown value is an error rather than a silent archive or delete.
     */
    public static OnDelete fromParameters(Map<String, String> parameters) {
        Map<String, String> p = parameters == null ? Map.of() : parameters;
        String onDelete = p.get(PARAM_ON_DELETE);
        if (onDelete != null && !onDelete.isBlank()) {
            return switch (onDelete.strip().toLowerCase(Locale.ROOT)) {
                case "delete" -> DELETE;
                case "retain" -> RETAIN;
                case "archive" -> ARCHIVE;
                default ->
                    throw new IllegalArgumentException("StorageClass parameter onDelete=\"" + onDelete
                            + "\" is not one of delete, retain, archive");
            };
        }
        String archive = p.get(PARAM_ARCHIVE_ON_DELETE);
        if (archive == null || archive.isBlank()) return ARCHIVE;
        return switch (archive.strip().toLowerCase(Locale.ROOT)) {
            case "true", "1", "t", "yes" -> ARCHIVE;
            case "false", "0", "f", "no" -> DELETE;
            default ->
                throw new IllegalArgumentException(
                        "StorageClass parameter archiveOnDelete=\"" + archive + "\" is not true or false");
        };
    }

    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }
}
