package dev.nfsprov.move;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TreeCopyTest {

    @TempDir
    Path tmp;

    private Path tree() throws Exception {
        Path from = Files.createDirectories(tmp.resolve("from"));
        Files.createDirectories(from.resolve("db/logs"));
        Files.writeString(from.resolve("db/ibdata1"), "x".repeat(10_000));
        Files.writeString(from.resolve("db/logs/a.log"), "log\n");
        Files.setPosixFilePermissions(from.resolve("db/ibdata1"), PosixFilePermissions.fromString("rw-r-----"));
        Files.setLastModifiedTime(from.resolve("db/ibdata1"), FileTime.from(1_000_000, TimeUnit.SECONDS));
        Files.setPosixFilePermissions(from.resolve("db"), PosixFilePermissions.fromString("rwxr-x---"));
        Files.setLastModifiedTime(from.resolve("db"), FileTime.from(2_000_000, TimeUnit.SECONDS));
        // a tenant's links: out of the volume, to its own parent, dangling
        Files.createSymbolicLink(from.resolve("passwd"), Path.of("/etc/passwd"));
        Files.createSymbolicLink(from.resolve("up"), Path.of("../.."));
        Files.createSymbolicLink(from.resolve("nothing"), Path.of("gone"));
        new ProcessBuilder("mkfifo", from.resolve("pipe").toString()).start().waitFor();
        return from;
    }

    @Test
    void copiesLinksAsLinksKeepsModesAndTimesAndCountsTheSame() throws Exception {
        Path from = tree();
        Path to = Files.createDirectories(tmp.resolve("to"));
        var copied = TreeCopy.copy(from, to);
        assertThat(copied.describe()).isEqualTo("2 files, 2 directories, 3 links, 10004 bytes");
        assertThat(copied.skipped()).containsExactly("pipe");
        assertThat(TreeCopy.count(to).sameAs(copied)).isTrue();
        assertThat(Files.readSymbolicLink(to.resolve("passwd"))).isEqualTo(Path.of("/etc/passwd"));
        assertThat(Files.readSymbolicLink(to.resolve("up"))).isEqualTo(Path.of("../.."));
        assertThat(Files.isSymbolicLink(to.resolve("nothing"))).isTrue();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(to.resolve("db/ibdata1"))))
                .isEqualTo("rw-r-----");
        assertThat(PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(to.resolve("db"), LinkOption.NOFOLLOW_LINKS)))
                .isEqualTo("rwxr-x---");
        assertThat(Files.getLastModifiedTime(to.resolve("db/ibdata1")).to(TimeUnit.SECONDS))
                .isEqualTo(1_000_000);
        assertThat(Files.getLastModifiedTime(to.resolve("db")).to(TimeUnit.SECONDS))
                .isEqualTo(2_000_000);
        assertThat(Files.exists(to.resolve("pipe"), LinkOption.NOFOLLOW_LINKS)).isFalse();
    }

    @Test
    void copyingAgainOverAPartialCopyFinishesItAndNeverWritesThroughALinkFoundThere() throws Exception {
        Path from = tree();
        Path to = Files.createDirectories(tmp.resolve("to"));
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        // an interrupted copy, and a link where a directory belongs
        Files.writeString(to.resolve("passwd"), "half");
        Files.createSymbolicLink(to.resolve("db"), elsewhere);
        var copied = TreeCopy.copy(from, to);
        assertThat(TreeCopy.count(to).sameAs(copied)).isTrue();
        assertThat(Files.isDirectory(to.resolve("db"), LinkOption.NOFOLLOW_LINKS))
                .isTrue();
        assertThat(Files.readSymbolicLink(to.resolve("passwd"))).isEqualTo(Path.of("/etc/passwd"));
        try (var s = Files.list(elsewhere)) {
            assertThat(s).isEmpty();
        }
        assertThat(TreeCopy.copy(from, to).sameAs(copied))
                .as("a third time: the same")
                .isTrue();
    }
}
