package dev.nfsprov.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nfsprov.testenv.Commands;
import dev.nfsprov.testenv.NodeEnvironment;
import dev.nfsprov.testenv.TestEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What scripts/release made and pushed (NodeEnvironment runs it against the node's registry): one image index for
 * linux/amd64 and linux/arm64, each image run as a container would run it (its own mount and PID namespaces, its
 * root, uid 65532), the arm64 one under qemu-user; the CLI archives and their krew manifest. The chart and the
 * image pulled by the node from the registry are GuideOnNodeIT's.
 */
@Tag("node")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReleaseIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    private NodeEnvironment node;
    private JsonNode index;

    @BeforeAll
    void release() throws IOException {
        node = NodeEnvironment.get();
        index = JSON.readTree(blob(node.imageIndexDigest()));
    }

    @Test
    void theImageIsOneIndexForAmd64AndArm64AndTheRegistryServesIt() throws Exception {
        assertThat(index.get("mediaType").asText()).isEqualTo("application/vnd.oci.image.index.v1+json");
        var platforms = new TreeMap<String, String>();
        for (JsonNode m : index.get("manifests")) {
            String platform = m.at("/platform/os").asText() + "/"
                    + m.at("/platform/architecture").asText();
            JsonNode config =
                    JSON.readTree(blob(JSON.readTree(blob(m.get("digest").asText()))
                            .at("/config/digest")
                            .asText()));
            assertThat(config.get("os").asText() + "/"
                            + config.get("architecture").asText())
                    .as("the index's platform is the image's own")
                    .isEqualTo(platform);
            platforms.put(platform, m.get("digest").asText());
        }
        assertThat(platforms).containsOnlyKeys("linux/amd64", "linux/arm64");
        assertThat(platforms.get("linux/amd64")).isNotEqualTo(platforms.get("linux/arm64"));

        // What a client pulling the tag gets is this index, byte for byte.
        String raw = Commands.runOrFail(
                Map.of(),
                List.of(
                        "skopeo",
                        "inspect",
                        "--raw",
                        "--cert-dir",
                        certDir().toString(),
                        "docker://" + node.imageRepository + ":" + node.imageTag),
                "skopeo inspect of the pushed image failed");
        assertThat("sha256:" + sha256(raw.getBytes())).isEqualTo(node.imageIndexDigest());
    }

    @Test
    void eachImageStartsItsJavaAndNfsprovWithItsClassDataArchiveTheArm64OneUnderQemu() throws Exception {
        for (String arch : List.of("amd64", "arm64")) {
            Path rootfs = unpack(arch);
            var java = inContainer(rootfs, "/opt/nfsprov/runtime/bin/java", "-version");
            assertThat(java.exitCode()).as(arch + ": " + java.stderr()).isZero();
            assertThat(java.stderr()).as(arch).contains("version \"25");
            // -Xshare:on makes a class-data archive the JVM cannot use an error instead of a silent slow start.
            var version = inContainer(rootfs, "/opt/nfsprov/bin/nfsprov", "--version");
            assertThat(version.exitCode()).as(arch + ": " + version.stderr()).isZero();
            assertThat(version.stdout()).as(arch).contains("nfsprov " + TestEnvironment.VERSION);
            var file = Commands.runOrFail(
                    Map.of(),
                    List.of(
                            "file",
                            "-L",
                            rootfs.resolve("opt/nfsprov/runtime/bin/java").toString()),
                    "file");
            assertThat(file).as("the runtime is the platform's").contains(arch.equals("amd64") ? "x86-64" : "aarch64");
        }
    }

    @Test
    void theCliArchivesCoverEveryAdminPlatformAndTheArm64OneRuns() throws Exception {
        String manifest = Files.readString(node.release.resolve("nfsprov.krew.yaml"));
        for (String platform : List.of("linux-amd64", "linux-arm64", "darwin-arm64", "darwin-amd64")) {
            Path archive = node.release.resolve("nfsprov-" + TestEnvironment.VERSION + "-" + platform + ".tar.gz");
            assertThat(archive).exists();
            String[] osArch = platform.split("-");
            assertThat(manifest)
                    .contains("matchLabels: {os: " + osArch[0] + ", arch: " + osArch[1] + "}")
                    .contains("/" + archive.getFileName() + "\n      sha256: " + sha256(Files.readAllBytes(archive)));
        }
        // linux/arm64 runs here under qemu-user, with the arm64 image's libc as the loader's root.
        Path unpacked = Files.createTempDirectory("nfsprov-cli-arm64");
        Commands.runOrFail(
                Map.of(),
                List.of(
                        "tar",
                        "-C",
                        unpacked.toString(),
                        "-xzf",
                        node.release
                                .resolve("nfsprov-" + TestEnvironment.VERSION + "-linux-arm64.tar.gz")
                                .toString()),
                "tar -x failed");
        var version = Commands.run(
                Map.of(
                        "QEMU_LD_PREFIX",
                        unpack("arm64").toString(),
                        "NFSPROV_JAVA_OPTS",
                        "-Xshare:on",
                        "JAVA_HOME",
                        ""),
                List.of(
                        unpacked.resolve("nfsprov-" + TestEnvironment.VERSION + "/bin/kubectl-nfsprov")
                                .toString(),
                        "--version"));
        assertThat(version.exitCode()).as(version.stderr()).isZero();
        assertThat(version.stdout()).contains("nfsprov " + TestEnvironment.VERSION);
    }

    /**
     * The image of one platform as a client pulls it from the registry (skopeo picks the platform from the index),
     * unpacked by umoci.
     */
    private Path unpack(String arch) {
        Path rootfs = node.release.resolve("rootfs-" + arch);
        if (Files.isDirectory(rootfs.resolve("opt/nfsprov"))) return rootfs;
        Path layout = node.release.resolve("pulled");
        Commands.runOrFail(
                Map.of(),
                List.of(
                        "skopeo",
                        "copy",
                        "-q",
                        "--override-os",
                        "linux",
                        "--override-arch",
                        arch,
                        "--src-cert-dir",
                        certDir().toString(),
                        "docker://" + node.imageRepository + ":" + node.imageTag,
                        "oci:" + layout + ":" + arch),
                "skopeo copy of the " + arch + " image from the registry failed");
        Commands.runOrFail(
                Map.of(),
                List.of("umoci", "raw", "unpack", "--image", layout + ":" + arch, rootfs.toString()),
                "umoci raw unpack failed");
        try {
            Files.createDirectories(rootfs.resolve("proc"));
            Files.createDirectories(rootfs.resolve("dev"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return rootfs;
    }

    /** The node registry's CA as skopeo reads it: a directory of {@code *.crt} files. */
    private Path certDir() {
        return node.stateDir.resolve("registry/client-certs");
    }

    /** As a container runs it: own mount and PID namespaces, /proc and /dev, the image's root, uid 65532. */
    private static Commands.Result inContainer(Path rootfs, String... command) {
        String script = "mount --rbind /dev \"$1/dev\" && exec env -i PATH=/opt/nfsprov/bin:/usr/bin:/bin TMPDIR=/tmp "
                + "LANG=C.UTF-8 NFSPROV_JAVA_OPTS=-Xshare:on /usr/sbin/chroot --userspec=65532:65532 \"$@\"";
        var cmd = new java.util.ArrayList<>(List.of(
                "unshare",
                "--mount",
                "--pid",
                "--fork",
                "--mount-proc=" + rootfs.resolve("proc"),
                "bash",
                "-c",
                script,
                "_",
                rootfs.toString()));
        cmd.addAll(List.of(command));
        return Commands.run(Map.of(), cmd);
    }

    private byte[] blob(String digest) throws IOException {
        return Files.readAllBytes(blobPath(digest));
    }

    private Path blobPath(String digest) {
        return node.release.resolve("oci/blobs/sha256").resolve(digest.substring("sha256:".length()));
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
