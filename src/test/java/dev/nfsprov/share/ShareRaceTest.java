package dev.nfsprov.share;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.pathtemplate.RelativePath;
import java.nio.file.Files;
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
        Files.createDirectory(ns);
        var stop = new AtomicBoolean();
        var flips = new AtomicLong();
        Thread flipper = Thread.ofPlatform().start(() -> {
            for (long round = 0; !stop.get(); round++) {
                // a fresh name to move the real directory to each round, so a round the controller wins (it made
                // "ns" again in between) never leaves the flipper stuck
                Path aside = root.resolve("ns-aside-" + round);
                try {
                    Files.move(ns, aside, StandardCopyOption.ATOMIC_MOVE); // the real directory out of the way
                    Files.createSymbolicLink(ns, victim); // ...a link to the victim in its place
                    flips.incrementAndGet();
                    Files.delete(ns);
                    Files.move(aside, ns, StandardCopyOption.ATOMIC_MOVE); // and back
                } catch (Exception raced) {
                    try {
                        if (Files.isSymbolicLink(ns)) Files.delete(ns);
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

    @Test
    void twoMakersOfTheSameVolumeAtOnceNeitherRefusesTheOther(@TempDir Path root) throws Exception {
        // Whatever lets two attempts for one claim overlap (a retry while an earlier step still runs), the second
        // must see the first's directory as its own, never as "not made for this claim".
        var share = new Share(root);
        var conflicts = new java.util.concurrent.atomic.AtomicInteger();
        for (int i = 0; i < 300; i++) {
            var path = RelativePath.of("vol-" + i);
            var start = new java.util.concurrent.CyclicBarrier(2);
            Runnable maker = () -> {
                try {
                    start.await();
                    share.createVolume(path, DirectorySettings.DEFAULT, "pvc-" + path.leaf(), Share.Existing.REFUSE);
                } catch (VolumeConflictException e) {
                    conflicts.incrementAndGet();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            };
            Thread a = Thread.ofPlatform().start(maker);
            Thread b = Thread.ofPlatform().start(maker);
            a.join();
            b.join();
        }
        assertThat(conflicts).hasValue(0);
    }
}
