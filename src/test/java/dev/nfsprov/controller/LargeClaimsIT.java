package dev.nfsprov.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nfsprov.testenv.Await;
import dev.nfsprov.testenv.Kube;
import dev.nfsprov.testenv.ProvisionerProcess;
import dev.nfsprov.testenv.RealCluster;
import dev.nfsprov.testenv.RealCluster.TestNamespace;
import dev.nfsprov.testenv.TestEnvironment;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiFunction;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A tenant's large claims against the launcher's 96 MiB heap. Claims handed to nfsprov that stay Pending (here: a
 * selector, which nfsprov refuses) with 250 KiB of annotations (the most the API server takes) or a 250 KiB selector:
 * 400 of them are 100 MB. The controller kept every claim handed to it whole, and at ~300 such claims it spent its
 * time collecting garbage, /healthz still answering, nothing provisioned for anyone (docs/reliability.md); now it keeps
 * only what its rules read and goes on provisioning. Claims of 1.5 MiB, which no cache can trim, end it with a clear
 * message.
 */
@ExtendWith(RealCluster.class)
class LargeClaimsIT {

    @Test
    void claimsWithLargeAnnotationsAreRefusedWithoutFillingTheController(TestNamespace namespace) throws Exception {
        refusedWithoutFillingTheController(
                namespace,
                400,
                (claim, random) -> claim.editMetadata()
                        // random letters: equal values would be one string in the controller
                        .addToAnnotations("example.com/blob", letters(random, 250 * 1024))
                        .endMetadata()
                        .editSpec()
                        .withSelector(new LabelSelectorBuilder()
                                .addToMatchLabels("disk", "fast")
                                .build())
                        .endSpec(),
                "more than the 16 KiB nfsprov keeps of a claim");
    }

    /**
     * The same with the spec: a selector's expressions may hold thousands of values (the API server bounds only the
     * object, at 1.5 MiB), and the cache kept them all. 800 claims of 2,000 values each: 100 MB as JSON, ~170 MB as
     * the strings the cache held. Now it keeps an empty selector, which the rules refuse alike. (Of 4,000 values each,
     * a page of 100 such claims no longer fits the heap while it is parsed: docs/reliability.md.)
     */
    @Test
    void claimsWithLargeSelectorsAreRefusedWithoutFillingTheController(TestNamespace namespace) throws Exception {
        refusedWithoutFillingTheController(
                namespace,
                800,
                (claim, random) -> claim.editSpec()
                        .withSelector(new LabelSelectorBuilder()
                                .addNewMatchExpression()
                                .withKey("disk")
                                .withOperator("In")
                                .withValues(IntStream.range(0, 2_000)
                                        .mapToObj(v -> letters(random, 63))
                                        .toList())
                                .endMatchExpression()
                                .build())
                        .endSpec(),
                "claims with spec.selector are not supported");
    }

    /**
     * Claims as large as the API server takes (1.5 MiB: it bounds their number of labels only by that), of another
     * class. A paged list parses a whole page (100 claims, up to 170 MB) before the cache sees one, and 60 of them
     * ended a controller with the launcher's 96 MiB heap (exit 3, OutOfMemoryError). The caches are now filled by
     * streaming lists (WatchList, on by default since Kubernetes 1.32): one object at a time, each trimmed as it
     * arrives. With paged lists (--watch-list=false, for older servers) the controller still ends saying why.
     */
    @Test
    void claimsAsLargeAsTheApiServerTakesNoLongerEndTheController() throws Exception {
        // A control plane of its own: any controller listing claims on the shared one would meet the same end.
        var env = TestEnvironment.startSeparate("huge", Map.of());
        try {
            var kube = new Kube(env.client, "default");
            var labels = new LinkedHashMap<String, String>();
            for (int i = 0; i < 20_000; i++) labels.put("l" + i, "v".repeat(60)); // 1.48 MB
            try (var pool = Executors.newFixedThreadPool(4)) {
                var created = IntStream.range(0, 60)
                        .mapToObj(i -> pool.submit(() -> kube.create(kube.claimBuilder("huge-" + i, "other")
                                .editMetadata()
                                .withLabels(labels)
                                .endMetadata())))
                        .toList();
                for (Future<?> f : created) f.get();
            }
            kube.storageClass("huge", "nfsprov.dev/huge", Map.of(), "Delete", "Immediate");
            try (var controller = ProvisionerProcess.start(env, "nfsprov.dev/huge", true, Map.of())) {
                kube.create(kube.claimBuilder("ours", "huge"));
                kube.awaitBound("ours");
                assertThat(controller.isAlive()).isTrue();
            }
            assertThatThrownBy(() ->
                            ProvisionerProcess.start(env, "nfsprov.dev/huge", true, Map.of(), "--watch-list=false"))
                    .hasMessageContaining("provisioner exited with 3")
                    .hasMessageContaining("Terminating due to java.lang.OutOfMemoryError: Java heap space");
        } finally {
            env.stop();
        }
    }

    private void refusedWithoutFillingTheController(
            TestNamespace namespace,
            int claims,
            BiFunction<PersistentVolumeClaimBuilder, Random, PersistentVolumeClaimBuilder> large,
            String refusal)
            throws Exception {
        var env = namespace.env();
        String ns = namespace.name();
        var kube = new Kube(env.client, ns);
        String provisioner = "nfsprov.dev/" + ns;
        kube.storageClass(ns, provisioner, Map.of(), "Delete", "Immediate");
        // The launcher's defaults: a 96 MiB heap.
        try (var controller = ProvisionerProcess.start(env, provisioner, true, Map.of())) {
            try (var pool = Executors.newFixedThreadPool(8)) {
                var created = IntStream.range(0, claims)
                        .mapToObj(i -> pool.submit(
                                () -> kube.create(large.apply(kube.claimBuilder("large-" + i, ns), new Random(i)))))
                        .toList();
                for (Future<?> f : created) f.get();
            }
            for (int i : new int[] {0, claims / 2, claims - 1})
                kube.awaitEvent("large-" + i, "ProvisioningFailed", refusal);

            kube.create(kube.claimBuilder("after", ns));
            kube.awaitBound("after");
            assertThat(controller.isAlive()).isTrue();
            assertThat(controller.get("/readyz").statusCode()).isEqualTo(200);

            // A restart lists them all again, in pages of 100 claims (ProvisionerApp.TENANT_LIST_PAGE).
            controller.terminate();
            controller.start();
            kube.create(kube.claimBuilder("after-restart", ns));
            kube.awaitBound("after-restart");
        } finally {
            deleteAll(env, ns); // 100 MB the API server need not keep, and the next test must not list
        }
    }

    private static void deleteAll(TestEnvironment env, String ns) {
        env.client.persistentVolumeClaims().inNamespace(ns).delete();
        Await.until(
                "the large claims gone",
                Duration.ofSeconds(120),
                () -> env.client
                        .persistentVolumeClaims()
                        .inNamespace(ns)
                        .list()
                        .getItems()
                        .isEmpty());
    }

    private static String letters(Random random, int n) {
        var chars = new char[n];
        for (int i = 0; i < n; i++) chars[i] = (char) ('a' + random.nextInt(26));
        return new String(chars);
    }
}
