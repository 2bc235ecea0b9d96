package dev.nfsprov.protocol;

import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;

/** Storage quantities as bytes: "1Gi" → 1073741824; a missing or unreadable one counts as 0. */
public final class Quantities {
    private Quantities() {}

    public static long bytes(Quantity q) {
        if (q == null) return 0;
        try {
            BigDecimal v = q.getNumericalAmount();
            return v.min(BigDecimal.valueOf(Long.MAX_VALUE))
                    .max(BigDecimal.ZERO)
                    .longValue();
        } catch (ArithmeticException | IllegalArgumentException e) {
            return 0;
        }
    }
}
