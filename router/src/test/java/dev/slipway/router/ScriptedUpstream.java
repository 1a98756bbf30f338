package dev.slipway.router;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A raw-socket upstream that answers each request (a head without body) with the bytes a script gives for its
 * path, written as they are, then closes the connection when the script says so: for responses no well-behaved
 * server library would write (bodies that run to the close, trailers, interim responses, broken heads).
 */
final class ScriptedUpstream implements AutoCloseable {

    /** What to send for a request, and whether to close the connection afterwards. */
    record Answer(String bytes, boolean close) {
        static Answer keepOpen(String bytes) {
            return new Answer(bytes, false);
        }

        static Answer thenClose(String bytes) {
            return new Answer(bytes, true);
        }
    }

    private final ServerSocket serverSocket;
    private final Function<String, Answer> script;
    private final List<String> requestHeads = new CopyOnWriteArrayList<>();

    ScriptedUpstream(Function<String, Answer> script) throws IOException {
        this.script = script;
        this.serverSocket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        serveEach(serverSocket, "scripted-upstream", this::serve);
    }

    /** Accepts connections on a daemon thread, each served by a daemon thread of its own until the socket closes. */
    static void serveEach(ServerSocket serverSocket, String name, java.util.function.Consumer<Socket> serve) {
        Thread acceptor = new Thread(() -> {
            while (!serverSocket.isClosed()) {
                try {
                    Socket socket = serverSocket.accept();
                    Thread worker = new Thread(() -> serve.accept(socket), name + "-connection");
                    worker.setDaemon(true);
                    worker.start();
                } catch (IOException e) {
                    return;
                }
            }
        }, name);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    Endpoint endpoint() {
        return new Endpoint("127.0.0.1", serverSocket.getLocalPort());
    }

    /** The request heads received, in order. */
    List<String> requestHeads() {
        return requestHeads;
    }

    private void serve(Socket socket) {
        try (socket) {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            String head;
            while ((head = readHead(in)) != null) {
                requestHeads.add(head);
                String path = head.split(" ", 3)[1];
                Answer answer = script.apply(path);
                out.write(answer.bytes().getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                if (answer.close()) {
                    return;
                }
            }
        } catch (IOException e) {
            // the connection ends either way
        }
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0) {
            head.append((char) b);
            if (head.length() >= 4 && head.lastIndexOf("\r\n\r\n") == head.length() - 4) {
                return head.toString();
            }
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        serverSocket.close();
    }
}
