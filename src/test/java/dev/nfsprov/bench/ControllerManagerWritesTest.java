package dev.nfsprov.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ControllerManagerWritesTest {

    @Test
    void everyRequestButReadsCountsWhateverItsAnswer() {
        String metrics = """
                # HELP rest_client_requests_total [ALPHA] Number of HTTP requests, partitioned by status code, method, and host.
                # TYPE rest_client_requests_total counter
                rest_client_requests_total{code="200",host="127.0.0.1:21864",method="GET"} 9000
                rest_client_requests_total{code="200",host="127.0.0.1:21864",method="PATCH"} 47
                rest_client_requests_total{code="200",host="127.0.0.1:21864",method="PUT"} 1800
                rest_client_requests_total{code="201",host="127.0.0.1:21864",method="POST"} 206
                rest_client_requests_total{code="409",host="127.0.0.1:21864",method="PUT"} 3
                rest_client_request_duration_seconds_count{host="127.0.0.1:21864",verb="PUT"} 1803
                """;
        assertThat(ControllerManagerWrites.writes(metrics)).isEqualTo(47 + 1800 + 206 + 3);
    }
}
