package dev.slipway.router;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A raw-socket upstream that promises keep-alive but breaks it: it answers the first request of every
 * connection and then either closes the idle connection shortly after, or waits for the next request and
 * closes without answering it. Both are what a router sees from servers with short idle timeouts.
 */
final class KeepAliveClosingUpstream implements AutoCloseable {

    enum Behaviour { CLOSE_WHEN_IDLE, CLOSE_ON_SECOND_REQUEST }

    private final ServerSocket serverSocket;
    private final Behaviour behaviour;
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger answered = new AtomicInteger();
    private final AtomicInteger dropped = new AtomicInteger();

    KeepAliveClosingUpstream(Behaviour behaviour) throws IOException {
        this.behaviour = behaviour;
        this.serverSocket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        ScriptedUpstream.serveEach(serverSocket, "closing-upstream", socket -> {
            connections.incrementAndGet();
            serve(socket);
        });
    }

    Endpoint endpoint() {
        return new Endpoint("127.0.0.1", serverSocket.getLocalPort());
    }

    int connectionCount() {
        return connections.get();
    }

    int answeredCount() {
        return answered.get();
    }

    /** Requests read and then left unanswered by closing the connection. */
    int droppedCount() {
        return dropped.get();
    }

    private void serve(Socket socket) {
        try (socket) {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            if (!readRequestHead(in)) {
                return;
            }
            answered.incrementAndGet(); // before answering, so the count is right once the client has its answer
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            if (behaviour == Behaviour.CLOSE_WHEN_IDLE) {
                Thread.sleep(20);
            } else {
                if (readRequestHead(in)) {
                    dropped.incrementAndGet(); // and close without a word
                }
            }
        } catch (IOException | InterruptedException e) {
            // the connection ends either way
        }
    }

    private static boolean readRequestHead(InputStream in) throws IOException {
        int matched = 0;
        int b;
        while ((b = in.read()) >= 0) {
            matched = switch (matched) {
                case 0, 2 -> b == '\r' ? matched + 1 : 0;
                case 1, 3 -> b == '\n' ? matched + 1 : (b == '\r' ? 1 : 0);
                default -> 0;
            };
            if (matched == 4) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() throws IOException {
        serverSocket.close();
    }
}
