package dev.nfsprov.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.share.DirectoryOwner;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Who a consumer-owned volume is given to, when, and which later Pods are told they cannot write it. */
class OwnershipRulesTest {

    /** A Pod created at second {@code at}, bound to a node, mounting claim "db" in container "c" unless told otherwise. */
    static PodBuilder pod(String name, int at, Long uid, Long gid, Long fsGroup) {
        return new PodBuilder()
                .withNewMetadata()
                .withNamespace("ns")
                .withName(name)
                .withCreationTimestamp("2026-11-29T10:00:%02dZ".formatted(at))
                .endMetadata()
                .withNewSpec()
                .withNodeName("node-1")
                .withNewSecurityContext()
                .withRunAsUser(uid)
                .withRunAsGroup(gid)
                .withFsGroup(fsGroup)
                .endSecurityContext()
                .addNewContainer()
                .withName("c")
                .addNewVolumeMount()
                .withName("data")
                .withMountPath("/data")
                .endVolumeMount()
                .endContainer()
                .addNewVolume()
                .withName("data")
                .withNewPersistentVolumeClaim()
                .withClaimName("db")
                .endPersistentVolumeClaim()
                .endVolume()
                .endSpec();
    }

    static Map<String, String> volume(String owner, String applied) {
        var a = new HashMap<String, String>();
        a.put(Names.ANN_OWNERSHIP, "consumer");
        if (owner != null) a.put(Names.ANN_OWNER, owner);
        if (applied != null) a.put(Names.ANN_OWNER_APPLIED, applied);
        return a;
    }

