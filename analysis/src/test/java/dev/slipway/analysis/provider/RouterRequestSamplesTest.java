package dev.slipway.analysis.provider;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The router's {@code GET /samples} contract (router/README.md), read from a server that answers it. */
class RouterRequestSamplesTest {
    private final List<String> asked = new ArrayList<>();
    private TestTarget router;

    @AfterEach
    void stop() {
        router.close();
    }

    @Test
    void readsBothRevisionsOfOneWindowInOneRequest() throws Exception {
        router = TestTarget.serving(exchange -> {
            asked.add(exchange.getRequestURI().toString());
            return TestTarget.Answer.json("""
                    {"since": 1733486400000, "until": 1733486460123, "complete": true,
                     "revisions": [
                       {"revision": "1.0.0-baseline", "requests": 4810, "status2xx": 4808, "status3xx": 0,
                        "status4xx": 2, "status5xx": 0, "latencyMicros": [812, 905, 1210], "statusClasses": [2, 2, 2]},
                       {"revision": "2.0.0", "requests": 530, "status2xx": 517, "status3xx": 0, "status4xx": 0,
                        "status5xx": 13, "latencyMicros": [930, 60211], "statusClasses": [2, 5]}]}""");
        });
        RouterRequestSamples samples = new RouterRequestSamples(java.net.URI.create(router.url("/")));

        Map<String, RequestSamples.Window> windows = samples.since(Instant.ofEpochMilli(1733486400000L),
                List.of("2.0.0", "1.0.0-baseline", "0.9.0"));

        assertThat(asked).containsExactly("/samples?since=1733486400000&revision=2.0.0&revision=1.0.0-baseline&revision=0.9.0");
        assertThat(windows.get("2.0.0").latenciesMillis()).containsExactly(0.93, 60.211);
        assertThat(windows.get("2.0.0").requests()).isEqualTo(530);
        assertThat(windows.get("2.0.0").errors()).isEqualTo(13);
        assertThat(windows.get("1.0.0-baseline").requests()).isEqualTo(4810);
        assertThat(windows.get("0.9.0").requests()).as("listed without requests").isZero();
    }

    @Test
    void anAnswerOtherThan200IsAnError() {
        router = TestTarget.serving(exchange -> new TestTarget.Answer(404, "text/plain", "not found: /samples\n"));
        RouterRequestSamples samples = new RouterRequestSamples(java.net.URI.create(router.url("/")));

        assertThatThrownBy(() -> samples.since(Instant.now(), List.of("2.0.0")))
                .hasMessageEndingWith("answered 404: not found: /samples");
    }
}
