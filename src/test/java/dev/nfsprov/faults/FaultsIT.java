package dev.nfsprov.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.testenv.Await;
import dev.nfsprov.testenv.Kube;
import dev.nfsprov.testenv.ProvisionerProcess;
import dev.nfsprov.testenv.RealCluster;
import dev.nfsprov.testenv.RealCluster.TestNamespace;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Faults with counts: kill -9 storms, leader loss mid-burst, an API server restart. Small sizes run on every
 * build; -Dfaults.full=true runs the sizes in docs/reliability.md.
 */
@ExtendWith(RealCluster.class)
class FaultsIT {

    static final boolean FULL = Boolean.getBoolean("faults.full");
    static final int STORM_CLAIMS = FULL ? 500 : 60;
    static final int STORM_KILLS = FULL ? 20 : 5;
    static final long SEED = Long.getLong("faults.seed", System.nanoTime());

    @Test
    void killStormLosesNothingAndDuplicatesNothing(TestNamespace ns) throws Exception {
        var env = ns.env();
        var kube = new Kube(env.client, ns.name());
        String provisioner = "nfsprov.dev/" + ns.name();
        kube.storageClass(ns.name() + "-storm", provisioner, Map.of(), "Delete", "Immediate");
        var random = new Random(SEED);
        System.out.println("kill storm seed " + SEED);
        // leader election off: a SIGKILLed leader's Lease would hold every restart back 15 s
        var p = ProvisionerProcess.start(env, provisioner, false, Map.of());
        var creating = new AtomicBoolean(true);
        var creator = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < STORM_CLAIMS; i++) kube.create(kube.claimBuilder("storm-" + i, ns.name() + "-storm"));
            creating.set(false);
        });
        int kills = 0;
        try {
            while (kills < STORM_KILLS) {
                Thread.sleep(200 + random.nextInt(1500)); // random moments: the point is where the kill lands
                p.kill();
                kills++;
                p.start();
            }
            creator.join();
            for (int i = 0; i < STORM_CLAIMS; i++) kube.awaitBound("storm-" + i);
        } finally {
            p.close();
        }
        var result = Invariants.check(env.client, ns.name(), provisioner, env.exportDir, "storm-");
        result.print("kill -9 storm", kills);
        assertThat(result).isEqualTo(new Invariants(STORM_CLAIMS, STORM_CLAIMS, 0, 0, 0, 0));
        assertThat(env.client.v1().events().inNamespace(ns.name()).list().getItems())
                .as("no ProvisioningFailed: a kill is not a failure the user should see")
                .noneMatch(e -> "ProvisioningFailed".equals(e.getReason())
                        && e.getInvolvedObject().getName().startsWith("storm-"));
        assertThat(creating).isFalse();
    }

    @Test
    void leaderKilledMidBurstIsReplacedInTime(TestNamespace ns) throws Exception {
        var env = ns.env();
        var kube = new Kube(env.client, ns.name());
        String provisioner = "nfsprov.dev/" + ns.name() + "-ha";
        kube.storageClass(ns.name() + "-ha", provisioner, Map.of(), "Delete", "Immediate");
        String lease = dev.nfsprov.protocol.Names.leaseName(provisioner);
        int claims = FULL ? 200 : 40;
        Map<String, String> e = Map.of("POD_NAMESPACE", ns.name());
        try (var a = ProvisionerProcess.start(env, provisioner, true, e);
                var b = ProvisionerProcess.start(env, provisioner, true, e)) {
            String holder = Await.until(
                            "a leader",
                            Duration.ofSeconds(30),
                            () -> env.client
                                    .leases()
                                    .inNamespace(ns.name())
                                    .withName(lease)
                                    .get(),
                            l -> l != null && l.getSpec().getHolderIdentity() != null)
                    .getSpec()
                    .getHolderIdentity();
            for (int i = 0; i < claims / 2; i++) kube.create(kube.claimBuilder("ha-" + i, ns.name() + "-ha"));
            var leader = a.log().contains(holder) ? a : b;
            leader.kill();
            long killed = System.nanoTime();
            for (int i = claims / 2; i < claims; i++) kube.create(kube.claimBuilder("ha-" + i, ns.name() + "-ha"));
            Await.until(
                    "a new leader",
                    Duration.ofSeconds(20),
                    () -> env.client
                            .leases()
                            .inNamespace(ns.name())
                            .withName(lease)
                            .get(),
                    l -> !holder.equals(l.getSpec().getHolderIdentity()));
            double takeover = (System.nanoTime() - killed) / 1e9;
            for (int i = 0; i < claims; i++) kube.awaitBound("ha-" + i);
            var result = Invariants.check(env.client, ns.name(), provisioner, env.exportDir, "ha-");
            result.print(String.format("leader failover (takeover %.1f s)", takeover), 1);
            assertThat(takeover).as("lease duration 15 s + 5 s").isLessThan(20.0);
            assertThat(result).isEqualTo(new Invariants(claims, claims, 0, 0, 0, 0));
        }
    }

    @Test
    void apiServerRestartMidBurstNeedsNoControllerRestart(TestNamespace ns) throws Exception {
        var env = ns.env();
        var kube = new Kube(env.client, ns.name());
        String provisioner = "nfsprov.dev/" + ns.name() + "-api";
        kube.storageClass(ns.name() + "-api", provisioner, Map.of(), "Delete", "Immediate");
        int claims = FULL ? 200 : 30;
        try (var p = ProvisionerProcess.start(env, provisioner, true, Map.of("POD_NAMESPACE", ns.name()))) {
            long pid = p.pid();
            for (int i = 0; i < claims / 2; i++) kube.create(kube.claimBuilder("api-" + i, ns.name() + "-api"));
            env.restartApiServer();
            for (int i = claims / 2; i < claims; i++) {
                int n = i;
                Await.until("create after restart", Duration.ofSeconds(30), () -> {
                    kube.create(kube.claimBuilder("api-" + n, ns.name() + "-api"));
                    return true;
                });
            }
            for (int i = 0; i < claims; i++) kube.awaitBound("api-" + i);
            assertThat(p.isAlive()).isTrue();
            assertThat(p.pid()).isEqualTo(pid);
            var result = Invariants.check(env.client, ns.name(), provisioner, env.exportDir, "api-");
            result.print("API server restart", 1);
            assertThat(result).isEqualTo(new Invariants(claims, claims, 0, 0, 0, 0));
        }
    }
}
