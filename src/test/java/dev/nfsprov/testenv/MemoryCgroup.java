package dev.nfsprov.testenv;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A memory cgroup of its own with a limit, as a container runtime makes one for a Pod (cgroup v1 or v2): what runs
 * in it is charged for its anonymous memory and for the file pages it reads, and the kernel reclaims or kills at the
 * limit. The launcher sizes the heap from this limit, as in the image.
 */
public final class MemoryCgroup implements AutoCloseable {
    private static final Path ROOT = Path.of("/sys/fs/cgroup");
    private static final AtomicInteger COUNT = new AtomicInteger();

    private final Path dir;
    private final boolean v2;

    private MemoryCgroup(Path dir, boolean v2) {
        this.dir = dir;
        this.v2 = v2;
    }

    /**
     * A new cgroup limited to {@code bytes} (negative: not limited); fails with what is missing where this machine
     * cannot make one.
     */
    public static MemoryCgroup create(long bytes) {
        boolean v2 = Files.exists(ROOT.resolve("cgroup.controllers"));
        Path parent = v2 ? ROOT : ROOT.resolve("memory");
        if (!Files.isWritable(parent))
            throw new IllegalStateException("a memory cgroup needs the cgroup memory controller mounted at " + parent
                    + " (cgroup v1) or " + ROOT + " (v2), and root");
        Path dir = parent.resolve("nfsprov-test-" + ProcessHandle.current().pid() + "-" + COUNT.incrementAndGet());
        try {
            if (v2) Files.writeString(ROOT.resolve("cgroup.subtree_control"), "+memory");
            Files.createDirectory(dir);
            String limit = bytes >= 0 ? Long.toString(bytes) : v2 ? "max" : "-1";
            Files.writeString(dir.resolve(v2 ? "memory.max" : "memory.limit_in_bytes"), limit);
        } catch (IOException e) {
            throw new IllegalStateException("cannot make a memory cgroup in " + parent + ": " + e.getMessage(), e);
        }
        return new MemoryCgroup(dir, v2);
    }

    /** The command that moves itself into this cgroup, then runs {@code command} (the same process, by exec). */
    public List<String> wrap(List<String> command) {
        var out = new ArrayList<>(List.of(
                "sh",
                "-c",
                "echo $$ > \"$0\" && exec \"$@\"",
                dir.resolve("cgroup.procs").toString()));
        out.addAll(command);
        return out;
    }

    /**
     * Drops every file under {@code tree} from the page cache (GNU dd's nocache), so that this cgroup is charged for
     * the pages its process reads of them, as a Pod on a fresh node is for its image's files; left cached by the
     * build, they would be charged to no one here.
     */
    public static void evictFromPageCache(Path tree) throws IOException {
        try (var files = Files.walk(tree)) {
            for (Path f : files.filter(Files::isRegularFile).toList())
                Commands.runOrFail(
                        Map.of(),
                        List.of("dd", "if=" + f, "iflag=nocache", "count=0", "status=none"),
                        "cannot drop " + f + " from the page cache");
        }
    }

    /** Processes the kernel's out-of-memory killer has killed in this cgroup. */
    public long oomKills() {
        return stat(v2 ? "memory.events" : "memory.oom_control", "oom_kill");
    }

    /** Anonymous memory charged now (heap, class data, code, stacks: what the kernel cannot drop), in bytes. */
    public long anonymousBytes() {
        return stat("memory.stat", v2 ? "anon" : "rss");
    }

    private long stat(String file, String key) {
        try {
            for (String line : Files.readAllLines(dir.resolve(file))) {
                String[] kv = line.split(" ");
                if (kv.length == 2 && kv[0].equals(key)) return Long.parseLong(kv[1]);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + dir.resolve(file) + ": " + e.getMessage(), e);
        }
        throw new IllegalStateException(dir.resolve(file) + " has no " + key);
    }

    /** Removes the cgroup once what ran in it has exited. */
    @Override
    public void close() {
        try {
            Await.until("cgroup " + dir + " removed", Duration.ofSeconds(10), () -> {
                try {
                    Files.deleteIfExists(dir);
                    return true;
                } catch (IOException busy) {
                    return false; // a process still exiting
                }
            });
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
