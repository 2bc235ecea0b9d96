package dev.nfsprov.rebind;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.rebind.Plan.Action;
import dev.nfsprov.rebind.Plan.ClaimView;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PlanTest {
    private static final Set<String> CLASSES = Set.of("nfs", "standard");

    private static ClaimView claim(String phase, String volume, String cls, boolean deleting, boolean nsDeleting) {
        return new ClaimView("kubeflow", "c", "uid", "1", phase, volume, cls, deleting, nsDeleting);
    }

    private static Plan.Decision decide(ClaimView c) {
        return Plan.decide(c, CLASSES, "nfs", true);
    }

    @Test
    void stuckClaimsAreRecreated() {
        assertThat(decide(claim("Pending", null, "", false, false)).action()).isEqualTo(Action.RECREATE);
        assertThat(decide(claim("Pending", null, "nfs-client", false, false)).why())
                .contains("\"nfs-client\" does not exist");
        assertThat(decide(claim("Pending", null, "standard", false, false)).action())
                .isEqualTo(Action.RECREATE);
    }

    @Test
    void unsetClassIsLeftToThePvController() {
        assertThat(decide(claim("Pending", null, null, false, false)).action()).isEqualTo(Action.WAIT_FOR_DEFAULT);
    }

    @Test
    void boundDeletingAndAlreadyTargetedClaimsAreNeverTouched() {
        assertThat(decide(claim("Bound", "pv-1", "", false, false)).action()).isEqualTo(Action.SKIP);
        assertThat(decide(claim("Pending", "pv-1", "", false, false)).why()).contains("names volume pv-1");
        assertThat(decide(claim("Pending", null, "", true, false)).why()).isEqualTo("being deleted");
        assertThat(decide(claim("Pending", null, "", false, true)).why()).contains("namespace is being deleted");
        assertThat(decide(claim("Lost", null, "", false, false)).action()).isEqualTo(Action.SKIP);
        assertThat(decide(claim("Pending", null, "nfs", false, false)).action()).isEqualTo(Action.SKIP);
    }

    @org.junit.jupiter.api.Test
    void anEmptyClassIsReCreatedOnlyWhenTheClaimIsNamed() {
        var d = Plan.decide(claim("Pending", null, "", false, false), CLASSES, "nfs", false);
        assertThat(d.action()).isEqualTo(Action.SKIP);
        assertThat(d.why())
                .isEqualTo("storageClassName \"\" may be waiting for a pre-made PersistentVolume on purpose; name the"
                        + " claim to re-create it with nfs");
    }
}
