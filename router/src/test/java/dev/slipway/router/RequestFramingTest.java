package dev.slipway.router;

import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Requests whose body the router and the upstream could delimit differently (RFC 9112 section 6), sent as raw
 * bytes: the router either forwards the body framed as it decoded it, or refuses with 400 and closes, so no
 * smuggled second request ever reaches the upstream.
 */
class RequestFramingTest {

    private static final String SMUGGLED = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";

    @AutoClose // router, then upstream
    private final RoutedUpstream routed = new RoutedUpstream(RouterConfig.onLoopback());
    private final BuiltInRouter router = routed.router;
    private final TestUpstream upstream = routed.upstream;

    @Test
    void connectionCannotStripContentLengthToTurnTheBodyIntoASecondRequest() {
        try (RawClient client = new RawClient(router.address())) {
            client.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + SMUGGLED.length()
                    + "\r\nConnection: Content-Length\r\n\r\n" + SMUGGLED);

            String answer = client.readResponse();

            assertThat(answer).startsWith("HTTP/1.1 200 ").endsWith("\r\n\r\n" + SMUGGLED.length());
            // A second request on the same connection finds the upstream connection in step with the router.
            client.send("GET /after HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(client.readResponse()).startsWith("HTTP/1.1 200 ").endsWith("app");
        }
        assertThat(upstream.paths()).containsExactly("/upload", "/after");
    }

    @Test
    void connectionCannotStripTheChunkedFramingEither() {
        try (RawClient client = new RawClient(router.address())) {
            client.send("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                    + "Connection: Transfer-Encoding, Host\r\n\r\n"
                    + Integer.toHexString(SMUGGLED.length()) + "\r\n" + SMUGGLED + "\r\n0\r\n\r\n");

            assertThat(client.readResponse()).startsWith("HTTP/1.1 200 ").endsWith("\r\n\r\n" + SMUGGLED.length());
        }
        assertThat(upstream.paths()).containsExactly("/upload");
    }

    @Test
    void http10WithBothChunkedAndContentLengthIsRefused() {
        assertRefusedAndClosed("POST /upload HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n"
                + "5\r\nhello\r\n0\r\n\r\n", "Transfer-Encoding in an HTTP/1.0 request");
    }

    @Test
    void http11WithBothChunkedAndContentLengthIsRefused() {
        assertRefusedAndClosed("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "0\r\n\r\n" + SMUGGLED, "both Transfer-Encoding and Content-Length");
    }

    @Test
    void aTransferEncodingOtherThanChunkedIsRefused() {
        for (String coding : List.of("gzip", "chunked, gzip", "gzip, chunked", "xchunked", "chunked\r\nTransfer-Encoding: chunked")) {
            assertRefusedAndClosed("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + coding + "\r\n\r\n"
                    + "5\r\nhello\r\n0\r\n\r\n" + SMUGGLED, "Transfer-Encoding other than chunked");
        }
    }

    @Test
    void aContentLengthThatIsNotOneNumberIsRefused() {
        for (String lengths : List.of("+5", "-1", "5, 6", "0x5", "")) {
            String answer = refusal("POST /upload HTTP/1.0\r\nHost: x\r\nContent-Length: " + lengths + "\r\n\r\nhello!"
                    + SMUGGLED);
            assertThat(answer).as(lengths).startsWith("HTTP/1.1 400 ");
        }
        assertThat(upstream.requestCount()).isZero();
    }

    private void assertRefusedAndClosed(String request, String reason) {
        String answer = refusal(request);
        assertThat(answer).startsWith("HTTP/1.1 400 ").containsIgnoringCase("Connection: close")
                .contains("ambiguous framing: " + reason);
        assertThat(RawClient.statuses(answer)).as("one answer, then the connection closed").hasSize(1);
        assertThat(upstream.requestCount()).as("nothing reached the upstream").isZero();
    }

    private String refusal(String request) {
        try (RawClient client = new RawClient(router.address())) {
            return client.send(request).readUntilClosed();
        }
    }
}
