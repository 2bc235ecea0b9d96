package dev.nfsprov.controller;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EventsTest {

    @Test
    void controlCharactersFromTenantValuesAreShownAsEscapes() {
        assertThat(Events.printable("dir \"a\u001b[2Jb\nc\u202ed\"")).isEqualTo("dir \"a\\u001b[2Jb\\u000ac\\u202ed\"");
        assertThat(Events.printable("x".repeat(5000))).hasSize(1024).endsWith("...");
    }

    @Test
    void oneNamespaceHoldsAtMostItsShareOfTheQueue() {
        // issue 30: one queue of 10,000 for all tenants; one tenant's flood made another's Events drop
        var shares = new Events.Shares(3);
        for (int i = 0; i < 3; i++) assertThat(shares.take("flood")).isTrue();
        assertThat(shares.take("flood")).isFalse();
        assertThat(shares.take("victim")).isTrue();
        shares.release("flood");
        assertThat(shares.take("flood")).isTrue();
        for (int i = 0; i < 3; i++) shares.release("flood");
        shares.release("victim");
        assertThat(shares.namespaces())
                .as("nothing kept for a namespace with nothing queued")
                .isZero();
        assertThat(Events.PER_NAMESPACE * 20).isEqualTo(Events.QUEUE);
    }
}
