package dev.slipway.router;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A live replica too busy to accept for a moment: its listen backlog is full, so the kernel drops the router's SYN
 * instead of refusing it, and resends it after 1 s, then 3 s. Under CPU starvation this is what every replica of a
 * healthy revision looks like at once; the router must wait for the resent SYN instead of answering 502.
 */
class FullListenBacklogTest {

    /** How long the replica does not call accept: past the first SYN resend (1 s), well before the second (3 s). */
    private static final int BUSY_MILLIS = 1500;

    private final BuiltInRouter router = BuiltInRouter.start(RouterConfig.onLoopback()); // default timeouts
    private final Http http = new Http(router.address());
    private final List<Socket> queued = new ArrayList<>();
    private ServerSocket replica;

    @AfterEach
    void stop() throws IOException {
        router.close();
        for (Socket socket : queued) {
            socket.close();
        }
        if (replica != null) {
            replica.close();
        }
    }

    @Test
    void aReplicaWhoseBacklogIsFullIsWaitedForNotGivenUpOn() throws Exception {
        replica = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        InetSocketAddress address = (InetSocketAddress) replica.getLocalSocketAddress();
        // Linux drops a SYN once the accept queue holds more than the backlog: two unaccepted connections fill it.
        for (int i = 0; i < 2; i++) {
            Socket socket = new Socket();
            socket.connect(address, 2000);
            queued.add(socket);
        }
        assertThatThrownBy(() -> {
            try (Socket dropped = new Socket()) {
                dropped.connect(address, 300);
            }
        }).as("a SYN to the full backlog is dropped, not refused").isInstanceOf(SocketTimeoutException.class);
        router.route(RouteTable.single(new Backend("1.0.0", 1, List.of(new Endpoint("127.0.0.1", address.getPort())))));

        Thread busyThenServing = new Thread(this::acceptAfterBusy, "busy-replica");
        busyThenServing.setDaemon(true);
        busyThenServing.start();

        var response = http.get("/");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("ok");
        assertThat(router.metrics("1.0.0").upstreamErrors()).isZero();
    }

    /** The replica's busy spell is the scenario, not a synchronisation: then it accepts and answers everyone. */
    private void acceptAfterBusy() {
        try {
            Thread.sleep(BUSY_MILLIS);
            while (!replica.isClosed()) {
                Socket connection = replica.accept();
                Thread answer = new Thread(() -> answer(connection), "busy-replica-connection");
                answer.setDaemon(true);
                answer.start();
            }
        } catch (InterruptedException | IOException closed) {
            // the test is over
        }
    }

    private static void answer(Socket connection) {
        try (connection; InputStream in = connection.getInputStream(); OutputStream out = connection.getOutputStream()) {
            int matched = 0;
            byte[] end = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            int read;
            while (matched < end.length && (read = in.read()) >= 0) {
                matched = read == end[matched] ? matched + 1 : (read == end[0] ? 1 : 0);
            }
            if (matched == end.length) {
                out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
        } catch (IOException gone) {
            // a queued filler connection closed by the test
        }
    }
}
