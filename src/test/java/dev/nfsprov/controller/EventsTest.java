package dev.nfsprov.controller;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EventsTest {

    @Test
    void controlCharactersFromTenantValuesAreShownAsEscapes() {
        assertThat(Events.printable("dir \"a\u001b[2Jb\nc\u202ed\"")).isEqualTo("dir \"a\\u001b[2Jb\\u000ac\\u202ed\"");
        assertThat(Events.printable("x".repeat(5000))).hasSize(1024).endsWith("...");
    }
}
