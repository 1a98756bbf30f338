package dev.slipway.router;

import dev.slipway.router.ScriptedUpstream.Answer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Responses the router forwards as bytes (see {@link UpstreamResponseReader}), from an upstream that writes them
 * raw: every way RFC 9112 lets an upstream delimit a body reaches the client delimited so that the client connection
 * stays usable, hop-by-hop headers stay behind, and a head the router cannot read safely becomes a 502.
 */
class ResponseFramingTest {

    private final BuiltInRouter router = BuiltInRouter.start(RouterConfig.onLoopback());
    private ScriptedUpstream upstream;

    @AfterEach
    void stop() throws Exception {
        router.close();
        if (upstream != null) {
            upstream.close();
        }
    }

    private void upstreamAnswers(Function<String, Answer> script) throws Exception {
        upstream = new ScriptedUpstream(script);
        router.route(RouteTable.single(new Backend("1.0.0", 1, List.of(upstream.endpoint()))));
    }

    private static Answer ok(String path) {
        return Answer.keepOpen("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    }

    @Test
    void aBodyThatRunsToTheCloseReachesAnHttp11ClientChunkedOnAConnectionThatStaysOpen() throws Exception {
        upstreamAnswers(path -> path.equals("/stream")
                ? Answer.thenClose("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the close")
                : ok(path));
        try (RawClient client = new RawClient(router.address())) {
            client.send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
            String answer = client.readChunkedResponse();
            assertThat(answer).startsWith("HTTP/1.1 200 OK\r\n").contains("Transfer-Encoding: chunked\r\n")
                    .contains("Content-Type: text/plain\r\n").endsWith("(15 bytes)");

            client.send("GET /after HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(client.readResponse()).startsWith("HTTP/1.1 200 ").endsWith("ok");
        }
    }

    @Test
    void aBodyThatRunsToTheCloseReachesAnHttp10ClientAsItIsAndTheConnectionCloses() throws Exception {
        upstreamAnswers(path -> Answer.thenClose("HTTP/1.1 200 OK\r\n\r\nuntil the close"));
        try (RawClient client = new RawClient(router.address())) {
            String answer = client.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").readUntilClosed();
            assertThat(answer).startsWith("HTTP/1.1 200 OK\r\n").contains("Connection: close\r\n")
                    .doesNotContain("Transfer-Encoding").endsWith("\r\n\r\nuntil the close");
        }
    }

    @Test
    void aChunkedBodyKeepsItsTrailersForAnHttp11ClientAndTheUpstreamConnectionIsReused() throws Exception {
        upstreamAnswers(path -> Answer.keepOpen("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: Digest\r\n\r\n"
                + "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nDigest: abc\r\n\r\n"));
        try (RawClient client = new RawClient(router.address())) {
            client.send("GET /one HTTP/1.1\r\nHost: x\r\n\r\n");
            String head = client.readHead();
            assertThat(head).contains("Transfer-Encoding: chunked\r\n").doesNotContain("Trailer:");
            String body = client.readUntil("\r\n\r\n"); // chunked as it arrived: chunk sizes may differ
            assertThat(body.replaceAll("(?m)^[0-9a-f]+\r\n", "").replace("\r\n", ""))
                    .isEqualTo("hello worldDigest: abc");
            assertThat(body).endsWith("\r\n0\r\nDigest: abc\r\n\r\n");

            client.send("GET /two HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(client.readChunkedResponse()).endsWith("(11 bytes)");
        }
        assertThat(upstream.requestHeads()).hasSize(2);
    }

    @Test
    void aChunkedBodyReachesAnHttp10ClientUnchunkedAndTheConnectionCloses() throws Exception {
        upstreamAnswers(path -> Answer.keepOpen("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\nhello\r\n0\r\n\r\n"));
        try (RawClient client = new RawClient(router.address())) {
            String answer = client.send("GET / HTTP/1.0\r\n\r\n").readUntilClosed();
            assertThat(answer).startsWith("HTTP/1.1 200 OK\r\n").contains("Connection: close\r\n")
                    .doesNotContain("Transfer-Encoding").endsWith("\r\n\r\nhello");
        }
    }

    @Test
    void interimResponsesAreDroppedAndHopByHopHeadersStayBehindButNeverTheFraming() throws Exception {
        upstreamAnswers(path -> Answer.keepOpen("HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"
                + "HTTP/1.1 201 Created\r\nKeep-Alive: timeout=5\r\nConnection: Content-Length, X-Secret\r\n"
                + "X-Secret: 1\r\nX-Slipway-Revision: forged\r\nX-Kept:  value \r\nContent-Length: 4\r\n\r\nbody"));
        try (RawClient client = new RawClient(router.address())) {
            client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            String answer = client.readResponse();
            assertThat(answer).startsWith("HTTP/1.1 201 Created\r\n").contains("X-Kept: value\r\n")
                    .contains("Content-Length: 4\r\n").contains("X-Slipway-Revision: 1.0.0\r\n")
                    .doesNotContain("forged").doesNotContainIgnoringCase("keep-alive").doesNotContain("X-Secret")
                    .doesNotContain("Connection").endsWith("\r\n\r\nbody");

            client.send("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(client.readHead()).startsWith("HTTP/1.1 201 ").contains("Content-Length: 4\r\n");
            client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(client.readResponse()).endsWith("body");
        }
    }

    @Test
    void aHeadTheRouterCannotReadSafelyIsA502AndNothingOfItReachesTheClient() throws Exception {
        upstreamAnswers(path -> Answer.keepOpen(switch (path) {
            case "/folded" -> "HTTP/1.1 200 OK\r\nX-A: 1\r\n continued\r\nContent-Length: 2\r\n\r\nok";
            case "/two-lengths" -> "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok!";
            case "/bare-cr" -> "HTTP/1.1 200 OK\r\nX-A: 1\rX-B: 2\r\nContent-Length: 2\r\n\r\nok";
            default -> "HTTP/2 200\r\n\r\n";
        }));
        for (String path : List.of("/folded", "/two-lengths", "/bare-cr", "/not-http1")) {
            try (RawClient client = new RawClient(router.address())) {
                client.send("POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
                assertThat(client.readResponse()).as(path).startsWith("HTTP/1.1 502 ").doesNotContain("X-A");
            }
        }
    }

    /**
     * A server that writes its head and its body in two writes (the JDK's HttpServer does) and dies between them:
     * the head is held until the body starts, so a read is sent to another endpoint and the client sees one whole
     * answer, never a cut-off one.
     */
    @Test
    void aReadWhoseUpstreamDiesAfterTheHeadIsAnsweredWholeByAnotherEndpoint() throws Exception {
        try (ScriptedUpstream dying = new ScriptedUpstream(path -> Answer.thenClose("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"));
             ScriptedUpstream healthy = new ScriptedUpstream(path -> Answer.keepOpen("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nwhole"))) {
            router.route(RouteTable.single(new Backend("1.0.0", 1, List.of(dying.endpoint(), healthy.endpoint()))));
            try (RawClient client = new RawClient(router.address())) {
                for (int i = 0; i < 6; i++) {
                    client.send("GET /customers/" + i + " HTTP/1.1\r\nHost: x\r\n\r\n");
                    assertThat(client.readResponse()).as("answer " + i).startsWith("HTTP/1.1 200 ").endsWith("\r\n\r\nwhole");
                }
            }
            assertThat(dying.requestHeads()).as("reads the dying upstream got, then answered elsewhere").isNotEmpty();
        }
    }

    /** A write cut off after its head may have been applied: never sent twice, the client learns it from the close. */
    @Test
    void aWriteWhoseUpstreamDiesAfterTheHeadIsNotSentAgain() throws Exception {
        upstreamAnswers(path -> Answer.thenClose("HTTP/1.1 201 Created\r\nContent-Length: 5\r\n\r\n"));
        try (RawClient client = new RawClient(router.address())) {
            String answer = client.send("POST /orders HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n").readUntilClosed();
            assertThat(answer).startsWith("HTTP/1.1 201 Created\r\n").endsWith("\r\n\r\n");
        }
        assertThat(upstream.requestHeads()).hasSize(1);
    }
}
