package dev.nfsprov.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.reclaim.OnDelete;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every verdict the provisioner gives one of its volumes, with its reason. */
class VolumeRulesTest {

    static final String ME = "cluster.local/nfs";

    record Case(
            String name,
            UnaryOperator<PersistentVolumeBuilder> volume,
            StorageClass storageClass,
            VolumeVerdict expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static StorageClass cls(String provisioner, Map<String, String> parameters) {
        return new StorageClassBuilder()
                .withNewMetadata()
                .withName("nfs")
                .endMetadata()
                .withProvisioner(provisioner)
                .withParameters(parameters)
                .build();
    }

    /** A Released volume of ours, policy Delete, that remembered "delete" at provisioning. */
    static PersistentVolumeBuilder released() {
        return new PersistentVolumeBuilder()
                .withNewMetadata()
                .withName("pvc-1")
                .addToAnnotations(Names.ANN_PROVISIONED_BY, ME)
                .addToAnnotations(Names.ANN_ON_DELETE, "delete")
                .endMetadata()
                .withNewSpec()
                .withStorageClassName("nfs")
                .withPersistentVolumeReclaimPolicy("Delete")
                .endSpec()
                .withNewStatus()
                .withPhase("Released")
                .endStatus();
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case(
                        "the decision recorded at provisioning wins over the class as it is now",
                        v -> v,
                        cls(ME, Map.of("archiveOnDelete", "true")),
                        new VolumeVerdict.Reclaim(OnDelete.DELETE)),
                new Case(
                        "no record (nfs-subdir's): the class decides, onDelete over archiveOnDelete",
                        v -> v.editMetadata()
                                .withAnnotations(Map.of(Names.ANN_PROVISIONED_BY, ME))
                                .endMetadata(),
                        cls(ME, Map.of("archiveOnDelete", "true", "onDelete", "retain")),
                        new VolumeVerdict.Reclaim(OnDelete.RETAIN)),
                new Case(
                        "no record: the class's archiveOnDelete false deletes",
                        v -> v.editMetadata()
                                .withAnnotations(Map.of(Names.ANN_PROVISIONED_BY, ME))
                                .endMetadata(),
                        cls(ME, Map.of("archiveOnDelete", "false")),
                        new VolumeVerdict.Reclaim(OnDelete.DELETE)),
                new Case(
                        "released, class gone: the remembered decision",
                        v -> v,
                        null,
                        new VolumeVerdict.Reclaim(OnDelete.DELETE)),
                new Case(
                        "released, class re-made for another provisioner",
                        v -> v,
                        cls("other/p", Map.of()),
                        new VolumeVerdict.Reclaim(OnDelete.DELETE)),
                new Case(
                        "released, nothing remembered (nfs-subdir's), class gone: archive",
                        v -> v.editMetadata()
                                .withAnnotations(Map.of(Names.ANN_PROVISIONED_BY, ME))
                                .endMetadata(),
                        null,
                        new VolumeVerdict.Reclaim(OnDelete.ARCHIVE)),
                new Case(
                        "Failed counts as released",
                        v -> v.editStatus().withPhase("Failed").endStatus(),
                        null,
                        new VolumeVerdict.Reclaim(OnDelete.DELETE)),
                new Case(
                        "still bound",
                        v -> v.editStatus().withPhase("Bound").endStatus(),
                        null,
                        new VolumeVerdict.Wait("it is still Bound; it is reclaimed once its claim is gone")),
                new Case(
                        "never bound",
                        v -> v.editStatus().withPhase("Available").endStatus(),
                        null,
                        new VolumeVerdict.Keep("it was never bound (Available); its directory is kept")),
                new Case(
                        "policy Retain",
                        v -> v.editSpec()
                                .withPersistentVolumeReclaimPolicy("Retain")
                                .endSpec(),
                        null,
                        new VolumeVerdict.Keep("reclaim policy Retain: the data is the administrator's to handle")),
                new Case(
                        "no record and an invalid onDelete in the class",
                        v -> v.editMetadata()
                                .withAnnotations(Map.of(Names.ANN_PROVISIONED_BY, ME))
                                .endMetadata(),
                        cls(ME, Map.of("onDelete", "shred")),
                        new VolumeVerdict.Reject(
                                "StorageClass parameter onDelete=\"shred\" is not one of delete, retain, archive")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void verdict(Case c) {
        PersistentVolume volume = c.volume().apply(released()).build();
        assertThat(VolumeRules.decide(volume, c.storageClass(), ME, () -> List.of()))
                .isEqualTo(c.expected());
    }

    @org.junit.jupiter.api.Test
    void aDirectoryAnotherVolumeNamesIsNeverReclaimedFromUnderIt() {
        assertThat(VolumeRules.decide(released().build(), null, ME, () -> List.of("static-copy", "pvc-9")))
                .isEqualTo(
                        new VolumeVerdict.Spare(
                                "PersistentVolume static-copy, pvc-9 names the same directory or one inside it; its data is left for it"));
        // still Bound: waits first, whoever else names the directory
        assertThat(VolumeRules.decide(
                        released().editStatus().withPhase("Bound").endStatus().build(), null, ME, () -> {
                            throw new AssertionError("a Bound volume needs no scan");
                        }))
                .isInstanceOf(VolumeVerdict.Wait.class);
    }

    @org.junit.jupiter.api.Test
    void oursByTheProvisionedByAnnotation() {
        assertThat(VolumeRules.ours(released().build(), ME)).isTrue();
        assertThat(VolumeRules.ours(released().build(), "other/p")).isFalse();
        assertThat(VolumeRules.ours(
                        released()
                                .editMetadata()
                                .withAnnotations(null)
                                .endMetadata()
                                .build(),
                        ME))
                .isFalse();
    }
}
