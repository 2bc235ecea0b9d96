package dev.nfsprov.provision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** capacityPolicy and overcommit: when a request (or a growth) must wait, with the numbers said. */
class CapacityTest {

    static final long GI = 1L << 30;

    @ParameterizedTest(
            name =
                    "{0} overcommit {1}: {2} GiB asked, share {3} GiB, {4} GiB available, {5} GiB provisioned → fits {6}")
    @CsvSource({
        "none,        , 100, 10, 0, 10, true",
        "free,        , 2,   10, 2, 8,  true",
        "free,        , 3,   10, 2, 0,  false",
        "provisioned, , 2,   10, 9, 8,  true",
        "provisioned, , 3,   10, 9, 8,  false",
        "provisioned, 1.5, 7, 10, 9, 8, true",
        "provisioned, 1.5, 8, 10, 9, 8, false",
        "provisioned, 0.5, 1, 10, 9, 4, true",
        "provisioned, 0.5, 2, 10, 9, 4, false",
    })
    void fitsOrWaits(
            String policy, String overcommit, long asked, long size, long available, long provisioned, boolean fits)
            throws Exception {
        var params = new java.util.HashMap<String, String>();
        params.put("capacityPolicy", policy);
        if (overcommit != null) params.put("overcommit", overcommit);
        String refusal =
                Capacity.refusal(params, asked * GI, new Capacity.Space(size * GI, available * GI, provisioned * GI));
        assertThat(refusal == null).as(refusal).isEqualTo(fits);
    }

    @Test
    void theRefusalsSayTheNumbers() throws Exception {
        assertThat(Capacity.refusal(
                        Map.of("capacityPolicy", "free"), 3 * GI, new Capacity.Space(10 * GI, 2 * GI + GI / 2, 0)))
                .isEqualTo("the share has 2.5Gi available and 3Gi more is asked for (StorageClass capacityPolicy:"
                        + " free); it is provisioned as soon as space allows");
        assertThat(Capacity.refusal(
                        Map.of("capacityPolicy", "provisioned", "overcommit", "1.5"),
                        8 * GI,
                        new Capacity.Space(10 * GI, 0, 8 * GI)))
                .isEqualTo("this share's volumes request 8Gi of its 10Gi (overcommit 1.5 allows 15Gi); 8Gi more would"
                        + " exceed it (StorageClass capacityPolicy: provisioned); it is provisioned as soon as space"
                        + " allows");
    }

    @Test
    void aRequestBeyondWhatTheShareCanEverHoldIsSaidSoAndSumsNeverWrap() throws Exception {
        var policed = Map.of("capacityPolicy", "provisioned");
        // issue 30: an 8Ei claim overflowed the long sum, and everything was admitted afterwards
        long eightEi = dev.nfsprov.protocol.Quantities.bytes(new io.fabric8.kubernetes.api.model.Quantity("8Ei"));
        assertThat(eightEi).as("more than a long holds: at its most").isEqualTo(Long.MAX_VALUE);
        assertThat(Capacity.refusal(policed, eightEi, new Capacity.Space(10 * GI, 10 * GI, 0)))
                .startsWith("8Ei is more than this share can ever hold");
        assertThat(Capacity.refusal(policed, 2 * GI, new Capacity.Space(10 * GI, 10 * GI, 7L << 60)))
                .as("a 7Ei volume already counted leaves no room")
                .isNotNull();
        assertThat(Capacity.refusal(policed, 5 * GI, new Capacity.Space(10 * GI, 10 * GI, Long.MAX_VALUE)))
                .as("a saturated sum leaves no room")
                .isNotNull();
        assertThat(Capacity.add(Long.MAX_VALUE, 5)).isEqualTo(Long.MAX_VALUE);
        assertThat(Capacity.add(3, 5)).isEqualTo(8);
    }

    @ParameterizedTest
    @CsvSource({"capacityPolicy, quota", "overcommit, 0", "overcommit, -1", "overcommit, lots", "overcommit, 1e9"})
    void badParametersAreRejectionsNamingThem(String key, String value) {
        assertThatThrownBy(() -> Capacity.refusal(Map.of(key, value), 1, new Capacity.Space(1, 1, 0)))
                .isInstanceOf(VolumeService.RejectedException.class)
                .hasMessageContaining("StorageClass parameter " + key + "=\"" + value + "\"");
    }

    @Test
    void humanSizesReadLikeQuantities() {
        assertThat(Capacity.human(0)).isEqualTo("0");
        assertThat(Capacity.human(1023)).isEqualTo("1023");
        assertThat(Capacity.human(1024)).isEqualTo("1Ki");
        assertThat(Capacity.human(1536L << 20)).isEqualTo("1.5Gi");
        assertThat(Capacity.human(300L << 30)).isEqualTo("300Gi");
    }
}
