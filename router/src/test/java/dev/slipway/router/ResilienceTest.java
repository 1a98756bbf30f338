package dev.slipway.router;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import static dev.slipway.router.Http.backend;
import static dev.slipway.router.Http.closedEndpoint;
import static org.assertj.core.api.Assertions.assertThat;

class ResilienceTest {

    private final TestUpstream live = TestUpstream.start("live");
    private final BuiltInRouter router = BuiltInRouter.start(RouterConfig.onLoopback()
            .withTimeouts(Duration.ofMillis(500), Duration.ofMillis(300)));
    private final Http http = new Http(router.address());

    @AfterEach
    void stop() {
        router.close();
        live.close();
    }

    @Test
    void anEndpointThatRefusesConnectionsCostsClientsNothing() {
        router.route(RouteTable.single(new Backend("1.0.0", 1, List.of(closedEndpoint(), live.endpoint()))));

        for (int i = 0; i < 20; i++) {
            assertThat(http.get("/").statusCode()).isEqualTo(200);
            assertThat(http.post("/upload", "twelve bytes").body()).isEqualTo("12"); // any method: nothing was sent
        }
        assertThat(router.metrics("1.0.0").upstreamErrors()).isZero();
    }

    @Test
    void aRevisionWhoseOnlyEndpointIsDownHandsItsRequestsToAnother() {
        router.route(new RouteTable(List.of(new Backend("2.0.0", 50, List.of(closedEndpoint())),
                backend("1.0.0", 50, live)), List.of()));

        for (int i = 0; i < 10; i++) {
            HttpResponse<String> response = http.get("/");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(Http.revisionOf(response)).isEqualTo("1.0.0");
        }
        Http.eventually(() -> assertThat(router.metrics("1.0.0").status2xx()).isEqualTo(10));
    }

    @Test
    void whenEveryEndpointIsDownClientsGet502AndTheRevisionAnUpstreamError() {
        router.route(RouteTable.single(new Backend("1.0.0", 1, List.of(closedEndpoint(), closedEndpoint()))));

        HttpResponse<String> response = http.get("/");

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.body()).isEqualTo("{\"error\":\"upstream unavailable\"}");
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        Http.eventually(() -> {
            RevisionMetrics metrics = router.metrics("1.0.0");
            assertThat(metrics.upstreamErrors()).isEqualTo(1);
            assertThat(metrics.status5xx()).isEqualTo(1);
        });
        assertThat(http.post("/", "a body").statusCode()).isEqualTo(502);
    }

    @Test
    void anUpstreamTooSlowToAnswerGives504() {
        router.route(RouteTable.single(backend("1.0.0", 1, live)));

        HttpResponse<String> response = http.get("/slow?ms=2000");

        // the upstream would have answered 200 after 2 s: a 504 says the router gave up first
        assertThat(response.statusCode()).isEqualTo(504);
        assertThat(response.body()).isEqualTo("{\"error\":\"upstream timed out\"}");
        Http.eventually(() -> assertThat(router.metrics("1.0.0").upstreamErrors()).isEqualTo(1));
        assertThat(http.get("/").statusCode()).isEqualTo(200); // the client connection is still good
    }

    @Test
    void aPooledConnectionTheUpstreamClosedWhileIdleIsNotReused() throws Exception {
        try (KeepAliveClosingUpstream upstream =
                     new KeepAliveClosingUpstream(KeepAliveClosingUpstream.Behaviour.CLOSE_WHEN_IDLE)) {
            router.route(RouteTable.single(new Backend("1.0.0", 1, List.of(upstream.endpoint()))));

            for (int i = 0; i < 10; i++) {
                assertThat(http.get("/").statusCode()).isEqualTo(200);
                Http.sleep(50); // long enough for the upstream to close the idle connection
            }
            assertThat(upstream.connectionCount()).isEqualTo(10);
            assertThat(router.metrics("1.0.0").upstreamErrors()).isZero();
        }
    }

    @Test
    void aPooledConnectionThatBreaksBeforeTheStatusLineIsRetriedOnAFreshOne() throws Exception {
        try (KeepAliveClosingUpstream upstream =
                     new KeepAliveClosingUpstream(KeepAliveClosingUpstream.Behaviour.CLOSE_ON_SECOND_REQUEST)) {
            router.route(RouteTable.single(new Backend("1.0.0", 1, List.of(upstream.endpoint()))));

            for (int i = 0; i < 10; i++) {
                assertThat(http.get("/").statusCode()).isEqualTo(200);
            }
            assertThat(upstream.answeredCount()).isEqualTo(10);
            assertThat(upstream.droppedCount()).isEqualTo(9); // every reuse broke, every retry worked
            assertThat(router.metrics("1.0.0").upstreamErrors()).isZero();
        }
    }

    @Test
    void aStoppedUpstreamIsNoticedAndTheOtherEndpointTakesOver() {
        TestUpstream doomed = TestUpstream.start("doomed");
        router.route(RouteTable.single(backend("1.0.0", 1, doomed, live)));
        for (int i = 0; i < 4; i++) {
            assertThat(http.get("/").statusCode()).isEqualTo(200); // pools a connection to each
        }

        doomed.close();

        for (int i = 0; i < 10; i++) {
            assertThat(http.get("/").body()).isEqualTo("live");
        }
    }
}
