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
    void anUnknownClassParameterIsARejectionAndNothingIsMade() {
        assertThatThrownBy(() -> service().provision(claim("pvc-1"), Map.of("archiveOnDelet", "false")))
                .isInstanceOf(VolumeService.RejectedException.class)
                .hasMessage(
                        "StorageClass parameter \"archiveOnDelet\" is not one nfsprov knows (pathPattern, onDelete, "
                                + "archiveOnDelete, existingDirectory)");
        assertThat(root).isEmptyDirectory();
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
}
