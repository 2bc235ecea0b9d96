package dev.nfsprov.share;

import static dev.nfsprov.testenv.Commands.python;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.pathtemplate.RelativePath;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A volume's tree copied through descriptors: what a tenant wrote arrives as it was, and takes what it took. */
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

    private TreeCount copy() throws Exception {
        return new Share(tmp).copyTree(RelativePath.of("from"), new Share(tmp), RelativePath.of("to"));
    }

    private TreeCount count(String dir) throws Exception {
        return new Share(tmp).countTree(RelativePath.of(dir));
    }

    @Test
    void copiesLinksAsLinksKeepsModesAndTimesAndCountsTheSame() throws Exception {
        Path from = tree();
        Path to = Files.createDirectories(tmp.resolve("to"));
        var copied = copy();
        assertThat(copied.describe()).isEqualTo("2 files, 2 directories, 3 links, 10004 bytes");
        assertThat(copied.skippedNames()).containsExactly("pipe");
        assertThat(count("to").sameAs(copied)).isTrue();
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
        var copied = copy();
        assertThat(count("to").sameAs(copied)).isTrue();
        assertThat(Files.isDirectory(to.resolve("db"), LinkOption.NOFOLLOW_LINKS))
                .isTrue();
        assertThat(Files.readSymbolicLink(to.resolve("passwd"))).isEqualTo(Path.of("/etc/passwd"));
        try (var s = Files.list(elsewhere)) {
            assertThat(s).isEmpty();
        }
        assertThat(copy().sameAs(copied)).as("a third time: the same").isTrue();
    }

    private static long allocated(Path p) throws Exception {
        var du = new ProcessBuilder("du", "-s", "--block-size=1", p.toString()).start();
        String out = new String(du.getInputStream().readAllBytes()).strip();
        assertThat(du.waitFor()).isZero();
        return Long.parseLong(out.split("\\s+")[0]);
    }

    /**
     * Issue 30: a tenant's 1 MiB on disk became 2.36 GB written (a sparse file written out in full, hard links as
     * separate files), and names that are not UTF-8 were renamed or merged.
     */
    @Test
    void holesStayHolesHardLinksStayLinksAndNamesStayTheirBytes() throws Exception {
        Path from = Files.createDirectories(tmp.resolve("from"));
        python(
                from,
                "import os\n"
                        + "f=open('sparse','wb'); f.seek(1<<30); f.write(b'end'); f.close()\n"
                        + "open('data','wb').write(b'x'*100000)\n"
                        + "for i in range(20): os.link('data', 'link%d' % i)\n"
                        + "os.mkdir(b'\\xff\\xfe'); open(b'\\xff\\xfe/\\xe9t\\xe9','wb').write(b'latin-1')\n"
                        + "open('\u00e9t\u00e9','wb').write(b'utf-8')\n");
        Path to = Files.createDirectories(tmp.resolve("to"));
        var copied = copy();
        assertThat(copied.files()).isEqualTo(1 + 21 + 1 + 1);
        assertThat(count("to").sameAs(copied)).isTrue();
        assertThat(Files.size(to.resolve("sparse"))).isEqualTo((1L << 30) + 3);
        assertThat(allocated(to)).as("holes stay holes, links stay one file").isLessThan(2L << 20);
        assertThat(Files.getAttribute(to.resolve("link7"), "unix:ino"))
                .isEqualTo(Files.getAttribute(to.resolve("data"), "unix:ino"));
        assertThat(Files.getAttribute(to.resolve("data"), "unix:nlink")).isEqualTo(21);
        python(
                to,
                "import os\n"
                        + "assert open(b'\\xff\\xfe/\\xe9t\\xe9','rb').read()==b'latin-1'\n"
                        + "assert open('\u00e9t\u00e9','rb').read()==b'utf-8'\n"
                        + "assert sorted(os.listdir(b'.'))==sorted(os.listdir(b'../from'))\n");
    }

    @Test
    void aTreeDeeperThanTheCopyGoesIsAnErrorNotASilentCut() throws Exception {
        Path from = Files.createDirectories(tmp.resolve("from"));
        python(from, "import os\nfor i in range(300):\n    os.mkdir('d'); os.chdir('d')\n");
        Files.createDirectories(tmp.resolve("to"));
        org.assertj.core.api.Assertions.assertThatThrownBy(this::copy)
                .isInstanceOf(ShareException.class)
                .hasMessageContaining("deeper than " + TreeCopy.MAX_DEPTH + " levels");
        new Share(tmp).deleteTree(RelativePath.of("from"));
        new Share(tmp).deleteTree(RelativePath.of("to"));
    }
}
