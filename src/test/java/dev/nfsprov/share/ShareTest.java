package dev.nfsprov.share;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nfsprov.pathtemplate.RelativePath;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShareTest {

    @TempDir
    Path root;

    private int mode(Path p) throws Exception {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }

    @Test
    void createsVolumeWithModeAndOwnerIdempotently() throws Exception {
        var share = new Share(root);
        var settings = new DirectorySettings(02770, OptionalInt.of(1001), OptionalInt.of(2002));
        Path dir = share.createVolume(RelativePath.of("ns/claim/pvc-1"), settings);
        assertThat(dir).isEqualTo(root.resolve("ns/claim/pvc-1")).isDirectory();
        assertThat(mode(dir)).isEqualTo(02770);
        assertThat(Files.getAttribute(dir, "unix:uid")).isEqualTo(1001);
        assertThat(Files.getAttribute(dir, "unix:gid")).isEqualTo(2002);
        assertThat(mode(root.resolve("ns"))).isEqualTo(0755);

        Files.writeString(dir.resolve("data"), "kept");
        Files.setAttribute(dir, "unix:mode", 0700);
        assertThat(share.createVolume(RelativePath.of("ns/claim/pvc-1"), settings))
                .isEqualTo(dir);
        assertThat(mode(dir)).as("a retry finishes the mode").isEqualTo(02770);
        assertThat(dir.resolve("data")).hasContent("kept");
    }

    @Test
    void defaultModeIsWorldWritableRegardlessOfUmask() throws Exception {
        Path dir = new Share(root).createVolume(RelativePath.of("v"), DirectorySettings.DEFAULT);
        assertThat(mode(dir)).isEqualTo(0777);
    }

    @Test
    void refusesToCreateThroughASymlinkedParent(@TempDir Path outside) throws Exception {
        Files.createSymbolicLink(root.resolve("ns"), outside);
        var share = new Share(root);
        assertThatThrownBy(() -> share.createVolume(RelativePath.of("ns/pvc-1"), DirectorySettings.DEFAULT))
                .isInstanceOf(ShareException.class)
                .hasMessageContaining("symbolic link");
        assertThat(outside).isEmptyDirectory();
    }

    @Test
    void refusesWhenTheLeafIsAFileOrALink(@TempDir Path outside) throws Exception {
        Files.writeString(root.resolve("file"), "x");
        Files.createSymbolicLink(root.resolve("link"), outside);
        var share = new Share(root);
        assertThatThrownBy(() -> share.createVolume(RelativePath.of("file"), DirectorySettings.DEFAULT))
                .hasMessageContaining("not a directory");
        assertThatThrownBy(() -> share.createVolume(RelativePath.of("link"), DirectorySettings.DEFAULT))
                .hasMessageContaining("not a directory");
        assertThat(mode(outside)).isNotEqualTo(0777);
    }

    @Test
    void unusableMountPathIsExplained() {
        assertThatThrownBy(() -> new Share(root.resolve("missing")).checkUsable())
                .isInstanceOf(ShareException.class)
                .hasMessageContaining("is not a directory");
    }

    @Test
    void settingsParseAndExplainBadValues() {
        var s = DirectorySettings.DEFAULT.with("0750", "1000", null, "annotation");
        assertThat(s.mode()).isEqualTo(0750);
        assertThat(s.uid()).hasValue(1000);
        assertThat(s.gid()).isEmpty();
        assertThatThrownBy(() ->
                        DirectorySettings.DEFAULT.with("rwx", null, null, "annotation k8s-sigs.io/nfs-directory-mode"))
                .hasMessage("annotation k8s-sigs.io/nfs-directory-mode mode \"rwx\" is not an octal file " + "mode "
                        + "such " + "as " + "0777 " + "or " + "0750");
        assertThatThrownBy(() -> DirectorySettings.DEFAULT.with(null, "-1", null, "NFS_DEFAULT_UID"))
                .hasMessageContaining("uid \"-1\"");
        assertThatThrownBy(() -> DirectorySettings.DEFAULT.with(null, null, "99999999999", "x"))
                .hasMessageContaining("gid");
    }
}
