package dev.nfsprov.rebind;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackupDirTest {

    @TempDir
    Path cwd;

    @Test
    void savesReadsBackAndIsResumedUntilFinished() throws Exception {
        var dir = BackupDir.choose(null, cwd);
        assertThat(dir.path().getFileName().toString()).startsWith("nfsprov-rebind-");
        assertThat(dir.unfinished()).isFalse();
        dir.save(new PersistentVolumeClaimBuilder()
                .withNewMetadata()
                .withName("a")
                .withNamespace("ns")
                .withUid("u")
                .endMetadata()
                .withNewSpec()
                .withStorageClassName("")
                .endSpec()
                .build());
        assertThat(dir.unfinished()).isTrue();
        assertThat(BackupDir.choose(null, cwd).path())
                .as("an unfinished run is resumed")
                .isEqualTo(dir.path());
        var back = dir.originals();
        assertThat(back).hasSize(1);
        assertThat(back.getFirst().getMetadata().getUid()).isEqualTo("u");
        assertThat(back.getFirst().getSpec().getStorageClassName()).isEmpty();
        try (var files = Files.list(dir.path())) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("IN-PROGRESS", "ns__a.yaml", "ns__a.apply.yaml");
        }
        String apply = Files.readString(dir.path().resolve("ns__a.apply.yaml"));
        assertThat(apply).contains("name: \"a\"").contains("namespace: \"ns\"").doesNotContain("uid");
        dir.finish();
        assertThat(dir.unfinished()).isFalse();
        assertThat(dir.originals()).hasSize(1);
    }
}
