package dev.slipway.router;

import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.slipway.router.Http.backend;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LifecycleTest {

    @Test
    void closeLetsAnInFlightRequestFinishThenStopsListening() throws Exception {
        try (TestUpstream upstream = TestUpstream.start("up")) {
            BuiltInRouter router = BuiltInRouter.start(RouterConfig.onLoopback());
            Http http = new Http(router.address());
            router.route(RouteTable.single(backend("1.0.0", 1, upstream)));
            CompletableFuture<HttpResponse<String>> slow = CompletableFuture.supplyAsync(() -> http.get("/slow?ms=300"));
            Http.await(upstream::activeRequests, active -> active == 1);

            router.close();

            assertThat(slow.get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            assertThatThrownBy(() -> new Http(router.address()).get("/")).hasCauseInstanceOf(ConnectException.class);
        }
    }

    @Test
    void aFixedPortIsHonoured() {
        Endpoint free = Http.closedEndpoint();
        try (BuiltInRouter router = BuiltInRouter.start(RouterConfig.of("127.0.0.1", free.port(), 0))) {
            assertThat(router.address().getPort()).isEqualTo(free.port());
            assertThat(router.adminAddress().getPort()).isNotEqualTo(free.port());
        }
    }
}
