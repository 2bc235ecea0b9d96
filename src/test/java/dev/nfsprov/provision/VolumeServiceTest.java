package dev.nfsprov.provision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nfsprov.pathtemplate.ClaimFacts;
import dev.nfsprov.share.DirectorySettings;
import dev.nfsprov.share.Share;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VolumeServiceTest {

    @TempDir
    Path root;

    private VolumeService service() {
        return new VolumeService(
                new Share(root), new ShareLocation("nfs.example", "/export"), DirectorySettings.DEFAULT);
    }

    private static ClaimFacts claim(String pv) {
        return new ClaimFacts("ns", "db", Map.of(), Map.of(), pv);
    }

    @Test
    void aNearMissOfAClassParameterIsARejectionAndNothingIsMade() {
        assertThatThrownBy(() -> service().provision(claim("pvc-1"), Map.of("archiveOnDelet", "false")))
                .isInstanceOf(VolumeService.RejectedException.class)
                .hasMessageStartingWith(
                        "StorageClass parameter \"archiveOnDelet\" is not one nfsprov knows: did you mean archiveOnDelete?");
        assertThat(root).isEmptyDirectory();
    }

    @Test
    void keysNfsSubdirIgnoresAndABlankPathPatternProvisionAsThereWithNfsSubdirsLayout() throws Exception {
        // issue 32: junk copied from other provisioners, mountOptions under parameters, and pathPattern "" stopped
        // every claim of the class; nfs-subdir provisions them (its master treats a blank pattern as unset)
        var volume = service()
                .provision(
                        claim("pvc-9"),
                        Map.of("pathPattern", "", "mountOptions", "nfsvers=4.1", "csi.storage.k8s.io/fstype", "ext4"));
        assertThat(volume.nfsPath()).isEqualTo("/export/ns-db-pvc-9");
        assertThat(root.resolve("ns-db-pvc-9")).isDirectory();
    }

    @Test
    void aConsumerOwnedVolumeWaitsRootsAloneThenIsGivenOnceOnTheTopDirectoryOnly() throws Exception {
        var service = service();
        var volume = service.provision(claim("pvc-1"), Map.of("ownership", "consumer"));
        assertThat(volume.consumerOwned()).isTrue();
        Path dir = root.resolve("ns-db-pvc-1");
        assertThat(java.nio.file.Files.getAttribute(dir, "unix:mode")).isEqualTo(040770);
        java.nio.file.Files.createDirectory(dir.resolve("inside"));
        var given = service.giveTo("nfs.example", volume.nfsPath(), dev.nfsprov.share.DirectoryOwner.parse("999:998"));
        assertThat(given.ownerSet()).isTrue();
        assertThat(given.now()).isEqualTo(new dev.nfsprov.share.DirAttributes(999, 998, 02770));
        assertThat(java.nio.file.Files.getAttribute(dir.resolve("inside"), "unix:uid"))
                .as("never recursive")
                .isEqualTo(0);
        assertThatThrownBy(() ->
                        service.giveTo("nfs.example", "/elsewhere/x", dev.nfsprov.share.DirectoryOwner.parse(":1")))
                .isInstanceOf(dev.nfsprov.share.ShareException.class)
                .hasMessageContaining("not inside this provisioner's share");
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(
            strings = {
                "k8s-sigs.io/nfs-directory-mode",
                "k8s-sigs.io/nfs-directory-uid",
                "k8s-sigs.io/nfs-directory-gid"
            })
    void aConsumerOwnedClassRefusesDirectoryAnnotations(String annotation) {
        assertThatThrownBy(() -> service()
                        .provision(
                                annotated("pvc-1", Map.of(annotation, "1")),
                                Map.of("ownership", "consumer", "directoryAnnotations", "any")))
                .isInstanceOf(VolumeService.RejectedException.class)
                .hasMessageContaining("ownership: consumer")
                .hasMessageContaining(annotation);
        assertThat(root).isEmptyDirectory();
    }

    @Test
    void anUnknownOwnershipIsARejection() {
        assertThatThrownBy(() -> service().provision(claim("pvc-1"), Map.of("ownership", "pod")))
                .isInstanceOf(VolumeService.RejectedException.class)
                .hasMessage("StorageClass parameter ownership=\"pod\" is not static or consumer");
    }

    @Test
    void aCollisionIsARejectionNotAShareFailure() throws Exception {
        var params = Map.of("pathPattern", "${.PVC.namespace}-${.PVC.name}");
        service().provision(claim("pvc-1"), params);
        assertThatThrownBy(() -> service().provision(claim("pvc-2"), params))
                .isInstanceOf(VolumeService.RejectedException.class)
                .hasMessageContaining("ns-db already exists on the share and was not made for this claim");
    }

    @Test
    void serverNamesCompareAsNamesWhenReclaiming() {
        var location = new ShareLocation("NFS.example.", "/export");
        assertThat(location.directoryOf("nfs.example", "/export/ns-db")).isPresent();
        assertThat(location.directoryOf("nfs.other", "/export/ns-db")).isEmpty();
        assertThat(new ShareLocation("[fd00::1]", "/export").directoryOf("fd00::1", "/export/v"))
                .isPresent();
    }

    private static ClaimFacts annotated(String pv, Map<String, String> annotations) {
        return new ClaimFacts("ns", "db-" + pv, Map.of(), annotations, pv);
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0} {1}")
    @org.junit.jupiter.params.provider.CsvSource(
            delimiter = '|',
            value = {
                "''|k8s-sigs.io/nfs-directory-mode=0750|",
                "''|k8s-sigs.io/nfs-directory-mode=2770|annotation k8s-sigs.io/nfs-directory-mode \"2770\" sets the setgid bit; this StorageClass allows permission bits (0000-0777) only",
                "''|k8s-sigs.io/nfs-directory-uid=1000|the StorageClass does not let claims choose their directory's owner (k8s-sigs.io/nfs-directory-uid); an administrator can allow it with the StorageClass parameter directoryAnnotations: owner",
                "off|k8s-sigs.io/nfs-directory-mode=0700|the StorageClass does not let claims set their directory's mode or owner (k8s-sigs.io/nfs-directory-mode); an administrator can allow it with the StorageClass parameter directoryAnnotations: mode",
                "owner|k8s-sigs.io/nfs-directory-mode=2770|",
                "owner|k8s-sigs.io/nfs-directory-mode=4770|annotation k8s-sigs.io/nfs-directory-mode \"4770\" sets the setuid bit; this StorageClass allows permission bits and setgid only",
                "owner|k8s-sigs.io/nfs-directory-uid=999|",
                "owner|k8s-sigs.io/nfs-directory-uid=0|annotation k8s-sigs.io/nfs-directory-uid \"0\" is outside the ids this StorageClass allows (directoryIdRange 1-2147483647)",
                "any|k8s-sigs.io/nfs-directory-uid=0|",
                "any|k8s-sigs.io/nfs-directory-mode=4777|",
            })
    void whatAClaimMaySetIsBoundedByItsClass(String policy, String annotation, String refusal) {
        var parameters = policy.isEmpty() ? Map.<String, String>of() : Map.of("directoryAnnotations", policy);
        String[] kv = annotation.split("=");
        var claim = annotated("pvc-" + Math.abs(annotation.hashCode()), Map.of(kv[0], kv[1]));
        if (refusal == null) {
            org.assertj.core.api.Assertions.assertThatCode(() -> service().provision(claim, parameters))
                    .doesNotThrowAnyException();
        } else {
            assertThatThrownBy(() -> service().provision(claim, parameters))
                    .isInstanceOf(VolumeService.RejectedException.class)
                    .hasMessage(refusal);
        }
    }

    @Test
    void anIdRangeNarrowsTheOwnersAClaimMayChoose() {
        var parameters = Map.of("directoryAnnotations", "owner", "directoryIdRange", "1000-1999");
        assertThatThrownBy(() -> service()
                        .provision(annotated("pvc-r", Map.of("k8s-sigs.io/nfs-directory-gid", "999")), parameters))
                .hasMessage(
                        "annotation k8s-sigs.io/nfs-directory-gid \"999\" is outside the ids this StorageClass allows "
                                + "(directoryIdRange 1000-1999)");
        assertThatThrownBy(() -> service().provision(annotated("pvc-s", Map.of()), Map.of("directoryIdRange", "9-1")))
                .hasMessage("StorageClass parameter directoryIdRange=\"9-1\" is not a range such as 1000-65535");
    }

    @Test
    void aSlashInAValueMakesASubFolderOnlyWhereTheClassSaysSo() throws Exception {
        var pattern = Map.of("pathPattern", "${.PVC.namespace}/${.PVC.annotations.dir}");
        var claim = annotated("pvc-n", Map.of("dir", "tenant-b-volume/inside"));
        assertThatThrownBy(() -> service().provision(claim, pattern))
                .isInstanceOf(VolumeService.RejectedException.class)
                .hasMessage(
                        "the claim's annotation \"dir\" has a \"/\", which would make a sub-folder; the StorageClass "
                                + "allows that with nestedValues: \"true\"");
        var nested = new java.util.HashMap<>(pattern);
        nested.put("nestedValues", "true");
        assertThat(service().provision(claim, nested).nfsPath()).isEqualTo("/export/ns/tenant-b-volume/inside");
    }

    @Test
    void aCloneIsACopyOfTheSourceAndAnInterruptedOneIsCopiedAgainFromScratch() throws Exception {
        var service = service();
        var source = service.provision(claim("pvc-src"), Map.of());
        Path src = root.resolve("ns-db-pvc-src");
        java.nio.file.Files.createDirectories(src.resolve("data/deep"));
        java.nio.file.Files.writeString(src.resolve("data/deep/rows"), "v1");
        java.nio.file.Files.createSymbolicLink(src.resolve("escape"), Path.of("/etc"));
        var cloneFacts = new ClaimFacts("ns", "copy", Map.of(), Map.of(), "pvc-copy");

        // An attempt killed mid-copy left the new volume's directory with a file the source no longer has.
        Path dst = root.resolve("ns-copy-pvc-copy");
        service.provision(cloneFacts, Map.of());
        java.nio.file.Files.writeString(dst.resolve("stale"), "from a source that changed");

        var cloned = service.provisionClone(
                cloneFacts,
                Map.of(),
                p -> null,
                service.share(),
                service.volumeDirectory("nfs.example", source.nfsPath()));
        assertThat(cloned.volume().nfsPath()).isEqualTo("/export/ns-copy-pvc-copy");
        assertThat(cloned.copied().files()).isEqualTo(1);
        assertThat(cloned.copied().links()).isEqualTo(1);
        assertThat(java.nio.file.Files.readString(dst.resolve("data/deep/rows")))
                .isEqualTo("v1");
        assertThat(java.nio.file.Files.readSymbolicLink(dst.resolve("escape")))
                .as("a link is copied as a link, never followed")
                .isEqualTo(Path.of("/etc"));
        assertThat(dst.resolve("stale")).as("copied again from scratch").doesNotExist();
        assertThat(src.resolve("data/deep/rows")).as("the source is untouched").hasContent("v1");
    }

    @Test
    void aCloneIsRefusedWhereTheClassTakesDirectoriesOverOrTheSourceIsNotAVolumeOfTheShare() {
        var service = service();
        var cloneFacts = new ClaimFacts("ns", "copy", Map.of(), Map.of(), "pvc-copy");
        assertThatThrownBy(() -> service.provisionClone(
                        cloneFacts,
                        Map.of("existingDirectory", "reuse"),
                        p -> null,
                        service.share(),
                        service.volumeDirectory("nfs.example", "/export/ns-db-pvc-src")))
                .isInstanceOf(VolumeService.RejectedException.class)
                .hasMessageContaining("existingDirectory: reuse");
        for (String path : new String[] {"/export", "/elsewhere/x", "/export/../etc"}) {
            assertThatThrownBy(() -> service.volumeDirectory("nfs.example", path))
                    .as(path)
                    .isInstanceOf(VolumeService.RejectedException.class)
                    .hasMessageContaining("is not a volume directory of share nfs.example:/export");
        }
        assertThat(root).as("nothing made").isEmptyDirectory();
    }
}
