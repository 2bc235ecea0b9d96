package dev.nfsprov.share;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.pathtemplate.RelativePath;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tenant who can write where a volume's path runs swaps a path component between a directory and a symbolic link
 * to a victim's directory, as fast as it can, while the controller creates volumes there. Checks per component done
 * by path and actions done by path would let some creation, chmod or chown land in the victim; through directory
 * handles none can.
 */
class ShareRaceTest {

    @Test
    void aFlippingComponentNeverRedirectsCreationOrChmod(@TempDir Path root, @TempDir Path victim) throws Exception {
        Files.setAttribute(victim, "unix:mode", 0700);
        Files.writeString(victim.resolve("data"), "the victim's");
        Path ns = root.resolve("ns");
        Path aside = root.resolve("ns-aside");
        Files.createDirectory(ns);
        var stop = new AtomicBoolean();
        var flips = new AtomicLong();
        Thread flipper = Thread.ofPlatform().start(() -> {
            while (!stop.get()) {
                try {
                    Files.move(ns, aside, StandardCopyOption.ATOMIC_MOVE); // the real directory out of the way
                    Files.createSymbolicLink(ns, victim); // ...a link to the victim in its place
                    flips.incrementAndGet();
                    Files.delete(ns);
                    Files.move(aside, ns, StandardCopyOption.ATOMIC_MOVE); // and back
                } catch (Exception raced) {
                    // the controller made "ns" in between: carry on flipping
                    try {
                        if (Files.isSymbolicLink(ns)) Files.delete(ns);
                        if (!Files.exists(ns, LinkOption.NOFOLLOW_LINKS) && Files.isDirectory(aside))
                            Files.move(aside, ns);
                    } catch (Exception ignored) {
                        // next round
                    }
                }
            }
        });
        var share = new Share(root);
        int made = 0;
        long deadline = System.nanoTime() + 3_000_000_000L; // as long as the machine lets the flipper race us
        for (int i = 0; i < 100_000 && System.nanoTime() < deadline; i++) {
            try {
                share.createVolume(
                        RelativePath.of("ns/vol-" + i),
                        new DirectorySettings(0777, java.util.OptionalInt.of(4242), java.util.OptionalInt.empty()),
                        "pvc-" + i,
                        Share.Existing.REFUSE);
                made++;
            } catch (ShareException refused) {
                // a link on the way is refused; that is the point
            }
        }
        stop.set(true);
        flipper.join();

        assertThat(flips.get()).as("links planted by the flipper").isGreaterThan(10);
        assertThat(made).as("some volumes were made between flips").isGreaterThan(0);
        try (var entries = Files.list(victim)) {
            assertThat(entries.map(p -> p.getFileName().toString()).toList()).containsExactly("data");
        }
        assertThat((Integer) Files.getAttribute(victim, "unix:mode") & 07777).isEqualTo(0700);
        assertThat(Files.getAttribute(victim, "unix:uid")).isNotEqualTo(4242);
    }
}
