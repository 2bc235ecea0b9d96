package dev.nfsprov.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.testenv.Await;
import dev.nfsprov.testenv.Commands;
import dev.nfsprov.testenv.Kube;
import dev.nfsprov.testenv.Nfs;
import dev.nfsprov.testenv.ProvisionerProcess;
import dev.nfsprov.testenv.RealCluster;
import dev.nfsprov.testenv.RealCluster.TestNamespace;
import dev.nfsprov.testenv.TestEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One controller, two shares on two NFS servers (the test environment's ganesha on 127.0.0.1 and a second one on
 * 127.0.0.2): each class's claims land on their own share, are read and written there over NFS, and are archived
 * there; a class naming a share nobody serves gets a clear ProvisioningFailed.
 */
@ExtendWith(RealCluster.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SharesIT {

    static final String SECOND = "127.0.0.2";

    private TestEnvironment env;
    private String ns;
    private Kube kube;
    private ProvisionerProcess provisioner;
    private Map<String, String> secondEnv;
    private Path secondExport;
    private Nfs secondNfs;
    private int secondPort;
    private String secondPath;
    private String name;

    @BeforeAll
    void start(TestNamespace namespace) {
        env = namespace.env();
        ns = namespace.name();
        kube = new Kube(env.client, ns);
        secondEnv = new HashMap<>(
                Map.of("NFSPROV_NFS_DIR", env.stateDir.resolve("nfs-second").toString(), "NFSPROV_NFS_BIND", SECOND));
        String up = Commands.runOrFail(
                secondEnv,
                List.of(TestEnvironment.REPO.resolve("scripts/dev-nfs").toString(), "up"),
                "a second ganesha on " + SECOND + " did not start");
        var printed = new HashMap<String, String>();
        for (String line : up.split("\n"))
            if (line.contains("="))
                printed.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
        secondExport = Path.of(printed.get("NFS_EXPORT_DIR"));
        secondPort = Integer.parseInt(printed.get("NFS_PORT"));
        secondPath = printed.get("NFS_PATH");
        secondNfs = new Nfs(SECOND, secondPort);
        name = "nfsprov.dev/" + ns;
        provisioner = ProvisionerProcess.start(
                env,
                name,
                true,
                Map.of("POD_NAMESPACE", ns),
                "--share",
                "name=second,server=" + SECOND + ",path=" + printed.get("NFS_PATH") + ",mount=" + secondExport,
                "--usage-scan-interval",
                "2s");
        kube.storageClass(ns + "-first", name, Map.of("pathPattern", ns + "/${.PVC.name}"), "Delete", "Immediate");
        kube.storageClass(
                ns + "-second",
                name,
                Map.of("share", "second", "pathPattern", ns + "/${.PVC.name}"),
                "Delete",
                "Immediate");
        kube.storageClass(ns + "-nowhere", name, Map.of("share", "third"), "Delete", "Immediate");
    }

    @AfterAll
    void stop() {
        if (provisioner != null) provisioner.close();
        Commands.run(
                secondEnv,
                List.of(TestEnvironment.REPO.resolve("scripts/dev-nfs").toString(), "down"));
    }

    @Test
    void aCloneCopiesAClaimOfOneShareOntoAnotherAndItIsReadOverNfs() throws Exception {
        kube.create(kube.claimBuilder("origin", ns + "-first"));
        kube.awaitBound("origin");
        Path origin = env.exportDir.resolve(ns + "/origin");
        Files.createDirectories(origin.resolve("models/v1"));
        Files.writeString(origin.resolve("models/v1/weights"), "0.25 0.5 0.75\n");
        Files.createSymbolicLink(origin.resolve("models/latest"), Path.of("v1"));

        kube.create(kube.claimBuilder("replica", ns + "-second")
                .editSpec()
                .withNewDataSourceRef()
                .withKind("PersistentVolumeClaim")
                .withName("origin")
                .endDataSourceRef()
                .endSpec());
        var replica = kube.volume(kube.awaitBound("replica").getSpec().getVolumeName());
        assertThat(replica.getSpec().getNfs().getServer()).isEqualTo(SECOND);
        assertThat(dev.nfsprov.testenv.Trees.describe(secondExport.resolve(ns + "/replica")))
                .as("file by file, on the other share")
                .isEqualTo(dev.nfsprov.testenv.Trees.describe(origin));
        assertThat(secondNfs.cat(replica.getSpec().getNfs().getPath() + "/models/v1/weights"))
                .isEqualTo("0.25 0.5 0.75\n");
        kube.awaitEvent("replica", "Cloned", "copied claim " + ns + "/origin: 1 files, 2 directories, 1 links");
    }

    @Test
    void eachClassesClaimsLandOnItsOwnShareAndAreArchivedThere() {
        kube.create(kube.claimBuilder("db", ns + "-first"));
        kube.create(kube.claimBuilder("db2", ns + "-second"));
        var first = kube.volume(kube.awaitBound("db").getSpec().getVolumeName());
        var second = kube.volume(kube.awaitBound("db2").getSpec().getVolumeName());

        assertThat(first.getSpec().getNfs().getServer()).isEqualTo("127.0.0.1");
        assertThat(first.getSpec().getNfs().getPath()).isEqualTo(env.nfsPath + "/" + ns + "/db");
        assertThat(second.getSpec().getNfs().getServer()).isEqualTo(SECOND);
        assertThat(second.getSpec().getNfs().getPath()).isEqualTo("/nfsprov/" + ns + "/db2");
        assertThat(env.exportDir.resolve(ns + "/db")).isDirectory();
        assertThat(env.exportDir.resolve(ns + "/db2")).doesNotExist();
        assertThat(secondExport.resolve(ns + "/db2")).isDirectory();
        assertThat(secondExport.resolve(ns + "/db")).doesNotExist();

        // written and read by an NFS client of the second server, as a Pod's mount of the PV would
        secondNfs.write(second.getSpec().getNfs().getPath() + "/hello.txt", "on the second share\n");
        assertThat(secondExport.resolve(ns + "/db2/hello.txt")).hasContent("on the second share");

        // the usage scan measures each volume on its own share, and each share has its figures
        Await.until("share figures for both shares on /metrics", Duration.ofSeconds(60), () -> {
            String metrics = provisioner.get("/metrics").body();
            return metrics.contains("nfsprov_share_size_bytes{share=\"127.0.0.1:" + env.nfsPath + "\"}")
                    && metrics.contains("nfsprov_share_size_bytes{share=\"" + SECOND + ":/nfsprov\"}")
                    && metrics.contains("nfsprov_volume_files{namespace=\"" + ns + "\",persistentvolume=\""
                            + second.getMetadata().getName() + "\",persistentvolumeclaim=\"db2\"");
        });

        kube.deleteClaim("db2");
        kube.awaitVolumeGone(second.getMetadata().getName());
        assertThat(secondExport.resolve(ns + "/archived-db2")).isDirectory();
        assertThat(secondExport.resolve(ns + "/archived-db2/hello.txt")).hasContent("on the second share");
        assertThat(env.exportDir.resolve(ns + "/archived-db2")).doesNotExist();

        // the leader records each share's archives for doctor; the second share is this test's alone
        var figures = Await.until(
                "the second share's archive in the status ConfigMap",
                Duration.ofSeconds(60),
                () -> {
                    var cm = env.client
                            .configMaps()
                            .inNamespace(ns)
                            .withName(dev.nfsprov.protocol.Names.statusName(name))
                            .get();
                    return cm == null || cm.getData() == null
                            ? null
                            : dev.nfsprov.usage.ShareFigures.parse(cm.getData().get("second"));
                },
                f -> f != null && f.archives() == 1);
        assertThat(figures.where()).isEqualTo(SECOND + ":/nfsprov");
        assertThat(figures.archiveBytes()).isPositive();
        assertThat(figures.oldestArchive()).isNotNull();
        assertThat(provisioner.get("/metrics").body())
                .containsPattern("nfsprov_archive_bytes\\{share=\"" + SECOND + ":/nfsprov\"} [1-9]");
    }

    @Test
    void aClassNamingAShareNobodyServesIsToldWhichOnesExist() {
        kube.create(kube.claimBuilder("lost", ns + "-nowhere"));
        kube.awaitEvent(
                "lost",
                "ProvisioningFailed",
                "StorageClass parameter share=\"third\" names no share this controller serves (default, second)");
        assertThat(kube.claim("lost").getStatus().getPhase()).isEqualTo("Pending");
        try (var files = Files.list(secondExport)) {
            assertThat(files.map(p -> p.getFileName().toString())).doesNotContain("lost");
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void doctorLooksAtEveryShareOfTheControllersDeployment() {
        // The controller's Deployment as the chart writes it (no kubelet here runs it; the process above works);
        // ports are given because the test servers do not listen on 2049.
        var controllerEnv = new java.util.LinkedHashMap<String, String>();
        controllerEnv.put("PROVISIONER_NAME", "nfsprov.dev/" + ns);
        controllerEnv.put("NFS_SERVER", "127.0.0.1:" + env.nfsPort);
        controllerEnv.put("NFS_PATH", env.nfsPath);
        kube.controllerDeployment(
                "nfsprov",
                controllerEnv,
                "controller",
                "--share=name=second,server=" + SECOND + ":" + secondPort + ",path=/nfsprov");
        Await.until(
                "the shares' figures recorded",
                Duration.ofSeconds(60),
                () -> env.client
                                .configMaps()
                                .inNamespace(ns)
                                .withName(dev.nfsprov.protocol.Names.statusName(name))
                                .get()
                        != null);
        // other tests' look-alike controllers run in this cluster: say which namespace the controller is in
        var r = dev.nfsprov.testenv.Cli.run(
                List.of("doctor", "-n", ns, "--controller-namespace", ns, "--kubeconfig", env.kubeconfig.toString()));
        assertThat(r.all())
                .contains("✓ NFS server 127.0.0.1:" + env.nfsPort + " reachable")
                .contains("✓ NFS server " + SECOND + ":" + secondPort + " reachable")
                .containsPattern("capacity of " + ns + "-second: \\d+ volume\\(s\\) request .*; the share has")
                .contains("✗ StorageClass " + ns + "-nowhere: share \"third\" is not one controller " + ns
                        + "/nfsprov serves (default, second)")
                .containsPattern(
                        "✓ share second \\(" + SECOND
                                + ":/nfsprov\\): .+ available, volumes request .+; \\d+ archive\\(s\\), .+ \\(measured \\d+ s ago\\)")
                .contains("✓ share default (127.0.0.1:" + env.nfsPath + ")");
    }

    private dev.nfsprov.testenv.Cli.Run move(String... args) {
        var all = new java.util.ArrayList<>(List.of("move"));
        all.addAll(List.of(args));
        all.addAll(where(env.stateDir.resolve("move-backups-" + ns + "-" + System.nanoTime())));
        return dev.nfsprov.testenv.Cli.run(all);
    }

    /** The shares as this machine mounts them, and where the backups go. */
    private List<String> where(Path backups) {
        return List.of(
                "--kubeconfig",
                env.kubeconfig.toString(),
                "--mount-path",
                env.exportDir.toString(),
                "--nfs-server",
                "127.0.0.1",
                "--nfs-path",
                env.nfsPath,
                "--share",
                "name=second,server=" + SECOND + ",path=" + secondPath + ",mount=" + secondExport,
                "--backup-dir",
                backups.toString());
    }

    @Test
    void aMoveKilledAfterTheDeleteOrAfterTheNewClaimIsFinishedByTheSameCommand() throws Exception {
        kube.create(kube.claimBuilder("crash", ns + "-first")
                .editMetadata()
                .addToLabels("keep", "me")
                .endMetadata());
        kube.awaitBound("crash");
        Path dir = env.exportDir.resolve(ns + "/crash");
        Files.writeString(dir.resolve("data.txt"), "survives two kills\n");
        for (String fault : List.of("move-after-delete", "move-after-claim")) {
            String to = fault.equals("move-after-delete") ? ns + "-second" : ns + "-first";
            var cmd = new java.util.ArrayList<>(List.of(
                    TestEnvironment.REPO.resolve("bin/nfsprov").toString(),
                    "move",
                    ns + "/crash",
                    "--to-storage-class",
                    to,
                    "--apply"));
            cmd.addAll(where(env.stateDir.resolve("move-crash-" + ns + "-" + fault)));
            var crashed = Commands.run(Map.of("NFSPROV_FAULTS", fault), cmd);
            assertThat(crashed.exitCode())
                    .as(crashed.stdout() + crashed.stderr())
                    .isEqualTo(137);
            var rerun = Commands.run(Map.of(), cmd);
            assertThat(rerun.exitCode()).as(rerun.stdout() + rerun.stderr()).isZero();
            assertThat(rerun.stdout()).contains("resuming the move of " + ns + "/crash");
            var bound = kube.awaitBound("crash");
            assertThat(bound.getSpec().getStorageClassName()).isEqualTo(to);
            assertThat(bound.getMetadata().getLabels()).containsEntry("keep", "me");
            var volume = kube.volume(bound.getSpec().getVolumeName());
            Nfs client = to.endsWith("-second") ? secondNfs : new Nfs(env);
            assertThat(client.cat(volume.getSpec().getNfs().getPath() + "/data.txt"))
                    .isEqualTo("survives two kills\n");
        }
    }

    @Test
    void aClaimWithDataMovesToTheOtherShareAndBack() throws Exception {
        kube.create(kube.claimBuilder("data", ns + "-first"));
        var old = kube.volume(kube.awaitBound("data").getSpec().getVolumeName());
        Path dir = env.exportDir.resolve(ns + "/data");
        Files.createDirectories(dir.resolve("models"));
        Files.writeString(dir.resolve("models/weights.bin"), "w".repeat(100_000));
        Files.createSymbolicLink(dir.resolve("escape"), Path.of("/etc"));
        new Nfs(env).write(old.getSpec().getNfs().getPath() + "/note.txt", "written over NFS\n");

        var same = move(ns + "/data", "--to-storage-class", ns + "-first");
        assertThat(same.exit()).isNotZero();
        assertThat(same.all()).contains("where the data is already: move copies between shares");

        var plan = move(ns + "/data", "--to-storage-class", ns + "-second");
        assertThat(plan.exit()).as(plan.all()).isZero();
        assertThat(plan.all())
                .contains("copy default:" + ns + "/data to second:" + ns + "/data")
                .contains("nothing changed: run again with --apply");
        assertThat(kube.claim("data").getSpec().getVolumeName())
                .isEqualTo(old.getMetadata().getName());

        var moved = move(ns + "/data", "--to-storage-class", ns + "-second", "--apply");
        assertThat(moved.exit()).as(moved.all()).isZero();
        assertThat(moved.all()).contains("copied and counted: 2 files, 1 directories, 1 links, 100017 bytes");
        var now = kube.volume(kube.awaitBound("data").getSpec().getVolumeName());
        assertThat(now.getSpec().getNfs().getServer()).isEqualTo(SECOND);
        assertThat(now.getSpec().getStorageClassName()).isEqualTo(ns + "-second");
        assertThat(secondNfs.cat(now.getSpec().getNfs().getPath() + "/note.txt"))
                .isEqualTo("written over NFS\n");
        assertThat(secondExport.resolve(ns + "/data/models/weights.bin")).hasSize(100_000);
        assertThat(Files.readSymbolicLink(secondExport.resolve(ns + "/data/escape")))
                .isEqualTo(Path.of("/etc"));
        // the old volume and its data are kept
        var kept = kube.volume(old.getMetadata().getName());
        assertThat(kept.getSpec().getPersistentVolumeReclaimPolicy()).isEqualTo("Retain");
        assertThat(dir.resolve("models/weights.bin")).hasSize(100_000);

        // and back: the old directory is still there, so the copy goes beside it
        var back = move(ns + "/data", "--to-storage-class", ns + "-first", "--apply");
        assertThat(back.exit()).as(back.all()).isZero();
        var again = kube.volume(kube.awaitBound("data").getSpec().getVolumeName());
        assertThat(again.getSpec().getNfs().getServer()).isEqualTo("127.0.0.1");
        assertThat(again.getSpec().getNfs().getPath()).isEqualTo(env.nfsPath + "/" + ns + "/data-moved");
        assertThat(new Nfs(env).cat(again.getSpec().getNfs().getPath() + "/note.txt"))
                .isEqualTo("written over NFS\n");
        assertThat(env.exportDir.resolve(ns + "/data-moved/models/weights.bin")).hasSize(100_000);
    }
}
