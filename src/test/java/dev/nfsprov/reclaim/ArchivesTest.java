package dev.nfsprov.reclaim;

import static dev.nfsprov.testenv.Commands.python;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.pathtemplate.RelativePath;
import dev.nfsprov.share.Share;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the archive search looks, and how much it reads, whatever is left on the share. */
class ArchivesTest {

    @TempDir
    Path root;

    private static java.util.List<String> paths(Archives.Found found) {
        return found.archives().stream().map(a -> a.path().toString()).toList();
    }

    @Test
    void onlyTheLevelsPatternsUseAreReadAndVolumesArchivesAndMarkedDirectoriesNever() throws Exception {
        Files.createDirectories(root.resolve("archived-flat"));
        Files.createDirectories(root.resolve("ns/archived-nested"));
        Files.writeString(root.resolve("ns/.nfsprov.archived-nested"), "volume=pvc-1\narchived=2026-01-01T00:00:00Z\n");
        Files.createDirectories(root.resolve("ns/deeper/archived-too-deep"));
        Files.createDirectories(root.resolve("vol/archived-inside-a-volume")); // a tenant's own name
        Files.createDirectories(root.resolve("marked/archived-inside-a-marked-one"));
        Files.writeString(root.resolve(".nfsprov.marked"), "pvc-2\n");
        Files.createDirectories(root.resolve("archived-flat/archived-inside-an-archive"));
        var share = new Share(root);
        var volumes = Set.of(RelativePath.of("vol"));

        assertThat(paths(Archives.find(share, volumes, 1, 1000))).containsExactly("archived-flat");
        var two = Archives.find(share, volumes, 2, 1000);
        assertThat(paths(two)).containsExactly("archived-flat", "ns/archived-nested");
        assertThat(two.archives().get(1).record().volume()).isEqualTo("pvc-1");
        assertThat(two.partial()).isFalse();
        assertThat(paths(Archives.find(share, volumes, 3, 1000)))
                .containsExactly("archived-flat", "ns/archived-nested", "ns/deeper/archived-too-deep");
    }

    @Test
    void aLeftoverDirectoryOfManyNamesIsStreamedWithinTheBudgetAndSaidPartial() throws Exception {
        // issue 30: one leftover directory of 400,000 names, read whole and sorted every pass, ended the controller
        Path leftover = Files.createDirectories(root.resolve("leftover"));
        python(leftover, "import os\nfor i in range(50000): os.mkdir('d%06d' % i)\n");
        Files.createDirectories(root.resolve("archived-x"));
        var found = Archives.find(new Share(root), Set.of(), 3, 10_000);
        assertThat(found.partial()).isTrue();
        assertThat(paths(found)).containsExactly("archived-x");
        var all = Archives.find(new Share(root), Set.of(), 2, 100_000);
        assertThat(all.partial()).isFalse();
    }

    @Test
    void namesThatAreNotUtf8OrNoVolumesNameAreNotArchives() throws Exception {
        python(root, "import os\nos.mkdir(b'archived-\\xff'); os.mkdir('archived-\\x01')\n");
        Files.createDirectories(root.resolve("archived-ok"));
        assertThat(paths(Archives.find(new Share(root), Set.of(), 1, 1000))).containsExactly("archived-ok");
    }
}
