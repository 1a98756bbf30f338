package dev.slipway.router;

import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code Expect} is the router's to answer: 100 Continue for an upload, 417 for anything else. */
class ExpectContinueTest {

    @AutoClose // router, then upstream
    private final RoutedUpstream routed = new RoutedUpstream(RouterConfig.onLoopback());
    private final BuiltInRouter router = routed.router;

    @Test
    void anUploadIsToldToContinueAndAPipelinedHeadAfterItStillGetsNoBody() {
        try (RawClient client = new RawClient(router.address())) {
            client.send("POST /upload HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
            assertThat(client.readResponse()).startsWith("HTTP/1.1 100 Continue");

            client.send("hello" + "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n" + "GET / HTTP/1.1\r\nHost: x\r\n\r\n");

            assertThat(client.readResponse()).startsWith("HTTP/1.1 200 ").endsWith("\r\n\r\n5");
            assertThat(client.readHead()).startsWith("HTTP/1.1 200 ");
            assertThat(client.readResponse()).as("the HEAD answer had no body: the GET answer follows at once")
                    .startsWith("HTTP/1.1 200 ").endsWith("app");
        }
    }

    @Test
    void anyOtherExpectationIsRefusedWith417() {
        try (RawClient client = new RawClient(router.address())) {
            String answer = client.send("POST /upload HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\nContent-Length: 5\r\n\r\n")
                    .readUntilClosed();

            assertThat(answer).startsWith("HTTP/1.1 417 ").contains("unsupported expectation");
        }
        assertThat(routed.upstream.requestCount()).isZero();
    }
}
