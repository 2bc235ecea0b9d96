package dev.nfsprov.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Thresholds crossed, Events said once per crossing, and when a measurement is worth writing on the volume. */
class UsageRulesTest {

    static final List<Integer> THRESHOLDS = List.of(80, 100);

    @ParameterizedTest(name = "{0} of {1} → level {2}")
    @CsvSource({"0, 100, 0", "79, 100, 0", "80, 100, 80", "99, 100, 80", "100, 100, 100", "500, 100, 100", "5, 0, 0"})
    void levels(long used, long capacity, int level) {
        assertThat(UsageRules.level(used, capacity, THRESHOLDS)).isEqualTo(level);
    }

    @ParameterizedTest(name = "level {0} → {1}: {2}")
    @CsvSource({
        "0, 0, ",
        "0, 80, VolumeNearlyFull",
        "80, 80, ",
        "80, 100, VolumeOverCapacity",
        "0, 100, VolumeOverCapacity",
        "100, 80, ",
        "100, 0, ",
    })
    void anEventOnlyWhenTheLevelRises(int before, int now, String reason) {
        var e = UsageRules.crossing(before, now, 90, 100, 3);
        if (reason == null) assertThat(e).isNull();
        else assertThat(e[0]).isEqualTo(reason);
    }

    @Test
    void theEventsSayTheNumbers() {
        assertThat(UsageRules.crossing(0, 80, 85L << 20, 100L << 20, 12)[1])
                .isEqualTo("the volume uses 85Mi of its 100Mi request (85%), 12 files (warning at 80%)");
        assertThat(UsageRules.crossing(80, 100, 3L << 30, 2L << 30, 7)[1])
                .startsWith("the volume uses 3Gi of its 2Gi request (150%), 7 files: NFS does not enforce");
    }

    @Test
    void theRecordRoundTripsAndGarbageIsIgnored() {
        var r = new UsageRules.Recorded(123, 4, Instant.parse("2026-11-29T08:00:00Z"), true);
        assertThat(r.format()).isEqualTo("bytes=123 files=4 scanned=2026-11-29T08:00:00Z partial");
        assertThat(UsageRules.recorded(Map.of(UsageRules.ANN_USAGE, r.format())))
                .isEqualTo(r);
        assertThat(UsageRules.recorded(Map.of(UsageRules.ANN_USAGE, "bytes=lots")))
                .isNull();
        assertThat(UsageRules.recorded(Map.of())).isNull();
        assertThat(UsageRules.level(Map.of(UsageRules.ANN_LEVEL, "80"))).isEqualTo(80);
        assertThat(UsageRules.level(Map.of(UsageRules.ANN_LEVEL, "x"))).isZero();
    }

    @Test
    void aMeasurementIsWrittenWhenItChangedOrTheRecordIsAnHourOld() {
        var t = Instant.parse("2026-11-29T08:00:00Z");
        var before = new UsageRules.Recorded(100, 2, t, false);
        assertThat(UsageRules.worthRecording(null, before)).isTrue();
        assertThat(UsageRules.worthRecording(before, new UsageRules.Recorded(100, 2, t.plusSeconds(600), false)))
                .isFalse();
        assertThat(UsageRules.worthRecording(before, new UsageRules.Recorded(101, 2, t.plusSeconds(600), false)))
                .isTrue();
        assertThat(UsageRules.worthRecording(before, new UsageRules.Recorded(100, 3, t.plusSeconds(600), false)))
                .isTrue();
        assertThat(UsageRules.worthRecording(before, new UsageRules.Recorded(100, 2, t.plusSeconds(3600), false)))
                .isTrue();
    }
}
