package dev.nfsprov.reclaim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nfsprov.pathtemplate.RelativePath;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which archives a class's retention lets go, oldest first; never one whose origin is unknown. */
class RetentionTest {

    static final Instant NOW = Instant.parse("2026-11-29T12:00:00Z");

    static Retention.Held held(String name, long daysOld, long bytes) {
        return held("ns", name, Duration.ofDays(daysOld), bytes);
    }

    static Retention.Held held(String namespace, String name, Duration age, long bytes) {
        var record = new ArchiveRecord("pv-" + name, namespace, name, "nfs", "1Gi", NOW.minus(age));
        return new Retention.Held(new Archives.Archive(RelativePath.of("archived-" + name), record), bytes);
    }

    static List<String> names(List<Retention.Expired> e) {
        return e.stream().map(x -> x.archive().path().toString()).toList();
    }

    @Test
    void olderThanTheRetentionGo() {
        var held = List.of(held("new", 1, 10), held("old", 40, 10), held("older", 90, 10));
        assertThat(names(Retention.expired(held, Map.of("archiveRetention", "30d"), NOW)))
                .containsExactly("archived-older", "archived-old");
        assertThat(Retention.expired(held, Map.of(), NOW)).isEmpty();
    }

    @Test
    void beyondTheBytesTheOldestGoUntilTheRestFits() {
        var held = List.of(held("a", 3, 100), held("b", 2, 100), held("c", 1, 100));
        assertThat(names(Retention.expired(held, Map.of("archiveMaxBytes", "150"), NOW)))
                .containsExactly("archived-a", "archived-b");
        assertThat(names(Retention.expired(held, Map.of("archiveMaxBytes", "300"), NOW)))
                .isEmpty();
        assertThat(names(Retention.expired(held, Map.of("archiveMaxBytes", "250", "archiveRetention", "2d"), NOW)))
                .as("age first, then size over what is left")
                .containsExactly("archived-a");
    }

    @Test
    void theBytesAreABudgetPerNamespaceSoOneTenantsArchiveNeverEvictsAnothers() {
        // issue 30: a tenant's 20 MiB archive got another namespace's 1 MiB archive deleted ~16 s after it was made
        var held = List.of(
                held("victim", "small", Duration.ofMinutes(1), 1 << 20),
                held("attacker", "big", Duration.ofSeconds(1), 20 << 20),
                held("attacker", "older", Duration.ofDays(1), 1 << 20));
        var expired = Retention.expired(held, Map.of("archiveMaxBytes", "2Mi"), NOW);
        assertThat(names(expired)).containsExactly("archived-older", "archived-big");
        assertThat(expired.getFirst().reason()).contains("namespace attacker's archives");
        assertThat(names(Retention.expired(held, Map.of("archiveMaxBytes", "30Mi"), NOW)))
                .isEmpty();
    }

    @Test
    void sizesThatOverflowALongAreAtTheirMost() {
        var held = List.of(
                held("ns", "a", Duration.ofDays(2), Long.MAX_VALUE),
                held("ns", "b", Duration.ofDays(1), Long.MAX_VALUE));
        assertThat(names(Retention.expired(held, Map.of("archiveMaxBytes", "1Ei"), NOW)))
                .containsExactly("archived-a", "archived-b");
    }

    @Test
    void anArchiveWithoutARecordIsNeverChosen() {
        var unknown = new Retention.Held(new Archives.Archive(RelativePath.of("archived-manual"), null), 1000);
        assertThat(Retention.expired(List.of(unknown), Map.of("archiveMaxBytes", "0"), NOW))
                .isEmpty();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "archiveRetention=30",
                "archiveRetention=0d",
                "archiveRetention=1w",
                "archiveMaxBytes=lots",
                "archiveMaxBytes=-1Gi"
            })
    void badParametersNameThemselves(String kv) {
        String key = kv.substring(0, kv.indexOf('=')), value = kv.substring(kv.indexOf('=') + 1);
        assertThatThrownBy(() -> Retention.expired(List.of(), Map.of(key, value), NOW))
                .hasMessageContaining("StorageClass parameter " + key + "=\"" + value + "\"");
    }
}
