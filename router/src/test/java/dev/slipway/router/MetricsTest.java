package dev.slipway.router;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;

import static dev.slipway.router.Http.backend;
import static org.assertj.core.api.Assertions.assertThat;

class MetricsTest {

    private final TestUpstream upstream = TestUpstream.start("metered");
    private final BuiltInRouter router = BuiltInRouter.start(RouterConfig.onLoopback());
    private final Http http = new Http(router.address());
    private final Http admin = new Http(router.adminAddress());

    @AfterEach
    void stop() {
        router.close();
        upstream.close();
    }

    @Test
    void everyAnsweredRequestIsCountedByStatusClassAndLatency() {
        router.route(RouteTable.single(backend("2.0.0", 1, upstream)));

        for (int i = 0; i < 10; i++) {
            assertThat(http.get("/").statusCode()).isEqualTo(200);
        }
        assertThat(http.get("/status?code=404").statusCode()).isEqualTo(404);
        assertThat(http.get("/status?code=503").statusCode()).isEqualTo(503);
        assertThat(http.get("/status?code=302").statusCode()).isEqualTo(302);
        assertThat(http.get("/slow?ms=30").statusCode()).isEqualTo(200);

        Http.eventually(() -> assertThat(router.metrics("2.0.0").requests()).isEqualTo(14));
        RevisionMetrics metrics = router.metrics("2.0.0");
        assertThat(metrics.revision()).isEqualTo("2.0.0");
        assertThat(metrics.status2xx()).isEqualTo(11);
        assertThat(metrics.status3xx()).isEqualTo(1);
        assertThat(metrics.status4xx()).isEqualTo(1);
        assertThat(metrics.status5xx()).isEqualTo(1);
        assertThat(metrics.upstreamErrors()).isZero();
        assertThat(metrics.latencyBucketsMillis()).startsWith(1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)
                .endsWith(Double.POSITIVE_INFINITY);
        long[] counts = metrics.latencyCounts();
        assertThat(counts[counts.length - 1]).isEqualTo(14);
        // Only the slow request is known to take more than 25 ms; how fast the others were depends on the machine.
        assertThat(counts[4]).as("at most 25 ms").isLessThanOrEqualTo(13);
        assertThat(counts).as("cumulative").isSorted();
        RevisionMetrics neverSeen = router.metrics("never-seen");
        assertThat(neverSeen.revision()).isEqualTo("never-seen");
        assertThat(neverSeen.requests()).isZero();
    }

    @Test
    void aResponseTheClientHasIsAlreadyCounted() {
        router.route(RouteTable.single(backend("2.0.0", 1, upstream)));

        for (int i = 1; i <= 50; i++) {
            assertThat(http.get(i % 5 == 0 ? "/status?code=500" : "/").statusCode()).isIn(200, 500);
            // No waiting: an analysis that reads the counters right after its own request must find it there.
            assertThat(router.metrics("2.0.0").requests()).isEqualTo(i);
        }
        assertThat(router.metrics("2.0.0").status5xx()).isEqualTo(10);
    }

    @Test
    void prometheusTextUsesTheNamesTheAnalysisModuleParses() {
        router.route(RouteTable.single(backend("2.0.0", 1, upstream)));
        for (int i = 0; i < 10; i++) {
            http.get("/");
        }
        Http.eventually(() -> assertThat(router.metrics("2.0.0").requests()).isEqualTo(10));

        HttpResponse<String> response = admin.get("/metrics");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/plain; version=0.0.4"));
        List<String> lines = response.body().lines().toList();
        assertThat(lines).contains(
                "# TYPE slipway_router_requests_total counter",
                "slipway_router_requests_total{revision=\"2.0.0\",code=\"2xx\"} 10",
                "slipway_router_requests_total{revision=\"2.0.0\",code=\"3xx\"} 0",
                "slipway_router_requests_total{revision=\"2.0.0\",code=\"4xx\"} 0",
                "slipway_router_requests_total{revision=\"2.0.0\",code=\"5xx\"} 0",
                "# TYPE slipway_router_upstream_errors_total counter",
                "slipway_router_upstream_errors_total{revision=\"2.0.0\"} 0",
                "# TYPE slipway_router_request_duration_seconds histogram",
                "slipway_router_request_duration_seconds_bucket{revision=\"2.0.0\",le=\"+Inf\"} 10",
                "slipway_router_request_duration_seconds_count{revision=\"2.0.0\"} 10",
                "# TYPE slipway_router_in_flight gauge",
                "slipway_router_in_flight{revision=\"2.0.0\"} 0");
        assertThat(lines).filteredOn(line -> line.startsWith("slipway_router_request_duration_seconds_bucket"))
                .extracting(line -> line.substring(line.indexOf("le=\"") + 4, line.indexOf("\"}")))
                .containsExactly("0.001", "0.002", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1",
                        "2.5", "5", "10", "+Inf");
        assertThat(lines).anySatisfy(line -> assertThat(line)
                .matches("slipway_router_request_duration_seconds_sum\\{revision=\"2.0.0\"} [0-9.E-]+"));
    }

    @Test
    void inFlightCountsRequestsWaitingForTheirUpstream() throws Exception {
        router.route(RouteTable.single(backend("2.0.0", 1, upstream)));
        var slow = java.util.concurrent.CompletableFuture.supplyAsync(() -> http.get("/slow?ms=500"));

        Http.eventually(() -> assertThat(admin.get("/metrics").body())
                .contains("slipway_router_in_flight{revision=\"2.0.0\"} 1"));
        assertThat(slow.get().statusCode()).isEqualTo(200);
        Http.eventually(() -> assertThat(admin.get("/metrics").body())
                .contains("slipway_router_in_flight{revision=\"2.0.0\"} 0"));
    }
}
