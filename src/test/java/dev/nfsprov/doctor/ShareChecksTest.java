package dev.nfsprov.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.usage.ShareFigures;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ShareChecksTest {

    @Test
    void aShareIsSaidWithItsSpaceItsArchivesAndHowOldTheFiguresAre() {
        var f = new ShareFigures(
                "fast",
                "10.1.1.2:/export",
                100L << 30,
                40L << 30,
                12L << 30,
                3,
                5L << 30,
                Instant.parse("2026-10-01T08:00:00Z"),
                Instant.parse("2026-11-29T12:00:00Z"));
        var back = ShareFigures.parse(f.toJson());
        assertThat(back).isEqualTo(f);
        assertThat(ShareChecks.describe(back, Instant.parse("2026-11-29T12:05:00Z")))
                .isEqualTo("40Gi of 100Gi available, volumes request 12Gi; 3 archive(s), 5Gi, oldest"
                        + " archived 2026-10-01 (measured 5 min ago)");
        assertThat(ShareFigures.parse("not json")).isNull();
    }
}
