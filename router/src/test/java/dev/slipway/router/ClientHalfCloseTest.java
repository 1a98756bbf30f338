package dev.slipway.router;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static dev.slipway.router.Http.backend;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Clients that send their requests and then shut down their sending side (a half-close, as {@code nc -N} or
 * some HTTP/1.0 clients do) still get every answer; the connection closes after the last one.
 */
class ClientHalfCloseTest {

    private final TestUpstream upstream = TestUpstream.start("up");
    private final BuiltInRouter router = BuiltInRouter.start(RouterConfig.onLoopback());

    @AfterEach
    void stop() {
        router.close();
        upstream.close();
    }

    @Test
    void aClientThatHalfClosesAfterItsRequestStillGetsTheAnswer() throws IOException {
        router.route(RouteTable.single(backend("1.0.0", 1, upstream)));

        String answer = sendAndHalfClose("GET /slow?ms=200 HTTP/1.1\r\nHost: x\r\n\r\n");

        assertThat(answer).startsWith("HTTP/1.1 200 OK").endsWith("up");
    }

    @Test
    void pipelinedRequestsBeforeAHalfCloseAreAllAnswered() throws IOException {
        router.route(RouteTable.single(backend("1.0.0", 1, upstream)));

        String answer = sendAndHalfClose("GET /slow?ms=100 HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /status?code=404 HTTP/1.1\r\nHost: x\r\n\r\n");

        assertThat(answer).startsWith("HTTP/1.1 200 OK").contains("HTTP/1.1 404 Not Found").endsWith("up");
    }

    /** Sends {@code requests}, shuts down output and reads until the router closes the connection. */
    private String sendAndHalfClose(String requests) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), router.address().getPort())) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write(requests.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            socket.shutdownOutput();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }
}
