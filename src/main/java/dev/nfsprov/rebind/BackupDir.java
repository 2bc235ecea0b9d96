package dev.nfsprov.rebind;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The originals of the claims rebind deletes, one YAML file each, durable (fsync of file and directory) before
 * anything is deleted: {@code NS__NAME.yaml} verbatim, for the record and for --restore, and {@code NS__NAME.apply.yaml}
 * without what the API server owns (uid, resourceVersion, status, the binding annotations), which
 * {@code kubectl apply -f} re-creates as it was. A directory with an IN-PROGRESS marker is an unfinished run: the
 * next run resumes it.
 */
public final class BackupDir implements Backups {

    static final String MARKER = "IN-PROGRESS";
    static final String PREFIX = "nfsprov-rebind-";

    private final Path dir;

    private BackupDir(Path dir) {
        this.dir = dir;
    }

    /** The run's name: the time in the directory's name (nfsprov-rebind-TIME), else the time now. */
    public static String runOf(BackupDir d) {
        String name = d.dir.getFileName() == null ? "" : d.dir.getFileName().toString();
        String run = name.startsWith(PREFIX) ? name.substring(PREFIX.length()) : "";
        // it names ConfigMaps and is a label value: lower-case letters, digits and dashes only
        return run.matches("[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?")
                ? run
                : LocalDateTime.now().format(STAMP);
    }

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    public Path path() {
        return dir;
    }

    /**
     * The given directory, else the newest unfinished one in cwd, else a new timestamped one (created only on first
     * save).
     */
    public static BackupDir choose(Path explicit, Path cwd) throws IOException {
        return choose(explicit, cwd, PREFIX);
    }

    /** The same for another command's backups (nfsprov-move-...). */
    public static BackupDir choose(Path explicit, Path cwd, String prefix) throws IOException {
        if (explicit != null) return new BackupDir(explicit);
        Optional<Path> unfinished;
        try (Stream<Path> s = Files.list(cwd)) {
            unfinished = s.filter(p -> p.getFileName().toString().startsWith(prefix) && Files.exists(p.resolve(MARKER)))
                    .max(Comparator.comparing(p -> p.getFileName().toString()));
        }
        return new BackupDir(
                unfinished.orElse(cwd.resolve(prefix + LocalDateTime.now().format(STAMP))));
    }

    @Override
    public String where() {
        return dir.toString();
    }

    @Override
    public boolean unfinished() {
        return Files.exists(dir.resolve(MARKER));
    }

    /** Writes the original durably; overwriting a backup of the same claim UID is harmless (same object). */
    @Override
    public void save(PersistentVolumeClaim original) throws IOException {
        Files.createDirectories(dir);
        if (!Files.exists(dir.resolve(MARKER))) {
            Files.writeString(
                    dir.resolve(MARKER),
                    "the command has not finished; run it again to resume (rebind: or --restore " + dir + ")\n");
        }
        String base = original.getMetadata().getNamespace() + "__"
                + original.getMetadata().getName();
        write(base + APPLY_SUFFIX, Serialization.asYaml(ClaimRewrite.rewrite(original, null, true)));
        write(base + ".yaml", Serialization.asYaml(original)); // last: its presence is what resume reads
    }

    /** Keeps a volume as it was before a move changed it (its reclaim policy). */
    public void save(io.fabric8.kubernetes.api.model.PersistentVolume original) throws IOException {
        Files.createDirectories(dir);
        write(original.getMetadata().getName() + VOLUME_SUFFIX, Serialization.asYaml(original));
    }

    static final String VOLUME_SUFFIX = ".pv.yaml";

    /** The re-appliable copy's suffix: originals() skips it. */
    static final String APPLY_SUFFIX = ".apply.yaml";

    private void write(String name, String content) throws IOException {
        Path tmp = dir.resolve("." + name + ".tmp");
        try (FileChannel ch = FileChannel.open(
                tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ch.write(StandardCharsets.UTF_8.encode(content));
            ch.force(true);
        }
        Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true); // the rename itself is durable
        }
    }

    @Override
    public List<PersistentVolumeClaim> originals() throws IOException {
        List<PersistentVolumeClaim> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) return out;
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(p -> p.getFileName().toString().endsWith(".yaml")
                            && !p.getFileName().toString().endsWith(APPLY_SUFFIX)
                            && !p.getFileName().toString().endsWith(VOLUME_SUFFIX)
                            && !p.getFileName().toString().startsWith("."))
                    .sorted()
                    .toList()) {
                out.add(Serialization.unmarshal(Files.readString(p), PersistentVolumeClaim.class));
            }
        }
        return out;
    }

    @Override
    public void finish() throws IOException {
        Files.deleteIfExists(dir.resolve(MARKER));
    }
}
