package dev.nfsprov.controller;

import static dev.nfsprov.testenv.Commands.python;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.api.ClaimSnapshot;
import dev.nfsprov.testenv.Await;
import dev.nfsprov.testenv.Kube;
import dev.nfsprov.testenv.MemoryCgroup;
import dev.nfsprov.testenv.ProvisionerProcess;
import dev.nfsprov.testenv.TestEnvironment;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Clones and snapshots read what tenants write and take objects tenants make (issue 34, item 4). At the chart's
 * memory (a 256 MiB cgroup; a 64 MiB heap, below the chart's), a tenant plants a chain of directories deeper than the
 * copy goes, with a link to /etc on top; 100,001 hard-linked files, past the copy's table; and 300 ClaimSnapshots
 * carrying 200 KiB of annotations each (60 MB), half made before the controller starts (its first list), half while
 * it runs. Each copy is refused with the bound it hit, nothing of it is kept, and another namespace's snapshot,
 * restore and new claim are served meanwhile. On a control plane and share of its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CopyAttacksIT {

    static final String PROVISIONER = "nfsprov.dev/copy-attacks";

    private TestEnvironment env;

    @BeforeAll
    void start() {
        env = TestEnvironment.startSeparate("copy-attacks", Map.of());
        for (String ns : List.of("mallory", "alice"))
            env.client
                    .namespaces()
                    .resource(new NamespaceBuilder()
                            .withNewMetadata()
                            .withName(ns)
                            .endMetadata()
                            .build())
                    .create();
    }

    @AfterAll
    void stop() {
        if (env != null) env.stop();
    }

    private Path directoryOf(Kube kube, String claim) {
        var pv = kube.volume(kube.awaitBound(claim).getSpec().getVolumeName());
        return env.exportDir.resolve(pv.getSpec().getNfs().getPath().substring(env.nfsPath.length() + 1));
    }

    private static void snapshots(KubernetesClient client, int from, int to, String claim) throws Exception {
        var annotations = Map.of("mallory.example/blob", "x".repeat(200 * 1024));
        try (var pool = Executors.newFixedThreadPool(4)) {
            List<Future<?>> made = new ArrayList<>();
            for (int i = from; i < to; i++) {
                var s = new ClaimSnapshot("mallory", "s" + i, new ClaimSnapshot.Spec(claim, null));
                s.getMetadata().setAnnotations(annotations);
                made.add(pool.submit(() -> client.resource(s).create()));
            }
            for (Future<?> f : made) f.get();
        }
    }

    private static String message(KubernetesClient client, String ns, String name) {
        var s = client.resources(ClaimSnapshot.class)
                .inNamespace(ns)
                .withName(name)
                .get();
        return s == null || s.getStatus() == null ? null : s.getStatus().message();
    }

    @Test
    void hostileTreesAndHugeSnapshotsLeaveAControllerWithA64MiBHeapServingOthers() throws Exception {
        var mallory = new Kube(env.client, "mallory");
        var alice = new Kube(env.client, "alice");
        mallory.storageClass("copies", PROVISIONER, Map.of(), "Delete", "Immediate");
        Path chain;
        try (var maker = ProvisionerProcess.start(env, PROVISIONER, true, Map.of())) {
            mallory.create(mallory.claimBuilder("chain", "copies"));
            mallory.create(mallory.claimBuilder("linked", "copies"));
            alice.create(alice.claimBuilder("notes", "copies"));
            chain = directoryOf(mallory, "chain");
            python(
                    chain,
                    "import os\nos.symlink('/etc', 'escape')\nfor i in range(300):\n    os.mkdir('d'); os.chdir('d')\n");
            python(
                    directoryOf(mallory, "linked"),
                    "import os\nfor i in range(100001):\n    open('f%d' % i, 'w').close(); os.link('f%d' % i, 'g%d' % i)\n");
            Files.writeString(directoryOf(alice, "notes").resolve("page"), "alice's");
        }
        snapshots(env.client, 0, 150, "chain");

        try (var cgroup = MemoryCgroup.create(256L << 20);
                var controller = ProvisionerProcess.start(
                        env,
                        TestEnvironment.REPO.resolve("bin/nfsprov"),
                        PROVISIONER,
                        true,
                        Map.of("NFSPROV_JAVA_OPTS", "-Xmx64m"),
                        cgroup)) {
            snapshots(env.client, 150, 300, "chain");
            env.client
                    .resource(new ClaimSnapshot("mallory", "of-linked", new ClaimSnapshot.Spec("linked", null)))
                    .create();
            mallory.create(mallory.claimBuilder("chain-copy", "copies")
                    .editSpec()
                    .withNewDataSource()
                    .withKind("PersistentVolumeClaim")
                    .withName("chain")
                    .endDataSource()
                    .endSpec());

            // another namespace is served meanwhile: a snapshot, a restore from it, a new claim
            env.client
                    .resource(new ClaimSnapshot("alice", "notes-snap", new ClaimSnapshot.Spec("notes", null)))
                    .create();
            SnapshotIT.awaitReady(env.client, "alice", "notes-snap");
            alice.create(SnapshotIT.restoreOf(alice, "notes-back", "copies", "notes-snap"));
            assertThat(directoryOf(alice, "notes-back").resolve("page")).hasContent("alice's");
            alice.create(alice.claimBuilder("fresh", "copies"));
            alice.awaitBound("fresh", Duration.ofSeconds(60));

            for (String s : List.of("s0", "s149", "s150", "s299"))
                Await.until(
                        "snapshot " + s + " refused with the depth bound",
                        Duration.ofSeconds(180),
                        () -> message(env.client, "mallory", s),
                        m -> m != null && m.contains("deeper than 256 levels"));
            Await.until(
                    "snapshot of-linked refused with the hard-link bound",
                    Duration.ofSeconds(300),
                    () -> message(env.client, "mallory", "of-linked"),
                    m -> m != null && m.contains("hard-linked files (more than 100000"));
            mallory.awaitEvent("chain-copy", "ProvisioningFailed", "deeper than 256 levels");
            // every copy tried once and refused: none running, none made again on its own status change
            Await.until(
                    "all 301 of mallory's snapshots refused",
                    Duration.ofSeconds(180),
                    () -> env.client.resources(ClaimSnapshot.class).inNamespace("mallory").list().getItems().stream()
                            .filter(x -> x.getStatus() != null
                                    && x.getStatus().message() != null
                                    && (x.getStatus().message().contains("deeper than 256 levels")
                                            || x.getStatus().message().contains("hard-linked files")))
                            .count(),
                    n -> n == 301);
            Await.holdsFor(
                    "no copy made again while the refusals stand (looked at again in 5 min)",
                    Duration.ofSeconds(10),
                    () -> {
                        try (var s = Files.list(env.exportDir.resolve(".nfsprov-snapshots"))) {
                            return s.filter(p -> !p.getFileName().toString().startsWith(".nfsprov."))
                                            .count()
                                    == 1;
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
            assertThat(mallory.volumesOf(
                            mallory.claim("chain-copy").getMetadata().getUid()))
                    .isEmpty();

            List<String> kept;
            try (var s = Files.list(env.exportDir.resolve(".nfsprov-snapshots"))) {
                kept = s.map(p -> p.getFileName().toString())
                        .filter(n -> !n.startsWith(".nfsprov."))
                        .toList();
            }
            String alices = env.client
                    .resources(ClaimSnapshot.class)
                    .inNamespace("alice")
                    .withName("notes-snap")
                    .get()
                    .getMetadata()
                    .getUid();
            assertThat(kept).as("no half copy of mallory's kept").containsExactly(alices);
            try (var s = Files.list(env.exportDir)) {
                assertThat(s.map(p -> p.getFileName().toString()).filter(n -> n.contains("chain-copy")))
                        .as("nor of the refused clone, nor its marker")
                        .isEmpty();
            }
            assertThat(controller.isAlive()).isTrue();
            assertThat(controller.log()).doesNotContain("OutOfMemoryError");
        }
    }
}
