package dev.nfsprov.provision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Which class parameters nfsprov refuses, which it ignores as nfs-subdir does, and what it says of them. */
class ClassParametersTest {

    @ParameterizedTest(name = "{0} is a near-miss of {1}: refused")
    @CsvSource({
        "archiveOnDelet, archiveOnDelete",
        "ArchiveOnDelete, archiveOnDelete",
        "Ownership, ownership",
        "pathpattern, pathPattern",
        "path-pattern, pathPattern",
        "directoryIdRang, directoryIdRange",
        "capacityPolicys, capacityPolicy",
        "ondelete, onDelete"
    })
    void aNearMissOfAKnownKeyIsRefusedNamingIt(String key, String meant) {
        assertThat(ClassParameters.nearMiss(key)).isEqualTo(meant);
        assertThatThrownBy(() -> ClassParameters.check(Map.of(key, "x")))
                .isInstanceOf(VolumeService.RejectedException.class)
                .hasMessageContaining("\"" + key + "\"")
                .hasMessageContaining("did you mean " + meant + "?");
    }

    @ParameterizedTest(name = "{0} is ignored, as nfs-subdir ignores it")
    @ValueSource(strings = {"server", "path", "mountOptions", "csi.storage.k8s.io/fstype", "skuName", "type", "fsType"})
    void keysNfsSubdirIgnoresAreIgnoredAndSaid(String key) throws Exception {
        ClassParameters.check(Map.of(key, "x")); // no refusal
        assertThat(ClassParameters.ignored(Map.of(key, "x", "onDelete", "delete")))
                .containsExactly(key);
        assertThat(ClassParameters.notes(Map.of(key, "x")))
                .singleElement()
                .asString()
                .contains(key);
    }

    @Test
    void theNotesSayWhatHappensWithoutRefusingAnything() {
        assertThat(ClassParameters.notes(Map.of("onDelete", "delete"))).isEmpty();
        assertThat(ClassParameters.notes(Map.of("pathPattern", " ")))
                .containsExactly("pathPattern is empty: nfs-subdir's default layout"
                        + " (${.PVC.namespace}-${.PVC.name}-${.PV.name}) is used");
        assertThat(ClassParameters.notes(Map.of("mountOptions", "nfsvers=4.1", "server", "nas")))
                .containsExactly("StorageClass parameter(s) mountOptions, server are not ones nfsprov reads, and are"
                        + " ignored (as nfs-subdir ignores them); mount options belong in the class's own"
                        + " mountOptions field, not its parameters");
        assertThat(ClassParameters.KNOWN).hasSize(14).doesNotHaveDuplicates();
        assertThat(List.copyOf(ClassParameters.KNOWN)).contains("pathPattern", "archiveMaxBytes", "snapshotRetention");
    }
}
