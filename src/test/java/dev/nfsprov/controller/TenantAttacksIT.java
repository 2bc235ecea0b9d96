package dev.nfsprov.controller;

import static dev.nfsprov.testenv.Commands.python;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.protocol.UsageRules;
import dev.nfsprov.testenv.Await;
import dev.nfsprov.testenv.Kube;
import dev.nfsprov.testenv.MemoryCgroup;
import dev.nfsprov.testenv.ProvisionerProcess;
import dev.nfsprov.testenv.TestEnvironment;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
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
 * Issue 30's property: no tenant input — tree shape, names, Pod size, connection behaviour — makes the controller's
 * memory grow without bound. The worst shapes found, all at once, against the controller's own JVM with a 64 MiB
 * heap (below the chart's 102 MiB) in a memory cgroup of the chart's limit; it must stay up, measure what it can
 * and say partial for the rest, and go on provisioning for another namespace. Each shape, alone and with the heap of
 * its time, ended the controller before (exit 3, OutOfMemoryError):
 * <ul>
 *   <li>a chain of 19,200 nested directories with 1,024 at the bottom in a volume (the usage walk kept a copy of the
 *       path per deferred subtree);
 *   <li>a leftover directory of 300,000 names on the share (the archive pass read and sorted every name);
 *   <li>ten Pods of 1.6 MB (25,000 claim volumes each) in a namespace of no consumer-owned volume, and three more,
 *       bound to a node, beside one (the Pod cache was cluster-wide and kept every claim volume);
 *   <li>600 clients that ask for /metrics and never read it (each held its own copy of the body);
 *   <li>30 claims of another class as large as the API server takes (1.48 MB of labels: a page of them was parsed
 *       whole before the cache could trim one).
 * </ul>
 * On a control plane and share of its own: these objects would reach every other test's controller.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TenantAttacksIT {

    static final String PROVISIONER = "nfsprov.dev/attacks";

    private TestEnvironment env;

    @BeforeAll
    void start() {
        env = TestEnvironment.startSeparate("attacks", Map.of());
        for (String ns : List.of("mallory", "bystander", "alice"))
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

    /** python3 in a directory of the share: what a tenant does in their volume over NFS. */
    private Path directoryOf(Kube kube, String claim) {
        var pv = kube.volume(kube.awaitBound(claim).getSpec().getVolumeName());
        return env.exportDir.resolve(pv.getSpec().getNfs().getPath().substring(env.nfsPath.length() + 1));
    }

    /** A Pod naming 25,000 claims (1.6 MB; the API server takes it), bound to a node when one is given. */
    private static Pod hugePod(String namespace, String name, String node) {
        var spec = new PodBuilder()
                .withNewMetadata()
                .withNamespace(namespace)
                .withName(name)
                .endMetadata()
                .withNewSpec()
                .withNodeName(node)
                .withNewSecurityContext()
                .withRunAsUser(1000L)
                .withFsGroup(1000L)
                .endSecurityContext()
                .addNewContainer()
                .withName("c")
                .withImage("registry.example/never-pulled:1")
                .endContainer();
        for (int i = 0; i < 25_000; i++)
            spec.addNewVolume()
                    .withName("v" + i)
                    .withNewPersistentVolumeClaim()
                    .withClaimName("c" + i)
                    .endPersistentVolumeClaim()
                    .endVolume();
        return spec.endSpec().build();
    }

    @Test
    void theWorstShapesTogetherLeaveAControllerWithA64MiBHeapServingOthers() throws Exception {
        var mallory = new Kube(env.client, "mallory");
        var alice = new Kube(env.client, "alice");
        mallory.storageClass("flat", PROVISIONER, Map.of(), "Delete", "Immediate");
        mallory.storageClass(
                "nested", PROVISIONER, Map.of("pathPattern", "${.PVC.namespace}/${.PVC.name}"), "Delete", "Immediate");
        mallory.storageClass("owned", PROVISIONER, Map.of("ownership", "consumer"), "Delete", "Immediate");

        // a first controller, with the chart's settings, makes the tenant's volumes
        try (var maker = ProvisionerProcess.start(env, PROVISIONER, true, Map.of())) {
            mallory.create(mallory.claimBuilder("deep", "flat"));
            mallory.create(mallory.claimBuilder("box", "nested"));
            mallory.create(mallory.claimBuilder("db", "owned"));
            python(
                    directoryOf(mallory, "deep"),
                    "import os\nfor i in range(19200):\n    os.mkdir('d'); os.chdir('d')\n"
                            + "for i in range(1024): os.mkdir('e%d' % i)\n");
            python(
                    directoryOf(mallory, "box"),
                    "import os\nfor i in range(20000): open('f%d' % i, 'w').close()\n"
                            + "b=b'\\xff\\xfe'\nos.mkdir(b); open(b+b'/x','wb').write(b'y'*1000)\n");
            mallory.awaitBound("db");
        }
        // nfs-subdir's leftover of a volume whose PV is gone, beside the nested class's directories
        Path leftover = Files.createDirectories(env.exportDir.resolve("mallory-old-claim-pvc-0"));
        python(leftover, "import os\nfor i in range(300000): os.mknod('n%06d' % i)\n");

        try (var pool = Executors.newFixedThreadPool(4)) {
            List<Future<?>> created = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                int n = i;
                created.add(pool.submit(() -> env.client
                        .pods()
                        .resource(hugePod("bystander", "huge-" + n, null))
                        .create()));
            }
            for (int i = 0; i < 3; i++) {
                int n = i;
                created.add(pool.submit(() -> env.client
                        .pods()
                        .resource(hugePod("mallory", "bound-" + n, "node-1"))
                        .create()));
            }
            // claims as large as the API server takes (1.48 MB of labels), of another class
            var labels = new java.util.LinkedHashMap<String, String>();
            for (int i = 0; i < 20_000; i++) labels.put("l" + i, "v".repeat(60));
            for (int i = 0; i < 30; i++) {
                int n = i;
                created.add(pool.submit(() -> mallory.create(mallory.claimBuilder("huge-" + n, "elsewhere")
                        .editMetadata()
                        .withLabels(labels)
                        .endMetadata())));
            }
            for (Future<?> f : created) f.get();
        }

        try (var cgroup = MemoryCgroup.create(256L << 20);
                var controller = ProvisionerProcess.start(
                        env,
                        TestEnvironment.REPO.resolve("bin/nfsprov"),
                        PROVISIONER,
                        true,
                        Map.of("NFSPROV_JAVA_OPTS", "-Xmx64m"),
                        cgroup,
                        "--usage-scan-interval",
                        "5s",
                        "--usage-scan-rate",
                        "0")) {
            List<Socket> stalled = new ArrayList<>();
            try {
                for (int i = 0; i < 600; i++) {
                    var s = new Socket();
                    s.setReceiveBufferSize(1024);
                    try {
                        s.connect(
                                new InetSocketAddress(
                                        "127.0.0.1", controller.uri("/").getPort()),
                                2000);
                        s.getOutputStream()
                                .write("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    } catch (java.io.IOException refused) {
                        // beyond its connections the server closes new ones: fine
                    }
                    stalled.add(s);
                }
                // the walk of the deep chain ends, partial, and is recorded
                String deep = mallory.claim("deep").getSpec().getVolumeName();
                var recorded = Await.until(
                        "usage of " + deep + " recorded",
                        Duration.ofSeconds(180),
                        () -> UsageRules.recorded(
                                mallory.volume(deep).getMetadata().getAnnotations()),
                        r -> r != null);
                assertThat(recorded.partial())
                        .as("levels below the walk's depth are said, not hidden")
                        .isTrue();
                String box = mallory.claim("box").getSpec().getVolumeName();
                var boxed = Await.until(
                        "usage of " + box + " recorded",
                        Duration.ofSeconds(60),
                        () -> UsageRules.recorded(
                                mallory.volume(box).getMetadata().getAnnotations()),
                        r -> r != null);
                assertThat(boxed.files()).as("every name, UTF-8 or not").isEqualTo(20_000 + 2);
                assertThat(boxed.partial()).isFalse();

                // another namespace is served all along
                alice.create(alice.claimBuilder("notebook", "flat")
                        .editSpec()
                        .editResources()
                        .addToRequests("storage", new Quantity("2Gi"))
                        .endResources()
                        .endSpec());
                alice.awaitBound("notebook", Duration.ofSeconds(60));
                assertThat(controller.isAlive()).isTrue();
                assertThat(controller.log()).doesNotContain("OutOfMemoryError");
            } finally {
                for (var s : stalled) s.close();
            }
            // once the stalled scrapes' time is up, scrapes and probes are served again
            Await.until(
                    "a scrape served after the stalled ones",
                    Duration.ofSeconds(60),
                    () -> controller.get("/metrics").statusCode() == 200);
            assertThat(controller.get("/healthz").statusCode()).isEqualTo(200);
        }
    }
}
