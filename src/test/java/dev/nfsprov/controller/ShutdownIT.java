package dev.nfsprov.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.testenv.ProvisionerProcess;
import dev.nfsprov.testenv.RealCluster;
import dev.nfsprov.testenv.RealCluster.TestNamespace;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** SIGTERM, as the kubelet sends it: the leader stops within 5 s, with no stack trace, and releases its Lease. */
@ExtendWith(RealCluster.class)
class ShutdownIT {

    @Test
    void sigtermStopsTheLeaderWithinFiveSeconds(TestNamespace ns) {
        var p = ProvisionerProcess.start(
                ns.env(), "nfsprov.dev/" + ns.name(), true, Map.of("POD_NAMESPACE", ns.name()));
        long start = System.nanoTime();
        int exit = p.terminate();
        double seconds = (System.nanoTime() - start) / 1e9;
        assertThat(seconds).as("seconds from SIGTERM to exit").isLessThan(5.0);
        assertThat(exit).isEqualTo(143);
        assertThat(p.log()).doesNotContain("\tat ");
        // the Lease handed back, so a replacement leads at once instead of after its 15 s
        var lease = ns.env()
                .client
                .leases()
                .inNamespace(ns.name())
                .withName(dev.nfsprov.protocol.Names.leaseName("nfsprov.dev/" + ns.name()))
                .get();
        assertThat(lease.getSpec().getHolderIdentity())
                .as("holder after SIGTERM")
                .isEmpty();
    }
}
