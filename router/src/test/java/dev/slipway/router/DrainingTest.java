package dev.slipway.router;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.slipway.router.Http.backend;
import static org.assertj.core.api.Assertions.assertThat;

class DrainingTest {

    private final TestUpstream old = TestUpstream.start("old");
    private final TestUpstream next = TestUpstream.start("next");
    private final BuiltInRouter router = BuiltInRouter.start(RouterConfig.onLoopback());
    private final Http http = new Http(router.address());

    @AfterEach
    void stop() {
        router.close();
        old.close();
        next.close();
    }

    @Test
    void aRemovedEndpointFinishesItsInFlightRequestsAndGetsNoNewOnes() throws Exception {
        router.route(RouteTable.single(backend("1.0.0", 1, old)));
        CompletableFuture<HttpResponse<String>> slow = CompletableFuture.supplyAsync(() -> http.get("/slow?ms=1000"));
        assertThat(Http.await(old::activeRequests, active -> active == 1)).isEqualTo(1);

        router.route(RouteTable.single(backend("2.0.0", 1, next)));

        for (int i = 0; i < 10; i++) {
            assertThat(http.get("/").body()).isEqualTo("next");
        }
        assertThat(router.awaitDrained(old.endpoint(), Duration.ofMillis(50))).isFalse();
        assertThat(router.awaitDrained(old.endpoint(), Duration.ofSeconds(5))).isTrue();
        HttpResponse<String> finished = slow.get(5, TimeUnit.SECONDS);
        assertThat(finished.statusCode()).isEqualTo(200);
        assertThat(finished.body()).isEqualTo("old");
        assertThat(old.requestCount()).isEqualTo(1);
        Http.eventually(() -> assertThat(router.metrics("1.0.0").status2xx()).isEqualTo(1));
    }

    @Test
    void anEndpointNeverUsedOrAlreadyIdleIsDrainedAtOnce() {
        router.route(RouteTable.single(backend("1.0.0", 1, old)));
        assertThat(http.get("/").statusCode()).isEqualTo(200);

        router.route(RouteTable.single(backend("2.0.0", 1, next)));

        assertThat(router.awaitDrained(old.endpoint(), Duration.ofMillis(100))).isTrue();
        assertThat(router.awaitDrained(new Endpoint("127.0.0.1", 1), Duration.ofMillis(100))).isTrue();
        assertThat(http.get("/").body()).isEqualTo("next");
    }

    @Test
    void anEndpointAddedBackAfterRemovalTakesTrafficAgain() {
        router.route(RouteTable.single(backend("1.0.0", 1, old)));
        assertThat(http.get("/").body()).isEqualTo("old");
        router.route(RouteTable.single(backend("2.0.0", 1, next)));
        assertThat(router.awaitDrained(old.endpoint(), Duration.ofSeconds(1))).isTrue();

        router.route(RouteTable.single(backend("1.0.0", 1, old)));

        assertThat(http.get("/").body()).isEqualTo("old");
    }
}
