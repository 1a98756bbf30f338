package dev.slipway.router;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import static dev.slipway.router.Http.backend;
import static org.assertj.core.api.Assertions.assertThat;

/** Per-request latency samples by revision, read from the admin port for a window of the reader's choosing. */
class LatencySamplesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SampleClock CLOCK = new SampleClock(0, 1_700_000_000_000L);
    private static final long SECOND = 1_000_000_000L;

    @AutoClose
    private final TestUpstream stable = TestUpstream.start("stable");
    @AutoClose
    private final TestUpstream canary = TestUpstream.start("canary");

    @Test
    void theAdminPortGivesEachRevisionsCountsAndPairedSamplesSinceAWindowStart() throws Exception {
        try (BuiltInRouter router = BuiltInRouter.start(RouterConfig.onLoopback())) {
            router.route(new RouteTable(List.of(backend("1.0.0", 50, stable), backend("2.0.0", 50, canary)), List.of()));
            long windowStart = System.currentTimeMillis();
            Http http = new Http(router.address());
            for (int i = 0; i < 10; i++) {
                http.get("/");
                http.get("/status?code=500");
            }
            http.get("/slow?ms=60", "X-Slipway-Sticky", "any");

            HttpResponse<String> response = new Http(router.adminAddress()).get("/samples?since=" + windowStart);

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type")).contains("application/json");
            JsonNode samples = JSON.readTree(response.body());
            assertThat(samples.get("since").asLong()).isLessThanOrEqualTo(windowStart).isGreaterThan(windowStart - 1000);
            assertThat(samples.get("until").asLong()).isGreaterThanOrEqualTo(windowStart);
            assertThat(samples.get("complete").asBoolean()).isTrue();
            assertThat(samples.get("revisions")).extracting(revision -> revision.get("revision").asText())
                    .containsExactly("1.0.0", "2.0.0");
            long requests = 0;
            List<Long> latencies = new ArrayList<>();
            for (JsonNode revision : samples.get("revisions")) {
                requests += revision.get("requests").asLong();
                assertThat(revision.get("requests").asLong()).isEqualTo(revision.get("status2xx").asLong()
                        + revision.get("status5xx").asLong());
                assertThat(revision.get("latencyMicros")).as("few requests: every one is sampled")
                        .hasSize(revision.get("requests").asInt());
                assertThat(revision.get("statusClasses")).hasSameSizeAs(revision.get("latencyMicros"));
                revision.get("latencyMicros").forEach(latency -> latencies.add(latency.asLong()));
                assertThat(revision.get("statusClasses")).extracting(JsonNode::asInt).containsOnly(2, 5)
                        .filteredOn(statusClass -> statusClass == 5).hasSize(revision.get("status5xx").asInt());
            }
            assertThat(requests).isEqualTo(21);
            assertThat(latencies).allSatisfy(latency -> assertThat(latency).isPositive())
                    .anySatisfy(latency -> assertThat(latency).as("the slow one, in microseconds").isGreaterThanOrEqualTo(60_000));
        }
    }

    @Test
    void askedForByNameARevisionWithoutTrafficHasZeroAndIsNotInventedElsewhere() throws Exception {
        try (BuiltInRouter router = BuiltInRouter.start(RouterConfig.onLoopback())) {
            Http admin = new Http(router.adminAddress());
            JsonNode samples = JSON.readTree(admin.get("/samples?since=0&revision=9.9.9").body());

            assertThat(samples.get("revisions")).hasSize(1);
            assertThat(samples.get("revisions").get(0).get("requests").asLong()).isZero();
            assertThat(samples.get("revisions").get(0).get("latencyMicros")).isEmpty();
            assertThat(admin.get("/metrics").body()).doesNotContain("9.9.9");
            assertThat(admin.get("/samples").statusCode()).isEqualTo(400);
            assertThat(admin.get("/samples?since=yesterday").body()).contains("since is not a number");
        }
    }

    @Test
    void aWindowHoldsTheSecondsFromItsStartOnly() {
        LatencySamples samples = new LatencySamples(CLOCK, 1);
        samples.record(0, 5 * SECOND + 1, 1_000, 200);
        samples.record(0, 6 * SECOND, 2_000, 503);
        samples.record(0, 7 * SECOND + 999_999_999L, 3_000, 404);

        LatencySamples.Window window = new LatencySamples.Window();
        samples.collect(6, 8, window);

        assertThat(window.requests).isEqualTo(2);
        assertThat(window.byStatusClass[5]).isEqualTo(1);
        assertThat(window.byStatusClass[4]).isEqualTo(1);
        assertThat(pairs(window)).containsExactlyInAnyOrder("2:5", "3:4");
    }

    @Test
    void aBusySecondKeepsExactCountsAndABoundedSample() {
        LatencySamples samples = new LatencySamples(CLOCK, 2);
        for (int i = 0; i < 10_000; i++) {
            samples.record(i % 2, 3 * SECOND + i, (i % 1000) * 1_000L, i % 10 == 0 ? 500 : 200);
        }

        LatencySamples.Window window = new LatencySamples.Window();
        samples.collect(0, 3, window);

        assertThat(window.requests).isEqualTo(10_000);
        assertThat(window.byStatusClass[5]).isEqualTo(1_000);
        assertThat(window.sampled).as("at most %d per second per event loop", LatencySamples.PER_SLICE)
                .isEqualTo(2 * LatencySamples.PER_SLICE);
        long distinct = java.util.Arrays.stream(window.latencyMicros, 0, window.sampled).distinct().count();
        assertThat(distinct).as("a spread of the second, not its first requests").isGreaterThan(LatencySamples.PER_SLICE);
    }

    @Test
    void onlyTheLastTenMinutesAreKept() {
        LatencySamples samples = new LatencySamples(CLOCK, 1);
        samples.record(0, 10 * SECOND, 1_000, 200);
        samples.record(0, (10 + LatencySamples.RETAINED_SECONDS) * SECOND, 2_000, 200); // same slot, ten minutes later

        LatencySamples.Window window = new LatencySamples.Window();
        samples.collect(0, 10 + LatencySamples.RETAINED_SECONDS, window);

        assertThat(pairs(window)).containsExactly("2:2");
    }

    private static List<String> pairs(LatencySamples.Window window) {
        List<String> pairs = new ArrayList<>();
        for (int i = 0; i < window.sampled; i++) {
            pairs.add(window.latencyMicros[i] + ":" + window.statusClasses[i]);
        }
        return pairs;
    }
}
