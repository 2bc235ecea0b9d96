package dev.nfsprov.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.testenv.Await;
import dev.nfsprov.testenv.Kube;
import dev.nfsprov.testenv.ProvisionerProcess;
import dev.nfsprov.testenv.RealCluster;
import dev.nfsprov.testenv.RealCluster.TestNamespace;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Two replicas: one holds the Lease, every claim is provisioned exactly once, and the other takes over. */
@ExtendWith(RealCluster.class)
class LeaderElectionIT {

    @Test
    void twoReplicasProvisionEachClaimOnceAndFailOver(TestNamespace ns) throws Exception {
        var env = ns.env();
        var kube = new Kube(env.client, ns.name());
        String name = "nfsprov.dev/" + ns.name();
        String sc = ns.name() + "-ha";
        kube.storageClass(sc, name, Map.of("pathPattern", "${.PVC.namespace}-ha/${.PVC.name}"), "Delete", "Immediate");
        String leaseName = dev.nfsprov.protocol.Names.leaseName(name);
        Map<String, String> leaseNs = Map.of("POD_NAMESPACE", ns.name());

        try (var a = ProvisionerProcess.start(env, name, true, leaseNs);
                var b = ProvisionerProcess.start(env, name, true, leaseNs)) {
            Lease lease = Await.until(
                    "a Lease holder",
                    Duration.ofSeconds(30),
                    () -> env.client
                            .leases()
                            .inNamespace(ns.name())
                            .withName(leaseName)
                            .get(),
                    l -> l != null && l.getSpec().getHolderIdentity() != null);
            String holder = lease.getSpec().getHolderIdentity();

            int claims = 20;
            for (int i = 0; i < claims; i++) kube.create(kube.claimBuilder("c" + i, sc));
            for (int i = 0; i < claims; i++) {
                var bound = kube.awaitBound("c" + i);
                assertThat(kube.volumesOf(bound.getMetadata().getUid())).hasSize(1);
            }
            for (int i = 0; i < claims; i++) {
                kube.awaitEvent(
                        "c" + i,
                        "ProvisioningSucceeded",
                        "Successfully provisioned"); // events are posted asynchronously
                assertThat(kube.events("c" + i, "ProvisioningSucceeded"))
                        .as("provisioned once: c" + i)
                        .hasSize(1);
            }
            try (Stream<Path> dirs = Files.list(env.exportDir.resolve(ns.name() + "-ha"))) {
                assertThat(dirs.filter(d -> Files.isDirectory(d)).count()).isEqualTo(claims); // markers beside them
            }
            boolean aLeads = a.log().contains("provisioned ");
            boolean bLeads = b.log().contains("provisioned ");
            assertThat(aLeads ^ bLeads).as("exactly one replica provisioned").isTrue();

            // kill -9 the leader: the other takes over within the lease duration (15 s) plus 5 s
            var leader = aLeads ? a : b;
            leader.kill();
            long killed = System.nanoTime();
            Await.until(
                    "a new Lease holder",
                    Duration.ofSeconds(20),
                    () -> env.client
                            .leases()
                            .inNamespace(ns.name())
                            .withName(leaseName)
                            .get(),
                    l -> !holder.equals(l.getSpec().getHolderIdentity()));
            System.out.printf("failover took %.1f s%n", (System.nanoTime() - killed) / 1e9);
            kube.create(kube.claimBuilder("after-failover", sc));
            kube.awaitBound("after-failover");
        }
    }
}
