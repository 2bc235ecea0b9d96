package dev.nfsprov.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nfsprov.share.ShareException;
import dev.nfsprov.testenv.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A share that stops answering fails the attempt in time; deletes do not hold a reconcile thread. */
class ShareWorkTest {

    @Test
    void aStepPastItsDeadlineFailsTheAttempt(@TempDir Path root) throws Exception {
        try (var work = new ShareWork(root, Duration.ofMillis(200), Duration.ofSeconds(10))) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> work.step("creating the directory of ns/db", () -> {
                        sleep(5_000); // a hung NFS call
                        return null;
                    }))
                    .isInstanceOf(ShareException.class)
                    .hasMessage("creating the directory of ns/db: the share did not answer within 0.2 s (is the NFS "
                            + "server up?)");
            assertThat((System.nanoTime() - start) / 1e9).isLessThan(2.0);
            assertThat(work.<String>step("x", () -> "ok")).isEqualTo("ok");
        }
    }

    @Test
    void aReclaimRunsOnItsOwnPoolAndIsCollectedOnce(@TempDir Path root) throws Exception {
        try (var work = new ShareWork(root)) {
            var release = new CountDownLatch(1);
            assertThat(work.reclaim("uid-1", () -> {
                        try {
                            release.await();
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                        return "archived";
                    }))
                    .as("still running: the reconcile thread is free to go")
                    .isEmpty();
            release.countDown();
            assertThat(Await.until(
                            "the reclaim's outcome",
                            Duration.ofSeconds(10),
                            () -> {
                                try {
                                    return work.reclaim("uid-1", () -> "a second run");
                                } catch (Exception e) {
                                    throw new IllegalStateException(e);
                                }
                            },
                            o -> o.isPresent()))
                    .contains("archived");
        }
    }

    @Test
    void aShareThatAnswersIsReady(@TempDir Path root) {
        try (var work = new ShareWork(root, Duration.ofSeconds(1), Duration.ofMillis(100))) {
            work.startWatching();
            assertThat(work.problem()).isNull();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