    record Case(String name, Map<String, String> annotations, List<Pod> pods, OwnershipVerdict expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static DirectoryOwner owner(String text) {
        return DirectoryOwner.parse(text);
    }

    static Stream<Case> cases() {
        Pod mysql = pod("mysql", 1, 999L, 999L, 999L).build();
        Pod later = pod("later", 2, 1000L, 1000L, 1000L).build();
        return Stream.of(
                new Case(
                        "a class without ownership: consumer",
                        Map.of(),
                        List.of(mysql),
                        new OwnershipVerdict.Nothing()),
                new Case("no Pod yet", volume(null, null), List.of(), new OwnershipVerdict.Waiting()),
                new Case(
                        "first consumer",
                        volume(null, null),
                        List.of(mysql),
                        new OwnershipVerdict.Take(owner("999:999"), "ns/mysql")),
                new Case(
                        "the oldest Pod is the first consumer, whatever order the cache lists them in",
                        volume(null, null),
                        List.of(later, mysql),
                        new OwnershipVerdict.Take(owner("999:999"), "ns/mysql")),
                new Case(
                        "fsGroup wins over runAsGroup",
                        volume(null, null),
                        List.of(pod("p", 1, 5L, 6L, 7L).build()),
                        new OwnershipVerdict.Take(owner("5:7"), "ns/p")),
                new Case(
                        "runAsGroup without fsGroup",
                        volume(null, null),
                        List.of(pod("p", 1, 5L, 6L, null).build()),
                        new OwnershipVerdict.Take(owner("5:6"), "ns/p")),
                new Case(
                        "runAsUser alone: its number is the group",
                        volume(null, null),
                        List.of(pod("p", 1, 5L, null, null).build()),
                        new OwnershipVerdict.Take(owner("5:5"), "ns/p")),
                new Case(
                        "fsGroup alone: the group only, the owner stays",
                        volume(null, null),
                        List.of(pod("p", 1, null, null, 7L).build()),
                        new OwnershipVerdict.Take(owner(":7"), "ns/p")),
                new Case(
                        "the container's ids over the Pod's",
                        volume(null, null),
                        List.of(pod("p", 1, 5L, 6L, null)
                                .editSpec()
                                .editFirstContainer()
                                .withNewSecurityContext()
                                .withRunAsUser(8L)
                                .withRunAsGroup(9L)
                                .endSecurityContext()
                                .endContainer()
                                .endSpec()
                                .build()),
                        new OwnershipVerdict.Take(owner("8:9"), "ns/p")),
                new Case(
                        "a Pod naming no id is skipped for one that does",
                        volume(null, null),
                        List.of(pod("anon", 1, null, null, null).build(), later),
                        new OwnershipVerdict.Take(owner("1000:1000"), "ns/later")),
                new Case(
                        "only Pods naming no id",
                        volume(null, null),
                        List.of(pod("anon", 1, null, null, null).build()),
                        new OwnershipVerdict.NoIds("ns/anon", "names no runAsUser, runAsGroup or fsGroup")),
                new Case(
                        "root is never given a directory by default (a restricted Pod may run with fsGroup 0)",
                        volume(null, null),
                        List.of(pod("rooty", 1, 4294967L, null, 0L).build()),
                        new OwnershipVerdict.NoIds(
                                "ns/rooty",
                                "runs with runAsUser 4294967, fsGroup 0, outside the ids the StorageClass lets a"
                                        + " directory be given to (directoryIdRange 1-2147483647)")),
                new Case(
                        "an id outside the range is skipped for a Pod within it",
                        volume(null, null),
                        List.of(pod("rooty", 1, 0L, 0L, 0L).build(), later),
                        new OwnershipVerdict.Take(owner("1000:1000"), "ns/later")),
                new Case(
                        "a Pod that never schedules never chooses the owner, however old",
                        volume(null, null),
                        List.of(
                                pod("unscheduled", 0, 4242L, 4242L, 4242L)
                                        .editSpec()
                                        .withNodeName(null)
                                        .endSpec()
                                        .build(),
                                later),
                        new OwnershipVerdict.Take(owner("1000:1000"), "ns/later")),
                new Case(
                        "only unscheduled Pods: still waiting",
                        volume(null, null),
                        List.of(pod("unscheduled", 0, 4242L, 4242L, 4242L)
                                .editSpec()
                                .withNodeName("")
                                .endSpec()
                                .build()),
                        new OwnershipVerdict.Waiting()),
                new Case(
                        "recorded, not applied (a crash between the two): applied again",
                        volume("999:999", null),
                        List.of(later),
                        new OwnershipVerdict.Finish(owner("999:999"))),
                new Case(
                        "applied, the same Pod",
                        volume("999:999", "2770 999:999"),
                        List.of(mysql),
                        new OwnershipVerdict.Nothing()),
                new Case(
                        "applied, a Pod in the group can write: nothing to say",
                        volume("999:999", "2770 999:999"),
                        List.of(pod("helper", 3, 1234L, null, 999L).build()),
                        new OwnershipVerdict.Nothing()),
                new Case(
                        "applied, a root Pod can write",
                        volume("999:999", "2770 999:999"),
                        List.of(pod("root", 3, 0L, null, null).build()),
                        new OwnershipVerdict.Nothing()),
                new Case(
                        "an id too large for the share is not given",
                        volume(null, null),
                        List.of(pod("huge", 1, 3_000_000_000L, null, null).build()),
                        new OwnershipVerdict.NoIds(
                                "ns/huge",
                                "runs with runAsUser 3000000000, outside the ids the StorageClass lets a directory be"
                                        + " given to (directoryIdRange 1-2147483647)")),
                new Case(
                        "an owner edited into garbage is decided again",
                        volume("mysql", null),
                        List.of(mysql),
                        new OwnershipVerdict.Take(owner("999:999"), "ns/mysql")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void verdicts(Case c) {
        assertThat(OwnershipRules.decide(c.annotations(), c.pods(), "db")).isEqualTo(c.expected());
    }

    @Test
    void theClassRangeBoundsTheIds() {
        var range = new OwnershipRules.IdRange(1000, 1999);
        assertThat(OwnershipRules.decide(
                        volume(null, null),
                        List.of(pod("p", 1, 999L, 999L, 999L).build()),
                        "db",
                        range))
                .isInstanceOf(OwnershipVerdict.NoIds.class);
        assertThat(OwnershipRules.decide(
                        volume(null, null),
                        List.of(pod("p", 1, 1500L, null, 1600L).build()),
                        "db",
                        range))
                .isEqualTo(new OwnershipVerdict.Take(owner("1500:1600"), "ns/p"));
    }

    @Test
    void aPodNamingThousandsOfClaimsIsKeptBounded() {
        // issue 30: 25,000 claim volumes in one Pod (1.6 MB, accepted under restricted) were kept whole
        var b = pod("many", 1, 999L, 999L, 999L)
                .editSpec()
                .withVolumes(List.of())
                .withContainers(List.of());
        var container = new io.fabric8.kubernetes.api.model.ContainerBuilder().withName("c");
        for (int i = 0; i < 25_000; i++) {
            b.addNewVolume()
                    .withName("v" + i)
                    .withNewPersistentVolumeClaim()
                    .withClaimName("claim-" + i)
                    .endPersistentVolumeClaim()
                    .endVolume();
            container
                    .addNewVolumeMount()
                    .withName("v" + i)
                    .withMountPath("/m" + i)
                    .endVolumeMount();
        }
        for (int i = 0; i < 100; i++)
            b.addToContainers(container.withName("c" + i).build());
        Pod trimmed = OwnershipRules.trim(b.endSpec().build());
        assertThat(trimmed.getSpec().getVolumes()).hasSize(OwnershipRules.MAX_CLAIMS_KEPT);
        assertThat(trimmed.getSpec().getContainers()).hasSize(OwnershipRules.MAX_CONTAINERS_KEPT);
        assertThat(trimmed.getSpec().getContainers().getFirst().getVolumeMounts())
                .hasSize(OwnershipRules.MAX_CLAIMS_KEPT);
        assertThat(trimmed.getSpec().getNodeName()).isEqualTo("node-1");
        assertThat(OwnershipRules.ids(trimmed, "claim-3")).isPresent();
    }

    @Test
    void aLaterPodThatCannotWriteIsToldWhyAndNothingChanges() {
        var verdict = OwnershipRules.decide(
                volume("999:999", "2770 999:999"),
                List.of(
                        pod("mysql", 1, 999L, 999L, 999L).build(),
                        pod("later", 2, 1000L, 1000L, 1000L).build()),
                "db");
        assertThat(verdict).isInstanceOf(OwnershipVerdict.Misfits.class);
        assertThat(((OwnershipVerdict.Misfits) verdict).reasons())
                .containsExactly(
                        "Pod ns/later runs with runAsUser 1000, runAsGroup 1000, fsGroup 1000, but the volume's"
                                + " directory was given to uid 999, gid 999 (mode 2770) by the first Pod that used it; it is not"
                                + " changed. Run the Pod with fsGroup 999, or change the directory's owner by hand");
    }

    @Test
    void podsThatDoNotMountTheClaimAreNotConsumersEvenIfTheyNameIt() {
        Pod mountsNothing = pod("sidecar", 1, 5L, null, null)
                .editSpec()
                .editFirstContainer()
                .withVolumeMounts(List.of())
                .endContainer()
                .endSpec()
                .build();
        assertThat(OwnershipRules.claims(mountsNothing)).containsExactly("db");
        // named in spec.volumes but mounted by no container: the Pod's own ids still apply
        assertThat(OwnershipRules.ids(mountsNothing, "db")).map(PodIds::uid).contains(java.util.OptionalLong.of(5));
        assertThat(OwnershipRules.ids(mountsNothing, "other")).isEmpty();
    }

    @Test
    void canWriteFollowsTheModeBitsForOwnerGroupAndOthers() {
        PodIds owner =
                OwnershipRules.ids(pod("p", 1, 999L, null, null).build(), "db").orElseThrow();
        PodIds member =
                OwnershipRules.ids(pod("p", 1, 5L, null, 999L).build(), "db").orElseThrow();
        PodIds stranger =
                OwnershipRules.ids(pod("p", 1, 5L, 5L, null).build(), "db").orElseThrow();
        PodIds imageUser =
                OwnershipRules.ids(pod("p", 1, null, null, 5L).build(), "db").orElseThrow();
        assertThat(OwnershipRules.canWrite(owner, 999, 999, 0700)).contains(true);
        assertThat(OwnershipRules.canWrite(owner, 999, 999, 0500)).contains(false);
        assertThat(OwnershipRules.canWrite(member, 999, 999, 02770)).contains(true);
        assertThat(OwnershipRules.canWrite(member, 999, 999, 0750)).contains(false);
        assertThat(OwnershipRules.canWrite(stranger, 999, 999, 02770)).contains(false);
        assertThat(OwnershipRules.canWrite(stranger, 0, 0, 0777)).contains(true);
        assertThat(OwnershipRules.canWrite(imageUser, 0, 0, 0755)).isEqualTo(Optional.empty());
    }

    @Test
    void theCacheKeepsWhatTheRulesReadAndNothingElse() {
        Pod full = pod("mysql", 1, 999L, 999L, 999L)
                .editMetadata()
                .addToAnnotations("big", "x".repeat(10_000))
                .endMetadata()
                .editSpec()
                .editFirstContainer()
                .withImage("mysql:8")
                .withCommand("sh", "-c", "y".repeat(10_000))
                .endContainer()
                .endSpec()
                .build();
        Pod trimmed = OwnershipRules.trim(full);
        assertThat(trimmed.getMetadata().getAnnotations()).isNullOrEmpty();
        assertThat(trimmed.getSpec().getContainers().getFirst().getCommand()).isNullOrEmpty();
        assertThat(OwnershipRules.ids(trimmed, "db")).isEqualTo(OwnershipRules.ids(full, "db"));
        assertThat(OwnershipRules.decide(volume(null, null), List.of(trimmed), "db"))
                .isEqualTo(OwnershipRules.decide(volume(null, null), List.of(full), "db"));
        Pod noClaims = new PodBuilder()
                .withNewMetadata()
                .withName("web")
                .withNamespace("ns")
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("c")
                .endContainer()
                .endSpec()
                .build();
        assertThat(OwnershipRules.trim(noClaims).getSpec()).as("only identity").isNull();
    }
}
