package dev.slipway.router;

import dev.slipway.model.RouterSpec;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Clients that are too slow do not hold connections forever: a half-sent request head gets a 408, a stalled
 * body a 408, an idle keep-alive connection is closed, and a replica that goes silent mid-response is cut off.
 * The timeouts are short here; what is asserted is what each client ends up with, not how long it took.
 */
class ClientTimeoutsTest {

    private static final RouterSpec.Timeouts SHORT = new RouterSpec.Timeouts(Duration.ofMillis(300),
            Duration.ofMillis(300), Duration.ofMillis(300), Duration.ofSeconds(1), Duration.ofSeconds(5),
            Duration.ofMillis(300));

    @AutoClose // router, then upstream
    private final RoutedUpstream routed = new RoutedUpstream(RouterConfig.onLoopback().withTimeouts(SHORT));
    private final BuiltInRouter router = routed.router;
    private final TestUpstream upstream = routed.upstream;

    @Test
    void fiftyClientsThatSendHalfAHeaderBlockAreAnswered408AndClosed() {
        List<RawClient> slowClients = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            slowClients.add(new RawClient(router.address()).send("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: "));
        }

        List<CompletableFuture<String>> answers = slowClients.stream()
                .map(client -> CompletableFuture.supplyAsync(client::readUntilClosed)).toList();

        for (CompletableFuture<String> answer : answers) {
            assertThat(answer.join()).startsWith("HTTP/1.1 408 ").contains("request header timed out");
        }
        slowClients.forEach(RawClient::close);
        assertThat(upstream.requestCount()).isZero();
        Http.await(router::openConnections, open -> open == 0);
        assertThat(router.openConnections()).isZero();
    }

    @Test
    void aClientThatNeverSendsARequestIsClosedSilently() {
        try (RawClient client = new RawClient(router.address())) {
            assertThat(client.readUntilClosed()).isEmpty();
        }
    }

    @Test
    void anIdleKeepAliveConnectionIsClosedAfterItsAnswer() {
        try (RawClient client = new RawClient(router.address())) {
            client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(client.readResponse()).startsWith("HTTP/1.1 200 ").endsWith("app");

            assertThat(client.readUntilClosed()).as("nothing more, then closed").isEmpty();
        }
    }

    @Test
    void aStalledRequestBodyIsAnswered408AndTheUpstreamLetGo() {
        try (RawClient client = new RawClient(router.address())) {
            client.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789");

            String answer = client.readUntilClosed();

            assertThat(answer).startsWith("HTTP/1.1 408 ").contains("request body timed out");
        }
        Http.await(upstream::activeRequests, active -> active == 0);
        assertThat(upstream.activeRequests()).as("the upstream's half-read request ended").isZero();
        assertThat(router.metrics("1.0.0").status4xx()).isEqualTo(1);
    }

    @Test
    void aReplicaSilentInTheMiddleOfAResponseIsCutOff() {
        try (RawClient client = new RawClient(router.address())) {
            client.send("GET /stall?bytes=1000 HTTP/1.1\r\nHost: x\r\n\r\n");

            String received = client.readUntilClosed();

            assertThat(received).startsWith("HTTP/1.1 200 ").doesNotEndWith("0\r\n\r\n"); // no last chunk: cut off
        }
        assertThat(router.metrics("1.0.0").upstreamErrors()).isEqualTo(1);
    }

    @Test
    void aLongUpstreamIdleTimeoutNeverDelaysTheNextRequestsResponseTimeout() {
        RouterSpec.Timeouts patientWithStreams = new RouterSpec.Timeouts(Duration.ofSeconds(10), Duration.ofSeconds(10),
                Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofMillis(300), Duration.ofHours(1));
        try (RoutedUpstream patient = new RoutedUpstream(RouterConfig.onLoopback().withTimeouts(patientWithStreams));
             RawClient client = new RawClient(patient.router.address())) {
            client.send("GET /download?bytes=1000000 HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(client.readChunkedResponse()).startsWith("HTTP/1.1 200 ").endsWith("(1000000 bytes)");

            client.send("GET /slow?ms=5000 HTTP/1.1\r\nHost: x\r\n\r\n");

            assertThat(client.readResponse()).as("504 after 300 ms, not the answer after 5 s")
                    .startsWith("HTTP/1.1 504 ").contains("upstream timed out");
        }
    }

    @Test
    void aSlowButSteadyClientIsServed() {
        // Well within every timeout at each step: nothing is cut short.
        try (RawClient client = new RawClient(router.address())) {
            client.send("POST /upload HTTP/1.1\r\nHost: x\r\n");
            client.send("Content-Length: 4\r\n\r\n");
            client.send("ab");
            client.send("cd");
            assertThat(client.readResponse()).startsWith("HTTP/1.1 200 ").endsWith("\r\n\r\n4");
        }
    }
}
