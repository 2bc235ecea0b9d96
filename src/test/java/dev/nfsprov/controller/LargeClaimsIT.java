package dev.nfsprov.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.testenv.Kube;
import dev.nfsprov.testenv.ProvisionerProcess;
import dev.nfsprov.testenv.RealCluster;
import dev.nfsprov.testenv.RealCluster.TestNamespace;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A tenant's claims that stay Pending (here: a selector, which nfsprov refuses) each carrying 250 KiB of annotations,
 * the most the API server takes: 400 of them are 100 MB, more than the controller's 96 MiB heap. The controller kept
 * every claim handed to it whole while it worked on it, and at ~300 such claims it spent its time collecting garbage,
 * /healthz still answering, nothing provisioned for anyone (docs/reliability.md). Now it keeps at most 16 KiB of a
 * claim's labels and annotations and refuses a claim over that, and goes on provisioning.
 */
@ExtendWith(RealCluster.class)
class LargeClaimsIT {

    static final int CLAIMS = 400;

    @Test
    void claimsWithLargeAnnotationsAreRefusedWithoutFillingTheController(TestNamespace namespace) throws Exception {
        var env = namespace.env();
        String ns = namespace.name();
        var kube = new Kube(env.client, ns);
        String provisioner = "nfsprov.dev/" + ns;
        kube.storageClass(ns, provisioner, Map.of(), "Delete", "Immediate");
        // The launcher's defaults: a 96 MiB heap.
        try (var controller = ProvisionerProcess.start(env, provisioner, true, Map.of())) {
            try (var pool = Executors.newFixedThreadPool(8)) {
                var created = IntStream.range(0, CLAIMS)
                        .mapToObj(i -> pool.submit(() -> kube.create(kube.claimBuilder("large-" + i, ns)
                                .editMetadata()
                                // random letters: equal values would be one string in the controller
                                .addToAnnotations("example.com/blob", letters(new Random(i), 250 * 1024))
                                .endMetadata()
                                .editSpec()
                                .withSelector(new LabelSelectorBuilder()
                                        .addToMatchLabels("disk", "fast")
                                        .build())
                                .endSpec())))
                        .toList();
                for (Future<?> f : created) f.get();
            }
            for (int i : new int[] {0, CLAIMS / 2, CLAIMS - 1})
                kube.awaitEvent("large-" + i, "ProvisioningFailed", "more than the 16 KiB nfsprov keeps of a claim");

            kube.create(kube.claimBuilder("after", ns));
            kube.awaitBound("after");
            assertThat(controller.isAlive()).isTrue();
            assertThat(controller.get("/readyz").statusCode()).isEqualTo(200);

            // A restart lists them all again, in pages of 250 claims.
            controller.terminate();
            controller.start();
            kube.create(kube.claimBuilder("after-restart", ns));
            kube.awaitBound("after-restart");
        } finally {
            env.client.persistentVolumeClaims().inNamespace(ns).delete(); // 100 MB the API server need not keep
        }
    }

    private static String letters(Random random, int n) {
        var chars = new char[n];
        for (int i = 0; i < n; i++) chars[i] = (char) ('a' + random.nextInt(26));
        return new String(chars);
    }
}
