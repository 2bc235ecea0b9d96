package dev.nfsprov.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.testenv.Await;
import dev.nfsprov.testenv.Commands;
import dev.nfsprov.testenv.Kube;
import dev.nfsprov.testenv.ProvisionerProcess;
import dev.nfsprov.testenv.RealCluster;
import dev.nfsprov.testenv.RealCluster.TestNamespace;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A tenant creating and deleting claims in a loop leaves nothing behind in the controller: once the claims are
 * gone, the controller's heap (a class histogram of the live process, after a full collection) holds no
 * per-resource state of JOSDK for them and no timer tasks. Both used to grow with every claim ever made: the state
 * because a Bound claim's delete never reached JOSDK (filtered out, and not reported by an informer whose store
 * had dropped the claim), the timers because each reconcile left a cancelled 10-hour task in JOSDK's queue. The
 * volumes are kept (Retain): JOSDK 5.2 still keeps the state of some volumes deleted while their reconcile ends
 * (docs/performance.md), which this test does not cover.
 */
@ExtendWith(RealCluster.class)
class ChurnIT {

    private static final int CLAIMS = 60;
    /** Left at rest: the usage scan's and the Lease's, never one per claim. */
    private static final int LEFT = 10;

    /** The volumes kept (Retain), one state each. */
    private static final int VOLUMES = 2 * CLAIMS;

    private static final String STATE = "io.javaoperatorsdk.operator.processing.event.ResourceState";

    @Test
    void claimsMadeAndDeletedLeaveNoStateInTheController(TestNamespace ns) throws Exception {
        String provisioner = "nfsprov.dev/" + ns.name();
        var kube = new Kube(ns.env().client, ns.name());
        // Retain: the volumes stay (Released), so what JOSDK remembers of them is known; see the class comment.
        kube.storageClass(ns.name(), provisioner, Map.of(), "Retain", "Immediate");
        try (var p = ProvisionerProcess.start(ns.env(), provisioner, false, Map.of())) {
            for (int round = 0; round < 2; round++) {
                List<String> volumes = new ArrayList<>();
                for (int i = 0; i < CLAIMS; i++) kube.create(kube.claimBuilder("c" + round + "-" + i, ns.name()));
                for (int i = 0; i < CLAIMS; i++)
                    volumes.add(kube.awaitBound("c" + round + "-" + i).getSpec().getVolumeName());
                for (int i = 0; i < CLAIMS; i++) kube.deleteClaim("c" + round + "-" + i);
                for (String v : volumes)
                    Await.until(
                            v + " Released",
                            Duration.ofSeconds(60),
                            () -> "Released".equals(kube.volume(v).getStatus().getPhase()));
                for (int i = 0; i < CLAIMS; i++) kube.awaitClaimGone("c" + round + "-" + i);
            }
            try {
                Await.until(
                        "JOSDK's state of the deleted claims forgotten",
                        Duration.ofSeconds(30),
                        () -> instances(histogram(p.pid()), STATE) <= VOLUMES + LEFT);
            } catch (AssertionError timedOut) {
                // the assertions below say what is left
            }
            String live = histogram(p.pid());
            assertThat(instances(live, STATE))
                    .as("JOSDK resource states after %d claims made and deleted (one per kept volume)", 2 * CLAIMS)
                    .isLessThanOrEqualTo(VOLUMES + LEFT);
            assertThat(
                            instances(
                                    live,
                                    "io.javaoperatorsdk.operator.processing.event.source.timer.TimerEventSource$EventProducerTimeTask"))
                    .as("JOSDK timer tasks after %d claims made and deleted", 2 * CLAIMS)
                    .isLessThanOrEqualTo(LEFT);
            assertThat(p.isAlive()).isTrue();
        }
    }

    /** jcmd's class histogram of the live objects (it runs a full collection first). */
    private static String histogram(long pid) {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        return Commands.runOrFail(
                Map.of(),
                List.of(jcmd.toString(), Long.toString(pid), "GC.class_histogram"),
                "jcmd GC.class_histogram failed (the tests' JDK must be a full JDK with bin/jcmd)");
    }

    private static long instances(String histogram, String className) {
        return histogram
                .lines()
                .map(String::trim)
                .map(l -> l.split("\\s+"))
                .filter(f -> f.length >= 4 && f[3].equals(className))
                .mapToLong(f -> Long.parseLong(f[1]))
                .sum();
    }
}
