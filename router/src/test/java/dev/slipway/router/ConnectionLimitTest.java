package dev.slipway.router;

import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Past {@code maxConnections}, a client is told 503 at once; once a connection closes, there is room again. */
class ConnectionLimitTest {

    @AutoClose // router, then upstream
    private final RoutedUpstream routed = new RoutedUpstream(RouterConfig.onLoopback().withMaxConnections(2));
    private final BuiltInRouter router = routed.router;
    private final TestUpstream upstream = routed.upstream;

    @Test
    void aConnectionBeyondTheLimitIsAnswered503UntilOneCloses() {
        RawClient first = new RawClient(router.address());
        try (RawClient second = new RawClient(router.address())) {
            second.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(second.readResponse()).startsWith("HTTP/1.1 200 ");
            assertThat(Http.await(router::openConnections, open -> open == 2)).isEqualTo(2);

            try (RawClient third = new RawClient(router.address())) {
                String refused = third.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").readUntilClosed();
                assertThat(refused).startsWith("HTTP/1.1 503 ").containsIgnoringCase("connection: close")
                        .endsWith("{\"error\":\"too many connections\"}");
            }

            first.close();
            Http.await(router::openConnections, open -> open == 1);
            try (RawClient fourth = new RawClient(router.address())) {
                fourth.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(fourth.readResponse()).startsWith("HTTP/1.1 200 ").endsWith("app");
            }
        }
        assertThat(upstream.requestCount()).as("the refused request never reached the upstream").isEqualTo(2);
    }
}
