package dev.nfsprov.provision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nfsprov.provision.VolumeService.RejectedException;
import dev.nfsprov.share.DirectorySettings;
import dev.nfsprov.share.Share;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ShareCatalogTest {

    private static ShareCatalog.Entry entry(String name, String server, String path) {
        var mount = new ShareMount(name, new ShareLocation(server, path), Path.of("/shares", name));
        return new ShareCatalog.Entry(
                mount, new VolumeService(new Share(mount.mountPath()), mount.location(), DirectorySettings.DEFAULT));
    }

    private final ShareCatalog catalog = new ShareCatalog(List.of(
            entry("default", "10.1.1.1", "/export"),
            entry("fast", "10.1.1.2", "/export"),
            entry("archive", "10.1.1.1", "/cold")));

    @Test
    void aClassWithoutTheParameterUsesTheFirstShare() throws RejectedException {
        assertThat(catalog.forClass(Map.of()).name()).isEqualTo("default");
        assertThat(catalog.forClass(null).name()).isEqualTo("default");
        assertThat(catalog.forClass(Map.of("share", " ")).name()).isEqualTo("default");
    }

    @Test
    void aClassNamesItsShare() throws RejectedException {
        assertThat(catalog.forClass(Map.of("share", "fast")).name()).isEqualTo("fast");
        assertThat(catalog.forClass(Map.of("share", "archive")).name()).isEqualTo("archive");
    }

    @Test
    void anUnknownShareIsRefusedNamingTheKnownOnes() {
        assertThatThrownBy(() -> catalog.forClass(Map.of("share", "Fast")))
                .isInstanceOf(RejectedException.class)
                .hasMessage("StorageClass parameter share=\"Fast\" names no share this controller serves (default,"
                        + " fast, archive); add it to the chart's shares list, or fix the class");
    }

    @ParameterizedTest
    @CsvSource({
        "10.1.1.1, /export/pvc-1, default",
        "10.1.1.1, /export/ns/claim/pvc-1, default",
        "10.1.1.2, /export/pvc-1, fast",
        "10.1.1.1, /cold/pvc-1, archive",
        "10.1.1.1., /cold/pvc-1, archive",
        "10.1.1.3, /export/pvc-1, ",
        "10.1.1.1, /export, ",
        "10.1.1.1, /exported/pvc-1, ",
        "10.1.1.1, /export/../cold/pvc-1, ",
    })
    void aVolumeIsFoundOnItsShareFromItsNfsSourceAlone(String server, String path, String share) {
        assertThat(catalog.forVolume(server, path).map(ShareCatalog.Entry::name))
                .isEqualTo(java.util.Optional.ofNullable(share));
    }

    @ParameterizedTest
    @CsvSource({
        "10.1.1.1, /export/pvc-1/, true",
        "10.1.1.1, //export//pvc-1, true",
        "10.1.1.1, /export, true",
        "10.1.1.1., /cold/x/, true",
        "10.1.1.2, /export/pvc-1/, true",
        "10.1.1.3, /export/pvc-1/, false",
        "10.1.1.1, /exported/pvc-1, false",
        "10.1.1.1, /, false",
    })
    void aVolumeThatPointsIntoAShareHoweverItsPathIsWrittenIsKnownToDoSo(String server, String path, boolean holds) {
        assertThat(catalog.holds(server, path)).isEqualTo(holds);
    }

    @ParameterizedTest
    @CsvSource({
        "10.1.1.1, /export, 10.1.1.1, /export/fast, overlap",
        "10.1.1.1, /export, 10.1.1.1, /export/, overlap",
        "10.1.1.1, /, 10.1.1.1, /export, overlap",
        "nas.example, /a, NAS.example., /a, overlap",
        "10.1.1.1, /export, 10.1.1.1, /exported, ",
        "10.1.1.1, /export, 10.1.1.2, /export, ",
    })
    void sharesThatHoldEachOthersDirectoriesAreRefused(String s1, String p1, String s2, String p2, String problem) {
        var mounts = List.of(
                new ShareMount("one", new ShareLocation(s1, p1), Path.of("/shares/one")),
                new ShareMount("two", new ShareLocation(s2, p2), Path.of("/shares/two")));
        if (problem == null) {
            ShareCatalog.check(mounts);
        } else {
            assertThatThrownBy(() -> ShareCatalog.check(mounts))
                    .hasMessageContaining("overlap: one export holds the other's directories");
        }
    }

    @Test
    void aVolumeNamingTheServerByAnAliasIsTheSharesToo() {
        // issue 32: nfs-subdir's volumes say "nas", nfsprov is given "10.0.0.5": without the alias they stayed
        // Terminating, their directories on no share nfsprov knew
        var location = new ShareLocation("10.0.0.5", "/export", List.of("nas", "NAS.example."));
        assertThat(location.directoryOf("nas", "/export/ns-db-pvc-1"))
                .map(Object::toString)
                .contains("ns-db-pvc-1");
        assertThat(location.directoryOf("nas.example", "/export/ns-db-pvc-1")).isPresent();
        assertThat(location.holds("nas", "/export")).isTrue();
        assertThat(location.directoryOf("other", "/export/ns-db-pvc-1")).isEmpty();
        assertThat(location.nfsPath(dev.nfsprov.pathtemplate.RelativePath.of("x")))
                .isEqualTo("/export/x");
        assertThat(new ShareLocation("10.0.0.5", "/export").directoryOf("nas", "/export/x"))
                .isEmpty();
    }

    @Test
    void namesAndMountsAreUnique() {
        var a = new ShareMount("a", new ShareLocation("s1", "/x"), Path.of("/m"));
        assertThatThrownBy(() -> ShareCatalog.check(
                        List.of(a, new ShareMount("a", new ShareLocation("s2", "/x"), Path.of("/n")))))
                .hasMessage("two shares are named \"a\"");
        assertThatThrownBy(() -> ShareCatalog.check(
                        List.of(a, new ShareMount("b", new ShareLocation("s2", "/x"), Path.of("/m/")))))
                .hasMessage("shares \"a\" and \"b\" are both mounted at /m");
    }

    @Test
    void theCommandLineFormOfAShare() {
        var m = ShareMount.parse("name=fast, server=10.1.1.2,path=/export/fast/");
        assertThat(m.name()).isEqualTo("fast");
        assertThat(m.where()).isEqualTo("10.1.1.2:/export/fast");
        assertThat(m.mountPath()).isEqualTo(Path.of("/shares/fast"));
        assertThat(ShareMount.parse("name=b,server=[fd00::1],path=/x,mount=/mnt/b")
                        .mountPath())
                .isEqualTo(Path.of("/mnt/b"));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "name=fast,server=s|has no path=",
                "name=fast,path=/x|has no server=",
                "server=s,path=/x|has no name=",
                "name=fast,server=s,path=/x,port=2049|is not name=NAME,server=SERVER,path=/PATH[,mount=/DIR]: \"port=2049\"",
                "name=fast,server=s,path=/x,name=slow|gives name twice",
                "name=Fast,server=s,path=/x|share name \"Fast\" is not valid",
                "name=../x,server=s,path=/x|share name \"../x\" is not valid",
                "name=fast,server=s,path=x|must be absolute",
            })
    void aMistypedShareSaysWhat(String spec, String message) {
        assertThatThrownBy(() -> ShareMount.parse(spec)).hasMessageContaining(message);
    }
}
