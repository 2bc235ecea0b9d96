package dev.nfsprov.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.protocol.Names;
import dev.nfsprov.testenv.Await;
import dev.nfsprov.testenv.Kube;
import dev.nfsprov.testenv.ProvisionerProcess;
import dev.nfsprov.testenv.RealCluster;
import dev.nfsprov.testenv.RealCluster.TestNamespace;
import dev.nfsprov.testenv.TestEnvironment;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A controller that may not give directories owners (root squash; here a user namespace, where chown is refused the
 * same way: this VM cannot mount a squashing export) still provisions, with modes only, and says so: once in its
 * log, on /readyz, and on each claim whose owner it could not set.
 */
@ExtendWith(RealCluster.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RefusedOwnersIT {

    private TestEnvironment env;
    private String ns;
    private Kube kube;
    private ProvisionerProcess provisioner;

    @BeforeAll
    void start(TestNamespace namespace) throws Exception {
        env = namespace.env();
        ns = namespace.name();
        kube = new Kube(env.client, ns);
        String name = "nfsprov.dev/" + ns;
        Path launcher = env.stateDir.resolve("nfsprov-in-user-namespace");
        Files.writeString(
                launcher,
                "#!/bin/sh\n# no uid is mapped: chown fails as on a squashing export\nexec unshare --user -- "
                        + TestEnvironment.REPO.resolve("bin/nfsprov") + " \"$@\"\n");
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        provisioner = ProvisionerProcess.start(env, launcher, name, true, Map.of());
        kube.storageClass(ns + "-consumer", name, Map.of("ownership", "consumer"), "Delete", "Immediate");
        kube.storageClass(ns + "-owner", name, Map.of("directoryAnnotations", "owner"), "Delete", "Immediate");
    }

    @AfterAll
    void stop() {
        provisioner.close();
    }

    private static int mode(Path p) throws Exception {
        return (Integer) Files.getAttribute(p, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS) & 07777;
    }

    @Test
    void readinessSaysOwnersCannotBeSetWithoutFailing() {
        var readyz = Await.until(
                "/readyz with the share's identity",
                Duration.ofSeconds(60),
                () -> provisioner.get("/readyz"),
                r -> r.statusCode() == 200 && r.body().contains("warning:"));
        assertThat(readyz.body())
                .startsWith("ok\n")
                .contains("warning: the controller runs as uid 65534 and cannot give directories to other owners");
        assertThat(provisioner.log()).contains("cannot give directories to other owners");
    }

    @Test
    void aClaimAskingForAnOwnerIsProvisionedWithItsModeAndTold() throws Exception {
        kube.create(kube.claimBuilder("owned", ns + "-owner")
                .editMetadata()
                .addToAnnotations("k8s-sigs.io/nfs-directory-mode", "0770")
                .addToAnnotations("k8s-sigs.io/nfs-directory-uid", "999")
                .endMetadata());
        var bound = kube.awaitBound("owned");
        kube.awaitEvent("owned", "OwnerNotSet", "refused");
        Path dir = env.exportDir.resolve(ns + "-owned-" + bound.getSpec().getVolumeName());
        assertThat(mode(dir)).isEqualTo(0770);
        assertThat(Files.getAttribute(dir, "unix:uid")).isEqualTo(0);
    }

    @Test
    void aConsumerOwnedVolumeFallsBackToAModeItsPodCanWrite() throws Exception {
        kube.create(kube.claimBuilder("db", ns + "-consumer"));
        var bound = kube.awaitBound("db");
        env.client
                .pods()
                .resource(new PodBuilder()
                        .withNewMetadata()
                        .withNamespace(ns)
                        .withName("db")
                        .endMetadata()
                        .withNewSpec()
                        .withNodeName("node-1") // bound: no scheduler here, and only a bound Pod chooses the owner
                        .withNewSecurityContext()
                        .withRunAsUser(999L)
                        .withFsGroup(999L)
                        .endSecurityContext()
                        .addNewContainer()
                        .withName("c")
                        .withImage("busybox")
                        .endContainer()
                        .addNewVolume()
                        .withName("data")
                        .withNewPersistentVolumeClaim()
                        .withClaimName("db")
                        .endPersistentVolumeClaim()
                        .endVolume()
                        .endSpec()
                        .build())
                .create();
        String volume = bound.getSpec().getVolumeName();
        var applied = Await.until(
                "owner applied on " + volume,
                Duration.ofSeconds(60),
                () -> kube.volume(volume).getMetadata().getAnnotations().get(Names.ANN_OWNER_APPLIED),
                a -> a != null);
        assertThat(applied).startsWith("0777 ").endsWith("(the share refused the owner)");
        assertThat(mode(env.exportDir.resolve(ns + "-db-" + volume))).isEqualTo(0777);
        var e = kube.awaitEvent("db", "OwnerNotSet", "uid 999, gid 999");
        assertThat(e.getMessage()).contains("mode 0777 instead");
    }
}
