package dev.nfsprov.share;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nfsprov.pathtemplate.RelativePath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A volume's usage as du counts it, whatever a tenant built inside: links, hard links, depth. */
class TreeWalkTest {

    @TempDir
    Path root;

    /** du's bytes (st_blocks × 512, hard links once, the directory itself included) and find's entry count. */
    private static long[] du(Path dir) throws Exception {
        var du = new ProcessBuilder("du", "-s", "--block-size=1", dir.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(du.getInputStream().readAllBytes()).strip();
        assertThat(du.waitFor()).as(out).isZero();
        long entries;
        try (var all = Files.walk(dir)) {
            entries = all.count() - 1;
        }
        return new long[] {Long.parseLong(out.split("\\s+")[0]), entries};
    }

    private Usage usage(String path) throws Exception {
        return new Share(root).usage(RelativePath.of(path), Throttle.NONE);
    }

    @Test
    void countsWhatDuCountsAndNeverFollowsALinkOut(@TempDir Path outside) throws Exception {
        Path v = Files.createDirectories(root.resolve("vol"));
        Files.write(v.resolve("a"), new byte[100_000]);
        Files.createDirectories(v.resolve("sub/deeper"));
        Files.write(v.resolve("sub/deeper/b"), new byte[5_000]);
        Files.createLink(v.resolve("sub/hard-link-to-a"), v.resolve("a"));
        Files.write(outside.resolve("big"), new byte[10_000_000]);
        Files.createSymbolicLink(v.resolve("out"), outside);
        Files.createSymbolicLink(v.resolve("sub/big"), outside.resolve("big"));
        var u = usage("vol");
        long[] du = du(v);
        assertThat(u.bytes()).isEqualTo(du[0]);
        assertThat(u.files()).isEqualTo(du[1]).isEqualTo(7);
        assertThat(u.partial()).isFalse();
        assertThat(u.bytes()).as("the 10 MB outside is not counted").isLessThan(1_000_000);
    }

    @Test
    void aTreeDeeperThanTheOpenHandlesIsCountedInFull() throws Exception {
        Path v = Files.createDirectories(root.resolve("deep"));
        Path d = v;
        for (int i = 0; i < TreeWalk.MAX_OPEN * 3 + 5; i++) {
            d = Files.createDirectory(d.resolve("d"));
            Files.write(d.resolve("f"), new byte[10]);
        }
        var u = usage("deep");
        long[] du = du(v);
        assertThat(u.bytes()).isEqualTo(du[0]);
        assertThat(u.files()).isEqualTo(du[1]);
        assertThat(u.partial()).isFalse();
    }

    @Test
    void aWideDirectoryIsReadInManyBuffers() throws Exception {
        Path v = Files.createDirectories(root.resolve("wide"));
        for (int i = 0; i < 3000; i++) Files.createFile(v.resolve("file-with-a-longish-name-" + i));
        var u = usage("wide");
        assertThat(u.files()).isEqualTo(3000);
        assertThat(u.bytes()).isEqualTo(du(v)[0]);
    }

    @Test
    void aVolumeThatIsALinkIsRefused(@TempDir Path outside) throws Exception {
        Files.createSymbolicLink(root.resolve("vol"), outside);
        assertThatThrownBy(() -> usage("vol")).isInstanceOf(ShareException.class);
    }

    @Test
    void theThrottleIsAskedPerEntryAndCanStopTheWalk() throws Exception {
        Path v = Files.createDirectories(root.resolve("t"));
        for (int i = 0; i < 50; i++) Files.createFile(v.resolve("f" + i));
        var seen = new java.util.concurrent.atomic.AtomicInteger();
        new Share(root).usage(RelativePath.of("t"), n -> seen.addAndGet(n));
        assertThat(seen).hasValue(50);
        assertThatThrownBy(() -> new Share(root).usage(RelativePath.of("t"), n -> {
                    throw new InterruptedException("stop");
                }))
                .isInstanceOf(InterruptedException.class);
        assertThat(List.of(Throttle.perSecond(0), Throttle.perSecond(-1))).containsOnly(Throttle.NONE);
    }
}
