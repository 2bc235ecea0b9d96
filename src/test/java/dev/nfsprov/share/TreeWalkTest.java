package dev.nfsprov.share;

import static dev.nfsprov.testenv.Commands.python;
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

    /** Trees deeper than PATH_MAX, which @TempDir's clean-up cannot remove, go through the share's own delete. */
    @org.junit.jupiter.api.AfterEach
    void deleteDeepTrees() throws Exception {
        try (var children = Files.list(root)) {
            for (Path p : children.toList())
                if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS))
                    new Share(root).deleteTree(RelativePath.of(p.getFileName().toString()));
        }
    }

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

    /** Runs a python3 script with the directory as its working directory (names and depths Java paths cannot make). */
    @Test
    void aChainDeeperThanTheWalkGoesIsCountedToItsDepthAndSaidPartialInBoundedWork() throws Exception {
        // issue 30's tree: ~19,200 nested one-byte names and 1,024 directories at the bottom. The old walk kept a
        // full copy of the path per deferred subtree (about 6 KB a level) and ran out of heap.
        Path v = Files.createDirectories(root.resolve("deep"));
        python(
                v,
                "import os\nfor i in range(19200):\n    os.mkdir('d'); os.chdir('d')\n"
                        + "for i in range(1024): os.mkdir('e%d' % i)\n");
        var seen = new java.util.concurrent.atomic.AtomicLong();
        var u = new Share(root).usage(RelativePath.of("deep"), n -> seen.addAndGet(n));
        assertThat(u.partial())
                .as("levels below MAX_DEPTH are not walked, and the figure says so")
                .isTrue();
        assertThat(u.files()).isEqualTo(TreeWalk.MAX_DEPTH + 1);
        // entries read plus directories re-opened from the top: MAX_DEPTH/MAX_OPEN chains of at most MAX_DEPTH
        long bound = TreeWalk.MAX_DEPTH + (long) TreeWalk.MAX_DEPTH * TreeWalk.MAX_DEPTH / TreeWalk.MAX_OPEN + 10;
        assertThat(seen.get()).isBetween((long) TreeWalk.MAX_DEPTH, bound);
        assertThat(new Share(root).deleteTree(RelativePath.of("deep"))).isTrue();
        assertThat(v).doesNotExist();
    }

    @Test
    void aBudgetOfOperationsEndsTheWalkOfAHugeDirectoryAsPartial() throws Exception {
        Path v = Files.createDirectories(root.resolve("many"));
        for (int i = 0; i < 5000; i++) Files.createFile(v.resolve("f" + i));
        var u = new Share(root).usage(RelativePath.of("many"), Throttle.NONE, 1000);
        assertThat(u.partial()).isTrue();
        assertThat(u.files()).isEqualTo(1000);
        var whole = new Share(root).usage(RelativePath.of("many"), Throttle.NONE, 10_000);
        assertThat(whole.partial()).isFalse();
        assertThat(whole.files()).isEqualTo(5000);
    }

    @Test
    void deferredChainsAreBoundedInBytesAndWhatDoesNotFitIsPartial() throws Exception {
        // 300 subtrees right below the open handles, under 31 levels of 255-byte names: each kept chain is ~7.9 KB
        Path v = Files.createDirectories(root.resolve("long"));
        python(
                v,
                "import os\nn='x'*255\nfor i in range(31):\n    os.mkdir(n); os.chdir(n)\n"
                        + "for i in range(300):\n    os.mkdir('s%d' % i); open('s%d/f' % i, 'w').close()\n");
        var u = usage("long");
        assertThat(u.partial()).isTrue();
        long placed = TreeWalk.MAX_PENDING_BYTES / (31L * 256 + 6);
        assertThat(u.files())
                .as("the subtrees whose chains fit were walked")
                .isBetween(31 + 300 + placed - 2, 31 + 300 + placed + 2);
    }

    @Test
    void namesThatAreNotUtf8AreWalkedByTheirBytesAtAnyDepth() throws Exception {
        Path v = Files.createDirectories(root.resolve("bytes"));
        // a directory named 0xff 0xfe at the top and again below the open handles, each holding a file
        python(
                v,
                "import os\nb=b'\\xff\\xfe'\nos.mkdir(b); open(b+b'/f','wb').write(b'x'*5000)\n"
                        + "os.chdir(b)\nfor i in range(40):\n    os.mkdir(b); os.chdir(b)\n"
                        + "open(b'f','wb').write(b'y'*9000)\n");
        var u = usage("bytes");
        long[] du = du(v);
        assertThat(u.partial()).isFalse();
        assertThat(u.files()).isEqualTo(du[1]);
        assertThat(u.bytes()).isEqualTo(du[0]);
    }

    @Test
    void hardLinksAreRememberedWithoutBoxing() {
        var set = new TreeWalk.LongSet(3);
        assertThat(set.add(7)).isTrue();
        assertThat(set.add(7)).isFalse();
        assertThat(set.add(0)).isTrue();
        assertThat(set.add(0)).isFalse();
        assertThat(set.add(-5)).isTrue();
        assertThat(set.add(9)).as("full: counted, not remembered").isTrue();
        assertThat(set.add(9)).isTrue();
        var big = new TreeWalk.LongSet(100_000);
        for (long i = 1; i <= 100_000; i++) assertThat(big.add(i * 7919)).isTrue();
        for (long i = 1; i <= 100_000; i += 997) assertThat(big.add(i * 7919)).isFalse();
    }
}
