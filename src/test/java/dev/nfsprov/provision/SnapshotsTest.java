package dev.nfsprov.provision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nfsprov.pathtemplate.RelativePath;
import dev.nfsprov.share.Share;
import dev.nfsprov.share.ShareException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The snapshot store on a temporary directory: take, half copies, delete, listing; no Kubernetes. */
class SnapshotsTest {

    static final String ID = "0b6c1f0e-3a5d-4c3e-9a51-6d2f0c1e2b3a";
    static final String OTHER = "7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6";

    @TempDir
    Path root;

    private Path volume() throws Exception {
        Path v = root.resolve("ns-db-pvc-1");
        Files.createDirectories(v.resolve("data"));
        Files.writeString(v.resolve("data/rows"), "v1");
        Files.createSymbolicLink(v.resolve("escape"), Path.of("/etc"));
        return v;
    }

    @Test
    void aSnapshotIsACompleteCopyWithARecordAndTakingItAgainCopiesNothing() throws Exception {
        var share = new Share(root);
        var store = new Snapshots(share);
        Path v = volume();
        var taken = store.take(ID, "ns/nightly", share, RelativePath.of("ns-db-pvc-1"));
        assertThat(taken.files()).isEqualTo(1);
        assertThat(taken.links()).isEqualTo(1);
        assertThat(taken.bytes()).isEqualTo(2);
        Path copy = root.resolve(".nfsprov-snapshots/" + ID);
        assertThat(copy.resolve("data/rows")).hasContent("v1");
        assertThat(Files.readSymbolicLink(copy.resolve("escape"))).isEqualTo(Path.of("/etc"));
        assertThat(Files.getAttribute(copy.getParent(), "unix:mode", LinkOption.NOFOLLOW_LINKS))
                .isEqualTo(040700);
        assertThat(store.taken(ID)).contains(taken);
        assertThat(store.owner(ID)).contains("ns/nightly");

        Files.writeString(v.resolve("data/rows"), "v2");
        assertThat(store.take(ID, "ns/nightly", share, RelativePath.of("ns-db-pvc-1")))
                .as("complete already: the record's, nothing copied again")
                .isEqualTo(taken);
        assertThat(copy.resolve("data/rows")).hasContent("v1");
    }

    @Test
    void aHalfCopyIsNotTakenAndIsCopiedAgainFromScratch() throws Exception {
        var share = new Share(root);
        var store = new Snapshots(share);
        volume();
        // A crash mid-copy: the record says whose, not complete; a file the source never had.
        Path copy = root.resolve(".nfsprov-snapshots/" + ID);
        Files.createDirectories(copy);
        Files.writeString(root.resolve(".nfsprov-snapshots/.nfsprov." + ID), "owner=ns/nightly\ncomplete=false\n");
        Files.writeString(copy.resolve("stale"), "half");
        assertThat(store.taken(ID)).isEmpty();
        assertThat(store.owner(ID)).contains("ns/nightly");

        store.take(ID, "ns/nightly", share, RelativePath.of("ns-db-pvc-1"));
        assertThat(copy.resolve("stale")).doesNotExist();
        assertThat(copy.resolve("data/rows")).hasContent("v1");
        assertThat(store.taken(ID)).isPresent();
    }

    @Test
    void deleteRemovesCopyAndRecordIsIdempotentAndIdsListOnlyUids() throws Exception {
        var share = new Share(root);
        var store = new Snapshots(share);
        assertThat(store.ids(100)).as("no snapshot directory yet").isEmpty();
        assertThat(store.delete(ID)).isFalse();
        volume();
        store.take(ID, "ns/a", share, RelativePath.of("ns-db-pvc-1"));
        store.take(OTHER, "ns/b", share, RelativePath.of("ns-db-pvc-1"));
        Files.createDirectories(root.resolve(".nfsprov-snapshots/not-a-uid"));
        Files.writeString(root.resolve(".nfsprov-snapshots/stray"), "x");
        assertThat(store.ids(100)).containsExactlyInAnyOrder(ID, OTHER);

        assertThat(store.delete(ID)).isTrue();
        assertThat(root.resolve(".nfsprov-snapshots/" + ID)).doesNotExist();
        assertThat(root.resolve(".nfsprov-snapshots/.nfsprov." + ID)).doesNotExist();
        assertThat(store.delete(ID)).as("gone already").isFalse();
        assertThat(store.ids(100)).containsExactly(OTHER);
        assertThat(root.resolve("ns-db-pvc-1/data/rows"))
                .as("the volume untouched")
                .hasContent("v1");
    }

    @Test
    void theSnapshotDirectoryIsNeverFollowedThroughALinkAndIdsAreUidsOnly() throws Exception {
        var share = new Share(root);
        var store = new Snapshots(share);
        volume();
        Path elsewhere = Files.createDirectories(root.resolve("elsewhere"));
        Files.createSymbolicLink(root.resolve(".nfsprov-snapshots"), elsewhere);
        assertThatThrownBy(() -> store.take(ID, "ns/a", share, RelativePath.of("ns-db-pvc-1")))
                .isInstanceOf(ShareException.class)
                .hasMessageContaining("symbolic link");
        assertThat(elsewhere).isEmptyDirectory();
        assertThatThrownBy(() -> Snapshots.directoryOf("../etc")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aTreePastTheCopysBoundsIsRefusedAndNothingOfItKept() throws Exception {
        var share = new Share(root);
        var store = new Snapshots(share);
        Path v = volume();
        Files.createDirectories(v.resolve("d/".repeat(300)));
        assertThatThrownBy(() -> store.take(ID, "ns/deep", share, RelativePath.of("ns-db-pvc-1")))
                .isInstanceOf(dev.nfsprov.share.TreeTooLargeException.class)
                .hasMessageContaining("deeper than 256 levels");
        assertThat(store.ids(100)).as("no half copy, no record").isEmpty();
        assertThat(store.taken(ID)).isEmpty();
    }
}
