package dev.nfsprov.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HostPortTest {

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "nfs.example|nfs.example|2049", "nfs.example:20490|nfs.example|20490", ":8080|0.0.0.0|8080",
                "[fd00::1]:2049|fd00::1|2049", "[fd00::1]|fd00::1|2049", "10.1.2.3|10.1.2.3|2049"
            })
    void parses(String text, String host, int port) {
        assertThat(HostPort.parse(text, "0.0.0.0", 2049)).isEqualTo(new HostPort(host, port));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "host:abc|has no valid port",
                "host:70000|has no valid port",
                "fd00::1:2049|write an IPv6 address as [ADDRESS]:PORT",
                "[fd00::1|has an unclosed [",
                ":2049|has no host"
            })
    void refusesWithAReason(String text, String why) {
        assertThatThrownBy(() -> HostPort.parse(text, null, 2049))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(why);
    }

    @org.junit.jupiter.api.Test
    void aRequiredPortIsRequired() {
        assertThatThrownBy(() -> HostPort.parse("localhost", "0.0.0.0", -1)).hasMessageContaining("has no :PORT");
    }
}
