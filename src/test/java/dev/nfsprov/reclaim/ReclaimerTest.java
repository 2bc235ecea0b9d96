package dev.nfsprov.reclaim;

import static dev.nfsprov.testenv.Commands.python;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nfsprov.pathtemplate.RelativePath;
import dev.nfsprov.share.DirectorySettings;
import dev.nfsprov.share.Share;
import dev.nfsprov.share.ShareException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReclaimerTest {

    @TempDir
    Path root;

    private Path volume(String path) throws Exception {
        Path dir = new Share(root)
                .createVolume(
                        RelativePath.of(path),
                        DirectorySettings.DEFAULT,
                        "pv-" + path.hashCode(),
                        Share.Existing.REFUSE)
                .path();
        Files.createDirectories(dir.resolve("sub/deeper"));
        Files.writeString(dir.resolve("sub/deeper/file"), "data");
        return dir;
    }

    private Reclaimer reclaimer() {
        return new Reclaimer(new Share(root));
    }

    @Test
    void archivesNextToTheVolumeAndNeverOverwritesAnArchive() throws Exception {
        volume("ns/a/pvc-1");
        var first = reclaimer().reclaim(RelativePath.of("ns/a/pvc-1"), OnDelete.ARCHIVE);
        assertThat(first).isEqualTo(new Reclaimer.Outcome.Archived(root.resolve("ns/a/archived-pvc-1"), false));
        assertThat(root.resolve("ns/a/archived-pvc-1/sub/deeper/file")).hasContent("data");

        volume("ns/a/pvc-1");
        Files.writeString(root.resolve("ns/a/pvc-1/second"), "2");
        var second = reclaimer().reclaim(RelativePath.of("ns/a/pvc-1"), OnDelete.ARCHIVE);
        assertThat(second).isEqualTo(new Reclaimer.Outcome.Archived(root.resolve("ns/a/archived-pvc-1-2"), false));
        assertThat(root.resolve("ns/a/archived-pvc-1/second")).doesNotExist();
        assertThat(root.resolve("ns/a/archived-pvc-1-2/second")).hasContent("2");
    }

    @Test
    void deletesRecursivelyAndIsIdempotent() throws Exception {
        volume("v");
        assertThat(reclaimer().reclaim(RelativePath.of("v"), OnDelete.DELETE))
                .isInstanceOf(Reclaimer.Outcome.Deleted.class);
        assertThat(root.resolve("v")).doesNotExist();
        assertThat(reclaimer().reclaim(RelativePath.of("v"), OnDelete.DELETE))
                .isInstanceOf(Reclaimer.Outcome.AlreadyGone.class);
        assertThat(reclaimer().reclaim(RelativePath.of("v"), OnDelete.ARCHIVE))
                .isInstanceOf(Reclaimer.Outcome.AlreadyGone.class);
    }

    @Test
    void retainTouchesNothing() throws Exception {
        volume("v");
        assertThat(reclaimer().reclaim(RelativePath.of("v"), OnDelete.RETAIN))
                .isInstanceOf(Reclaimer.Outcome.Retained.class);
        assertThat(root.resolve("v/sub/deeper/file")).hasContent("data");
    }

    @Test
    void aPlantedSymlinkIsRemovedButItsTargetSurvives(@TempDir Path outside) throws Exception {
        Files.writeString(outside.resolve("precious"), "keep me");
        Files.createDirectories(outside.resolve("dir"));
        Files.writeString(outside.resolve("dir/also"), "keep me too");
        Path dir = volume("v");
        Files.createSymbolicLink(dir.resolve("to-outside"), outside);
        Files.createSymbolicLink(dir.resolve("sub/to-file"), outside.resolve("precious"));
        Files.createSymbolicLink(dir.resolve("to-root"), Path.of("/"));

        reclaimer().reclaim(RelativePath.of("v"), OnDelete.DELETE);

        assertThat(dir).doesNotExist();
        assertThat(outside.resolve("precious")).hasContent("keep me");
        assertThat(outside.resolve("dir/also")).hasContent("keep me too");
    }

    @Test
    void aVolumeThatIsItselfASymlinkIsRefused(@TempDir Path outside) throws Exception {
        Files.writeString(outside.resolve("precious"), "keep me");
        Files.createSymbolicLink(root.resolve("v"), outside);
        for (OnDelete action : new OnDelete[] {OnDelete.DELETE, OnDelete.ARCHIVE}) {
            assertThatThrownBy(() -> reclaimer().reclaim(RelativePath.of("v"), action))
                    .isInstanceOf(ShareException.class)
                    .hasMessageContaining("symbolic link");
        }
        assertThat(outside.resolve("precious")).hasContent("keep me");
        assertThat(root.resolve("v")).isSymbolicLink();
    }

    @Test
    void onDeleteParametersFollowNfsSubdir() {
        assertThat(OnDelete.fromParameters(Map.of())).isEqualTo(OnDelete.ARCHIVE);
        assertThat(OnDelete.fromParameters(Map.of("archiveOnDelete", "false"))).isEqualTo(OnDelete.DELETE);
        assertThat(OnDelete.fromParameters(Map.of("archiveOnDelete", "true"))).isEqualTo(OnDelete.ARCHIVE);
        assertThat(OnDelete.fromParameters(Map.of("onDelete", "retain", "archiveOnDelete", "false")))
                .isEqualTo(OnDelete.RETAIN);
        assertThat(OnDelete.fromParameters(Map.of("onDelete", "delete"))).isEqualTo(OnDelete.DELETE);
        assertThatThrownBy(() -> OnDelete.fromParameters(Map.of("onDelete", "shred")))
                .hasMessageContaining("onDelete=\"shred\"");
        assertThatThrownBy(() -> OnDelete.fromParameters(Map.of("archiveOnDelete", "maybe")))
                .hasMessageContaining("archiveOnDelete");
    }

    /** A chain of directories made relative to each other (deeper than PATH_MAX allows as one path). */
    private static void chain(Path top, int depth) {
        python(
                top,
                "import os\nfor i in range(" + depth
                        + "):\n    os.mkdir('d'); os.chdir('d')\nopen('leaf','w').write('x')");
    }

    @Test
    void aTenantsDeepChainIsDeletedWithoutOverflowingTheStack() throws Exception {
        Path dir = volume("ns-deep-pvc-1");
        chain(dir, 20_000); // the recursive walk overflowed at about 900 levels with the launcher's -Xss256k
        assertThat(reclaimer().reclaim(RelativePath.of("ns-deep-pvc-1"), OnDelete.DELETE))
                .isInstanceOf(Reclaimer.Outcome.Deleted.class);
        assertThat(dir).doesNotExist();
        assertThat(root).isEmptyDirectory();
    }

    @Test
    void aWideDirectoryIsStreamedNotListedIntoMemory() throws Exception {
        Path dir = volume("ns-wide-pvc-1");
        for (int i = 0; i < 20_000; i++) Files.createFile(dir.resolve("f-" + "x".repeat(100) + i));
        assertThat(reclaimer().reclaim(RelativePath.of("ns-wide-pvc-1"), OnDelete.DELETE))
                .isInstanceOf(Reclaimer.Outcome.Deleted.class);
        assertThat(dir).doesNotExist();
    }

    /**
     * Issue 30's race: a volume nested in a tenant's own volume (made before nesting was refused under reuse), whose
     * parent the tenant flips to a link to another tenant's directory while the controller deletes or archives the
     * nested volume. Done by path, the step acted on the victim (deleted it, or renamed it to an archive) in 3 of 3
     * runs; through handles every step opens the parent with O_NOFOLLOW and fails on the link.
     */
    @Test
    void aFlippingParentNeverRedirectsADeleteOrAnArchive(@TempDir Path root) throws Exception {
        var share = new Share(root);
        Path victim = Files.createDirectories(root.resolve("other/vol"));
        Files.writeString(victim.resolve("data"), "the victim's");
        Path tenant = Files.createDirectories(root.resolve("mine"));
        Path sub = tenant.resolve("sub");
        var stop = new AtomicBoolean();
        var flips = new AtomicLong();
        Thread flipper = Thread.ofPlatform().start(() -> {
            for (long round = 0; !stop.get(); round++) {
                Path aside = tenant.resolve("sub-aside-" + round);
                try {
                    Files.move(sub, aside, StandardCopyOption.ATOMIC_MOVE);
                    Files.createSymbolicLink(sub, root.resolve("other"));
                    flips.incrementAndGet();
                    Files.delete(sub);
                    Files.move(aside, sub, StandardCopyOption.ATOMIC_MOVE);
                } catch (Exception raced) {
                    try {
                        if (Files.isSymbolicLink(sub)) Files.delete(sub);
                    } catch (Exception ignored) {
                        // next round
                    }
                }
            }
        });
        int reclaimed = 0;
        long deadline = System.nanoTime() + 3_000_000_000L;
        var nested = RelativePath.of("mine/sub/vol");
        for (int i = 0; i < 100_000 && System.nanoTime() < deadline; i++) {
            try {
                Files.createDirectories(sub.resolve("vol/inner"));
                Files.writeString(sub.resolve("vol/inner/f"), "tenant's own");
            } catch (Exception raced) {
                continue; // the flipper holds the name: try again
            }
            try {
                new Reclaimer(share).reclaim(nested, i % 2 == 0 ? OnDelete.DELETE : OnDelete.ARCHIVE);
                reclaimed++;
            } catch (ShareException refused) {
                // a link on the way is refused; that is the point
            }
        }
        stop.set(true);
        flipper.join();

        assertThat(flips.get()).as("links planted by the flipper").isGreaterThan(10);
        assertThat(reclaimed).as("some reclaims ran between flips").isGreaterThan(0);
        assertThat(victim.resolve("data")).hasContent("the victim's");
        assertThat(root.resolve("other/archived-vol")).doesNotExist();
        try (var entries = Files.list(root.resolve("other"))) {
            assertThat(entries.map(p -> p.getFileName().toString()).toList()).containsExactly("vol");
        }
    }
}
