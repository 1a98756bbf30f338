package dev.slipway.router;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static dev.slipway.router.Http.backend;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A router driven through its admin port, as the controller drives one in another process. */
class RemoteRouterTest {

    private static final String TOKEN = "s3cret-token";

    private final TestUpstream stable = TestUpstream.start("stable");
    private final TestUpstream canary = TestUpstream.start("canary");
    private final BuiltInRouter router = BuiltInRouter.start(RouterConfig.onLoopback(), TOKEN);
    private final RemoteRouter remote = RemoteRouter.connect(adminUri(router), TOKEN, router.address());
    private final Http http = new Http(router.address());
    private final Http admin = new Http(router.adminAddress());

    @AfterEach
    void stop() {
        remote.close();
        router.close();
        stable.close();
        canary.close();
    }

    @Test
    void aRemoteTableSwapChangesWhereClientsGo() {
        remote.route(RouteTable.single(backend("1.0.0", 100, stable)));
        assertThat(revisionsOf(20)).containsOnlyKeys("1.0.0");

        RouteTable canaryAt25 = new RouteTable(List.of(backend("1.0.0", 75, stable), backend("2.0.0", 25, canary)),
                List.of(new HeaderRoute("X-Canary", "yes", "2.0.0")));
        remote.route(canaryAt25);

        assertThat(remote.routes()).isEqualTo(canaryAt25);
        assertThat(router.routes()).isEqualTo(canaryAt25);
        assertThat(revisionsOf(100)).containsEntry("1.0.0", 75).containsEntry("2.0.0", 25);
        assertThat(Http.revisionOf(http.get("/", "X-Canary", "yes"))).isEqualTo("2.0.0");
    }

    @Test
    void metricsArriveAsTheRouterCountedThem() {
        remote.route(RouteTable.single(backend("1.0.0", 1, stable)));
        http.get("/");
        http.get("/status?code=503");

        Http.eventually(() -> assertThat(remote.metrics("1.0.0")).usingRecursiveComparison()
                .isEqualTo(router.metrics("1.0.0")));
        RevisionMetrics metrics = remote.metrics("1.0.0");
        assertThat(metrics.requests()).isEqualTo(2);
        assertThat(metrics.status5xx()).isEqualTo(1);
        assertThat(metrics.latencyBucketsMillis()).endsWith(Double.POSITIVE_INFINITY);
        assertThat(remote.metrics("never routed / 9.9").requests()).isZero();
    }

    @Test
    void aDrainOverTheAdminPortWaitsForTheInFlightRequest() {
        remote.route(RouteTable.single(backend("1.0.0", 1, stable)));
        CompletableFuture<HttpResponse<String>> slow = CompletableFuture.supplyAsync(() -> http.get("/slow?ms=600"));
        assertThat(Http.await(stable::activeRequests, active -> active == 1)).isEqualTo(1);
        remote.route(RouteTable.single(backend("2.0.0", 1, canary)));

        assertThat(remote.awaitDrained(stable.endpoint(), Duration.ofMillis(50))).isFalse();
        // While one drain waits, the admin port still answers: the wait is off the event loop.
        CompletableFuture<Boolean> drained = CompletableFuture.supplyAsync(
                () -> remote.awaitDrained(stable.endpoint(), Duration.ofSeconds(5)));
        assertThat(admin.get("/healthz").statusCode()).isEqualTo(200);
        assertThat(Http.revisionOf(http.get("/"))).isEqualTo("2.0.0");

        assertThat(drained.join()).isTrue();
        assertThat(slow.join().statusCode()).isEqualTo(200);
        assertThat(remote.awaitDrained(Http.closedEndpoint(), Duration.ofSeconds(1))).isTrue();
    }

    @Test
    void changingRoutesNeedsTheBearerToken() {
        String table = RouteTableJson.render(RouteTable.single(backend("1.0.0", 1, stable)));

        assertThat(put(table).statusCode()).isEqualTo(401);
        assertThat(put(table, "Authorization", "Bearer wrong").statusCode()).isEqualTo(401);
        assertThat(post("/drain?host=127.0.0.1&port=1&timeoutMillis=0").statusCode()).isEqualTo(401);
        try (RemoteRouter impostor = RemoteRouter.connect(adminUri(router), "wrong", router.address())) {
            assertThatThrownBy(() -> impostor.route(RouteTable.single(backend("1.0.0", 1, stable))))
                    .isInstanceOf(RemoteRouterException.class)
                    .hasMessageContaining("router admin 127.0.0.1:" + router.adminAddress().getPort())
                    .hasMessageContaining("PUT /routes answered 401")
                    .satisfies(e -> assertThat(((RemoteRouterException) e).status()).isEqualTo(401));
        }
        assertThat(router.routes().backends()).isEmpty();

        assertThat(put(table, "Authorization", "Bearer " + TOKEN).statusCode()).isEqualTo(200);
        assertThat(router.routes()).isEqualTo(RouteTable.single(backend("1.0.0", 1, stable)));
        // Prometheus scrapes without credentials.
        assertThat(admin.get("/metrics").statusCode()).isEqualTo(200);
        assertThat(admin.get("/healthz").statusCode()).isEqualTo(200);
    }

    @Test
    void aMistypedTableIsRefusedAndTheOldOneStays() {
        remote.route(RouteTable.single(backend("1.0.0", 1, stable)));

        HttpResponse<String> refused = put("{\"backends\":[{\"revision\":\"2.0.0\",\"weight\":1,\"endpionts\":[]}]}",
                "Authorization", "Bearer " + TOKEN);

        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.body()).contains("backends[0].endpionts: unknown field (expected one of [endpoints, revision, weight])");
        assertThat(router.routes()).isEqualTo(RouteTable.single(backend("1.0.0", 1, stable)));
    }

    @Test
    void aRouterStartedInProcessKeepsItsAdminPortReadOnly() {
        try (BuiltInRouter inProcess = BuiltInRouter.start(RouterConfig.onLoopback())) {
            HttpResponse<String> refused = new Http(inProcess.adminAddress()).send(HttpRequest.newBuilder(
                            new Http(inProcess.adminAddress()).uri("/routes"))
                    .PUT(HttpRequest.BodyPublishers.ofString("{}")).build());
            assertThat(refused.statusCode()).isEqualTo(403);
        }
    }

    @Test
    void anUnreachableRouterIsNamedInTheError() {
        Endpoint nobody = Http.closedEndpoint();
        try (RemoteRouter gone = RemoteRouter.connect(URI.create("http://" + nobody), TOKEN, router.address())) {
            assertThatThrownBy(gone::routes).isInstanceOf(RemoteRouterException.class)
                    .hasMessageContaining("router admin " + nobody + ": GET /routes failed: connection refused");
            assertThat(gone.isHealthy()).isFalse();
        }
    }

    @Test
    void closingTheClientLeavesTheRouterServing() {
        remote.route(RouteTable.single(backend("1.0.0", 1, stable)));

        remote.close();

        assertThatThrownBy(remote::routes).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThat(http.get("/").statusCode()).isEqualTo(200);
    }

    private Map<String, Integer> revisionsOf(int requests) {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < requests; i++) {
            counts.merge(Http.revisionOf(http.get("/")), 1, Integer::sum);
        }
        return counts;
    }

    private HttpResponse<String> put(String body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(admin.uri("/routes"))
                .PUT(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return admin.send(request.build());
    }

    private HttpResponse<String> post(String path) {
        return admin.post(path, "");
    }

    static URI adminUri(TrafficRouter router) {
        return URI.create("http://127.0.0.1:" + router.adminAddress().getPort());
    }
}
