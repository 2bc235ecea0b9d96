package dev.nfsprov.share;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nfsprov.pathtemplate.RelativePath;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShareTest {

    @TempDir
    Path root;

    private int mode(Path p) throws Exception {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }

    private static final Share.Existing REFUSE = Share.Existing.REFUSE;

    private Path create(Share share, String path, DirectorySettings settings, String volume) throws ShareException {
        return share.createVolume(RelativePath.of(path), settings, volume, REFUSE)
                .path();
    }

    @Test
    void createsVolumeWithModeAndOwnerIdempotently() throws Exception {
        var share = new Share(root);
        var settings = new DirectorySettings(02770, OptionalInt.of(1001), OptionalInt.of(2002));
        Path dir = create(share, "ns/claim/pvc-1", settings, "pvc-1");
        assertThat(dir).isEqualTo(root.resolve("ns/claim/pvc-1")).isDirectory();
        assertThat(mode(dir)).isEqualTo(02770);
        assertThat(Files.getAttribute(dir, "unix:uid")).isEqualTo(1001);
        assertThat(Files.getAttribute(dir, "unix:gid")).isEqualTo(2002);
        assertThat(mode(root.resolve("ns"))).isEqualTo(0755);
        assertThat(root.resolve("ns/claim/.nfsprov.pvc-1")).hasContent("pvc-1\n");

        Files.writeString(dir.resolve("data"), "kept");
        Files.setAttribute(dir, "unix:mode", 0700);
        assertThat(create(share, "ns/claim/pvc-1", settings, "pvc-1")).isEqualTo(dir);
        assertThat(mode(dir)).as("a retry finishes the mode").isEqualTo(02770);
        assertThat(dir.resolve("data")).hasContent("kept");
        assertThat(dir).as("nothing of nfsprov's inside the volume").isDirectoryContaining(p -> true);
        try (var inside = Files.list(dir)) {
            assertThat(inside.map(p -> p.getFileName().toString()).toList()).containsExactly("data");
        }
    }

    @Test
    void defaultModeIsWorldWritableRegardlessOfUmask() throws Exception {
        Path dir = create(new Share(root), "v", DirectorySettings.DEFAULT, "pvc-v");
        assertThat(mode(dir)).isEqualTo(0777);
    }

    @Test
    void aCollidingPathOfAnotherVolumeIsRefusedAndLeftAsItWas() throws Exception {
        var share = new Share(root);
        // namespace team-a claim db and namespace team claim a-db render to the same ${namespace}-${name}
        Path dir = create(
                share, "team-a-db", new DirectorySettings(0700, OptionalInt.of(1000), OptionalInt.empty()), "pvc-a");
        Files.writeString(dir.resolve("secret"), "a's data");
        assertThatThrownBy(() -> create(
                        share,
                        "team-a-db",
                        new DirectorySettings(0777, OptionalInt.of(2000), OptionalInt.empty()),
                        "pvc-b"))
                .isInstanceOf(ShareException.class)
                .hasMessage("team-a-db already exists on the share and was not made for this claim "
                        + "(it is the volume pvc-a); "
                        + "nothing was changed. Use another pathPattern, or set existingDirectory: reuse "
                        + "on the StorageClass to "
                        + "take existing directories over as nfs-subdir does");
        assertThat(mode(dir)).isEqualTo(0700);
        assertThat(Files.getAttribute(dir, "unix:uid")).isEqualTo(1000);
        assertThat(root.resolve(".nfsprov.team-a-db")).hasContent("pvc-a\n");
    }

    @Test
    void aDirectoryNfsprovDidNotMakeIsRefusedUnlessTheClassReusesThem() throws Exception {
        var share = new Share(root);
        Files.createDirectories(root.resolve("archived-ns-db-pvc-1"));
        assertThatThrownBy(() -> create(share, "archived-ns-db-pvc-1", DirectorySettings.DEFAULT, "pvc-2"))
                .hasMessageContaining("(nfsprov did not make it)");
        // nfs-subdir's behaviour, for a class that asks for it: the same claim re-created finds its data
        Files.createDirectories(root.resolve("ns/db"));
        Files.writeString(root.resolve("ns/db/data"), "kept");
        Path dir = share.createVolume(
                        RelativePath.of("ns/db"), DirectorySettings.DEFAULT, "pvc-3", Share.Existing.REUSE)
                .path();
        assertThat(dir.resolve("data")).hasContent("kept");
        assertThat(root.resolve("ns/.nfsprov.db")).hasContent("pvc-3\n");
    }

    @Test
    void aPathThroughAnotherClaimsVolumeIsRefused() throws Exception {
        var share = new Share(root);
        create(share, "ns/tenant-a", DirectorySettings.DEFAULT, "pvc-a");
        assertThatThrownBy(() -> create(share, "ns/tenant-a/inner", DirectorySettings.DEFAULT, "pvc-b"))
                .hasMessage(
                        "cannot create ns/tenant-a/inner: tenant-a on the way is the volume pvc-a of another claim");
        assertThat(root.resolve("ns/tenant-a")).isEmptyDirectory();
        // nor under existingDirectory: reuse: the tenant of pvc-a writes inside it, and could swap "inner"'s parent
        // for a link while the controller reclaims it (issue 30)
        assertThatThrownBy(() -> share.createVolume(
                        RelativePath.of("ns/tenant-a/inner"), DirectorySettings.DEFAULT, "pvc-b", Share.Existing.REUSE))
                .hasMessageContaining("tenant-a on the way is the volume pvc-a of another claim");
        assertThat(root.resolve("ns/tenant-a")).isEmptyDirectory();
    }

    @Test
    void aPathThroughAVolumeWithoutAMarkerIsRefusedWhenTheVolumesKnowItAndItGetsOne() throws Exception {
        // issue 30: nfs-subdir's volumes, taken over, have no marker; the check by marker did not see them
        Files.createDirectories(root.resolve("ns-migrated"));
        var share = new Share(root);
        java.util.function.Function<RelativePath, String> known =
                p -> p.toString().equals("ns-migrated") ? "pvc-old" : null;
        assertThatThrownBy(() -> share.createVolume(
                        RelativePath.of("ns-migrated/inner"),
                        DirectorySettings.DEFAULT,
                        "pvc-new",
                        Share.Existing.REUSE,
                        known))
                .hasMessage("cannot create ns-migrated/inner: ns-migrated on the way is the volume pvc-old of another"
                        + " claim");
        assertThat(root.resolve("ns-migrated")).isEmptyDirectory();
        assertThat(share.markIfUnmarked(RelativePath.of("ns-migrated"), "pvc-old"))
                .isTrue();
        assertThat(share.markIfUnmarked(RelativePath.of("ns-migrated"), "pvc-other"))
                .as("never replaced")
                .isFalse();
        assertThat(root.resolve(".nfsprov.ns-migrated")).hasContent("pvc-old\n");
        assertThatThrownBy(() -> create(share, "ns-migrated/inner", DirectorySettings.DEFAULT, "pvc-new"))
                .hasMessageContaining("on the way is the volume pvc-old");
    }

    @Test
    void aCrashBetweenMarkerAndDirectoryIsFinishedByTheRetry() throws Exception {
        Files.writeString(root.resolve(".nfsprov.v"), "pvc-v\n"); // the marker is written first
        Path dir = create(new Share(root), "v", DirectorySettings.DEFAULT, "pvc-v");
        assertThat(dir).isDirectory();
    }

    @Test
    void aStaleMarkerOfAVolumeWhoseDirectoryIsGoneIsReplaced() throws Exception {
        Files.writeString(root.resolve(".nfsprov.v"), "pvc-old\n");
        create(new Share(root), "v", DirectorySettings.DEFAULT, "pvc-new");
        assertThat(root.resolve(".nfsprov.v")).hasContent("pvc-new\n");
    }

    @Test
    void refusesToCreateThroughASymlinkedParent(@TempDir Path outside) throws Exception {
        Files.createSymbolicLink(root.resolve("ns"), outside);
        var share = new Share(root);
        assertThatThrownBy(() -> create(share, "ns/pvc-1", DirectorySettings.DEFAULT, "pvc-1"))
                .isInstanceOf(ShareException.class)
                .hasMessageContaining("symbolic link");
        assertThat(outside).isEmptyDirectory();
    }

    @Test
    void aSymlinkedLeafIsNeitherFollowedNorChmodded(@TempDir Path outside) throws Exception {
        Files.setAttribute(outside, "unix:mode", 0700);
        Files.writeString(root.resolve("file"), "x");
        Files.createSymbolicLink(root.resolve("link"), outside);
        var share = new Share(root);
        assertThatThrownBy(() -> create(share, "file", DirectorySettings.DEFAULT, "pvc-1"))
                .hasMessageContaining("was not made for this claim");
        assertThatThrownBy(() -> create(share, "link", DirectorySettings.DEFAULT, "pvc-2"))
                .hasMessageContaining("was not made for this claim");
        // even a class that reuses directories never goes through the link (Temurin 25's setAttribute would: fchmod
        // cannot)
        assertThatThrownBy(() -> share.createVolume(
                        RelativePath.of("link"), DirectorySettings.DEFAULT, "pvc-3", Share.Existing.REUSE))
                .hasMessageContaining("symbolic link");
        assertThat(mode(outside)).isEqualTo(0700);
        assertThat(outside).isEmptyDirectory();
    }

    @Test
    void namesReservedForMarkersAreRefused() {
        for (String path : List.of("ns/.nfsprov.db", "ns/.nfsprov-deep-x", "#sha256-" + "0".repeat(64)))
            assertThatThrownBy(() -> create(new Share(root), path, DirectorySettings.DEFAULT, "pvc-1"))
                    .hasMessageContaining("reserved for nfsprov");
    }

    @Test
    void markersOfLongLeavesAreDigestsThatTwoLeavesCannotShare() {
        // "Aa" and "BB" have the same String.hashCode, which named these markers before
        String a = "x".repeat(250) + "Aa", b = "x".repeat(250) + "BB";
        assertThat(Share.marker(a)).isNotEqualTo(Share.marker(b)).startsWith(".nfsprov.#sha256-");
        assertThat(Share.marker(a).length()).isLessThanOrEqualTo(255);
        assertThat(Share.marker("short")).isEqualTo(".nfsprov.short");
    }

    @Test
    void unusableMountPathIsExplained() {
        assertThatThrownBy(() -> new Share(root.resolve("missing")).checkUsable())
                .isInstanceOf(ShareException.class)
                .hasMessageContaining("is not a directory");
    }

    @Test
    void closingAHandleTwiceNeverClosesTheDescriptorOfAnotherHandle() throws Exception {
        // createVolume of a one-level path once closed the root handle twice; with 8 share threads the second
        // close hit another thread's descriptor (seen as "bad file descriptor" and as refused volumes in FaultsIT).
        Dir first = Dir.open(root);
        first.close();
        try (Dir second = Dir.open(root)) { // the kernel hands out the lowest free number: first's, again
            first.close();
            assertThat(second.readFile("absent"))
                    .as("second's descriptor still open")
                    .isNull();
        }
    }

    @Test
    void aShareRootRefusesIsExplainedAsRootSquashOrAsTheOwnersUid() {
        // Root is refused by an NFS server only when the export squashes it: this VM has no kernel NFS client to
        // mount such an export, so the decision is tested here and the message is what start-up prints.
        assertThat(Share.notWritable("/persistentvolumes", 0, 65534, 040755))
                .startsWith("mount path /persistentvolumes (owner uid 65534, mode 0755) is not writable by root: "
                        + "the NFS export squashes root")
                .contains("no_root_squash")
                .contains("podSecurityContext.runAsUser=65534");
        assertThat(Share.notWritable("/data", 1000, 0, 040755))
                .isEqualTo("mount path /data (owner uid 0, mode 0755) is not writable by uid 1000: run the controller"
                        + " as uid 0 (podSecurityContext.runAsUser), or make the exported directory writable by uid"
                        + " 1000");
    }

    @Test
    void settingsParseAndExplainBadValues() {
        var s = DirectorySettings.DEFAULT.with("0750", "1000", null, "annotation");
        assertThat(s.mode()).isEqualTo(0750);
        assertThat(s.uid()).hasValue(1000);
        assertThat(s.gid()).isEmpty();
        assertThatThrownBy(() ->
                        DirectorySettings.DEFAULT.with("rwx", null, null, "annotation k8s-sigs.io/nfs-directory-mode"))
                .hasMessage("annotation k8s-sigs.io/nfs-directory-mode mode \"rwx\" is not an octal file mode "
                        + "such as 0777 or 0750");
        assertThatThrownBy(() -> DirectorySettings.DEFAULT.with(null, "-1", null, "NFS_DEFAULT_UID"))
                .hasMessageContaining("uid \"-1\"");
        assertThatThrownBy(() -> DirectorySettings.DEFAULT.with(null, null, "99999999999", "x"))
                .hasMessageContaining("gid");
    }

    @Test
    void givingADirectoryAwayNeverFollowsALinkOnTheWayOrAtTheEnd(@TempDir Path outside) throws Exception {
        var share = new Share(root);
        Files.createDirectories(root.resolve("ns"));
        Files.createSymbolicLink(root.resolve("ns/link"), outside);
        Files.createSymbolicLink(root.resolve("hop"), root.resolve("ns"));
        var owner = DirectoryOwner.parse("999:999");
        for (String path : new String[] {"ns/link", "hop/link", "hop"}) {
            assertThatThrownBy(() -> share.giveTo(RelativePath.of(path), owner, 02770, 0777))
                    .isInstanceOf(ShareException.class)
                    .hasMessageContaining("cannot give " + path);
        }
        assertThat(Files.getAttribute(outside, "unix:uid")).isEqualTo(0);
        assertThat(mode(root.resolve("ns"))).isEqualTo(0755);
    }

    @Test
    void giveToIsIdempotentAndKeepsTheUidWhenOnlyAGroupIsGiven() throws Exception {
        var share = new Share(root);
        create(share, "v", new DirectorySettings(0770, OptionalInt.empty(), OptionalInt.empty()), "pv");
        var first = share.giveTo(RelativePath.of("v"), DirectoryOwner.parse(":4242"), 02770, 0777);
        var again = share.giveTo(RelativePath.of("v"), DirectoryOwner.parse(":4242"), 02770, 0777);
        assertThat(first).isEqualTo(again);
        assertThat(first.now()).isEqualTo(new DirAttributes(0, 4242, 02770));
        assertThat(first.now().describe()).isEqualTo("2770 0:4242");
    }

    @Test
    void probingTheShareLeavesNothingAndSeesRootAsRoot() throws Exception {
        var identity = new Share(root).probeIdentity();
        assertThat(root).isEmptyDirectory();
        assertThat(identity.self()).as("tests run as root").isZero();
        assertThat(identity.rootSquashed()).isFalse();
        assertThat(identity.canChown()).isTrue();
        assertThat(identity.problem()).isNull();
    }

    @Test
    void aSquashedOrUnprivilegedControllerIsExplained() {
        var squashed = new Share.Identity(0, 65534, 65534, false);
        assertThat(squashed.rootSquashed()).isTrue();
        assertThat(squashed.problem())
                .startsWith("the share squashes root (directories made by the controller belong to uid 65534)")
                .contains("no_root_squash");
        assertThat(new Share.Identity(1000, 1000, 1000, false).problem())
                .startsWith("the controller runs as uid 1000 and cannot give directories to other owners");
    }

    @Test
    void directoryOwnersParseAndRefuseGarbage() {
        assertThat(DirectoryOwner.parse("999:998").format()).isEqualTo("999:998");
        assertThat(DirectoryOwner.parse(":5").uid()).isEmpty();
        assertThat(DirectoryOwner.parse(":5").describe()).isEqualTo("gid 5");
        for (String bad : new String[] {"", "999", "a:b", "1:2:3", "-1:2", "99999999999:1"}) {
            assertThatThrownBy(() -> DirectoryOwner.parse(bad)).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
