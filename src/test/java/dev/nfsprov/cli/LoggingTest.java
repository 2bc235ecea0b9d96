package dev.nfsprov.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nfsprov.logging.Fields;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** JSON lines carry the claim, volume, class and reason as fields; text lines stay one readable line. */
class LoggingTest {

    private static String logged(String format) {
        var err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            Logging.configure(format, "info");
            Fields.of(
                            "claim",
                            "team-a/db",
                            "volume",
                            null,
                            "storageClass",
                            "nfs",
                            "reason",
                            "pathPattern \"${x}\"\nhas a typo")
                    .log(Logger.getLogger("dev.nfsprov.controller.ClaimReconciler"), Level.WARNING, "rejected");
        } finally {
            System.setErr(old);
            LogManager.getLogManager().reset();
        }
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void jsonHasOneFieldPerValue() {
        assertThat(logged("json"))
                .endsWith("\"level\":\"WARNING\",\"logger\":\"ClaimReconciler\",\"msg\":\"rejected\","
                        + "\"claim\":\"team-a/db\","
                        + "\"storageClass\":\"nfs\",\"reason\":\"pathPattern \\\"${x}\\\"\\nhas a typo\"}\n");
    }

    @Test
    void textAppendsKeyValuesOnOneLine() {
        assertThat(logged("text"))
                .endsWith(" WARNING ClaimReconciler: rejected claim=team-a/db storageClass=nfs "
                        + "reason=\"pathPattern " + "\\\"${x}\\\"\\nhas " + "a " + "typo\"\n");
    }
}
