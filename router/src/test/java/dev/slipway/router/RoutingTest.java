package dev.slipway.router;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.slipway.router.Http.backend;
import static dev.slipway.router.Http.revisionOf;
import static org.assertj.core.api.Assertions.assertThat;

class RoutingTest {

    private final TestUpstream stable = TestUpstream.start("stable");
    private final TestUpstream canary = TestUpstream.start("canary");
    private final BuiltInRouter router = BuiltInRouter.start(RouterConfig.onLoopback());
    private final Http http = new Http(router.address());

    @AfterEach
    void stop() {
        router.close();
        stable.close();
        canary.close();
    }

    @Test
    void weightsSplitTrafficInProportion() throws Exception {
        router.route(new RouteTable(List.of(backend("1.0.0", 80, stable), backend("2.0.0", 20, canary)), List.of()));
        Map<String, AtomicInteger> answeredBy = new ConcurrentHashMap<>();
        ExecutorService clients = Executors.newFixedThreadPool(4);
        for (int i = 0; i < 2000; i++) {
            clients.submit(() -> {
                HttpResponse<String> response = http.get("/");
                answeredBy.computeIfAbsent(response.body(), name -> new AtomicInteger()).incrementAndGet();
            });
        }
        clients.shutdown();
        assertThat(clients.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

        assertThat(answeredBy.get("stable").get()).isBetween(1550, 1650);
        assertThat(answeredBy.get("canary").get()).isBetween(350, 450);
        assertThat(router.metrics("1.0.0").requests() + router.metrics("2.0.0").requests()).isEqualTo(2000);
    }

    @Test
    void headerRouteWinsOverWeights() {
        router.route(new RouteTable(List.of(backend("1.0.0", 100, stable), backend("2.0.0", 0, canary)),
                List.of(new HeaderRoute("X-Canary", "yes", "2.0.0"))));

        for (int i = 0; i < 10; i++) {
            assertThat(http.get("/", "X-Canary", "yes").body()).isEqualTo("canary");
            assertThat(http.get("/", "X-Canary", "no").body()).isEqualTo("stable");
            assertThat(http.get("/").body()).isEqualTo("stable");
        }
    }

    @Test
    void headerRouteToARevisionWithoutEndpointsFallsBackToWeights() {
        router.route(new RouteTable(List.of(backend("1.0.0", 100, stable), backend("2.0.0", 0)),
                List.of(new HeaderRoute("X-Canary", "yes", "2.0.0"))));

        assertThat(http.get("/", "X-Canary", "yes").body()).isEqualTo("stable");
    }

    @Test
    void aStickyKeyAlwaysLandsOnTheSameRevision() {
        router.route(new RouteTable(List.of(backend("1.0.0", 50, stable), backend("2.0.0", 50, canary)), List.of()));

        Set<String> forHeaderKey = new HashSet<>();
        Set<String> forCookieKey = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            forHeaderKey.add(http.get("/", "X-Slipway-Sticky", "user-42").body());
            forCookieKey.add(http.get("/", "Cookie", "theme=dark; slipway-sticky=user-7; lang=en").body());
        }
        assertThat(forHeaderKey).hasSize(1);
        assertThat(forCookieKey).hasSize(1);

        Map<String, Integer> keysPerRevision = new HashMap<>();
        for (int key = 0; key < 60; key++) {
            keysPerRevision.merge(http.get("/", "X-Slipway-Sticky", "user-" + key).body(), 1, Integer::sum);
        }
        assertThat(keysPerRevision).containsKeys("stable", "canary"); // different keys still spread
    }

    @Test
    void everyResponseNamesItsRevisionAndTheUpstreamLearnsWhoAsked() {
        router.route(RouteTable.single(backend("1.0.0", 1, stable)));

        HttpResponse<String> forwardedFor = http.get("/headers?name=X-Forwarded-For");
        HttpResponse<String> forwardedProto = http.get("/headers?name=X-Forwarded-Proto");

        assertThat(revisionOf(forwardedFor)).isEqualTo("1.0.0");
        assertThat(forwardedFor.body()).isEqualTo("127.0.0.1");
        assertThat(forwardedProto.body()).isEqualTo("http");
        assertThat(forwardedFor.headers().firstValue("X-Upstream")).hasValue("stable");
    }

    @Test
    void endpointsOfARevisionShareItsTrafficRoundRobin() {
        TestUpstream second = TestUpstream.start("stable");
        try {
            router.route(RouteTable.single(backend("1.0.0", 1, stable, second)));
            for (int i = 0; i < 20; i++) {
                assertThat(http.get("/").statusCode()).isEqualTo(200);
            }
            assertThat(stable.requestCount()).isEqualTo(10);
            assertThat(second.requestCount()).isEqualTo(10);
        } finally {
            second.close();
        }
    }

    @Test
    void keepAliveConnectionsToTheUpstreamAreReused() {
        router.route(RouteTable.single(backend("1.0.0", 1, stable)));

        for (int i = 0; i < 50; i++) {
            assertThat(http.get("/").statusCode()).isEqualTo(200);
        }

        assertThat(stable.requestCount()).isEqualTo(50);
        assertThat(stable.connectionCount()).isEqualTo(1);
    }

    @Test
    void withoutAnyRoutableRevisionClientsGet503() {
        HttpResponse<String> empty = http.get("/");
        router.route(RouteTable.single(backend("1.0.0", 0, stable)));
        HttpResponse<String> weightZero = http.get("/");

        assertThat(empty.statusCode()).isEqualTo(503);
        assertThat(empty.body()).isEqualTo("{\"error\":\"no ready revision\"}");
        assertThat(weightZero.statusCode()).isEqualTo(503);
        Http.eventually(() -> assertThat(router.metrics("none").status5xx()).isEqualTo(2));
        assertThat(http.post("/", "body").statusCode()).isEqualTo(503);
    }

    @Test
    void routesReturnsTheTableInForce() {
        RouteTable table = new RouteTable(List.of(backend("1.0.0", 90, stable), backend("2.0.0", 10, canary)),
                List.of(new HeaderRoute("X-Canary", "yes", "2.0.0")));
        router.route(table);

        assertThat(router.routes()).isEqualTo(table);
        String json = new Http(router.adminAddress()).get("/routes").body();
        assertThat(json).startsWith("{\"backends\":[{\"revision\":\"1.0.0\",\"weight\":90,\"endpoints\":[\"127.0.0.1:")
                .endsWith("\"headerRoutes\":[{\"name\":\"X-Canary\",\"value\":\"yes\",\"revision\":\"2.0.0\"}]}");
    }

    @Test
    void headRequestsAndExpectContinueUploadsPassThroughOnAKeptConnection() {
        router.route(RouteTable.single(backend("1.0.0", 1, stable)));

        HttpResponse<String> head = http.send(java.net.http.HttpRequest.newBuilder(http.uri("/"))
                .method("HEAD", java.net.http.HttpRequest.BodyPublishers.noBody()).build());
        HttpResponse<String> upload = http.send(java.net.http.HttpRequest.newBuilder(http.uri("/upload"))
                .expectContinue(true).POST(java.net.http.HttpRequest.BodyPublishers.ofString("hello")).build());
        HttpResponse<String> after = http.get("/");

        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(revisionOf(head)).isEqualTo("1.0.0");
        assertThat(upload.body()).isEqualTo("5");
        assertThat(after.body()).isEqualTo("stable");
        assertThat(stable.connectionCount()).isEqualTo(1);
    }
}
