package dev.nfsprov.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.pathtemplate.RelativePath;
import dev.nfsprov.share.Share;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LeftoversTest {

    @Test
    void directoriesAtThePatternsDepthThatAreNoVolumesAreCounted(@TempDir Path root) throws Exception {
        // ${.PVC.namespace}/${.PVC.name}: team-a/db is a volume, team-a/old and team-b/gone were left behind
        for (String d : new String[] {
            "team-a/db", "team-a/old", "team-b/gone", "archived-team-c-x/y", "flat-volume-pvc-1/sub", ".snapshot/z"
        }) Files.createDirectories(root.resolve(d));
        Files.writeString(root.resolve("team-a/not-a-directory"), "x");
        var volumes = Set.of(RelativePath.of("team-a/db"), RelativePath.of("flat-volume-pvc-1"));
        var share = new Share(root);

        assertThat(Leftovers.count(share, 2, volumes, 1000)).isEqualTo(new Leftovers.Count(2, false));
        // a volume deeper down keeps its parents from counting
        assertThat(Leftovers.count(share, 1, Set.of(RelativePath.of("team-a/db")), 1000))
                .isEqualTo(new Leftovers.Count(2, false)); // team-b and flat-volume-pvc-1
        // the budget bounds what is read, and says the count is a lower bound
        var bounded = Leftovers.count(share, 2, volumes, 3);
        assertThat(bounded.partial()).isTrue();
        assertThat(bounded.directories()).isLessThanOrEqualTo(2);
    }
}
