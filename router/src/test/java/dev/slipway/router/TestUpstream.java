package dev.slipway.router;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An upstream revision for tests, on 127.0.0.1 with a free port. Answers with its name and understands a
 * few paths: {@code /slow?ms=N}, {@code /status?code=N}, {@code /download?bytes=N} (streamed, chunked),
 * {@code /upload} (answers with the number of body bytes it read), {@code /headers?name=X} (echoes a header),
 * {@code /stall?bytes=N} (sends N bytes of a chunked body, then nothing until it is closed).
 */
final class TestUpstream implements AutoCloseable {

    static {
        // Without it the JDK server's separate header and body writes meet delayed ACKs: 40 ms per request.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private final String name;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "test-upstream");
        thread.setDaemon(true);
        return thread;
    });
    private final Set<InetSocketAddress> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger active = new AtomicInteger();
    private final java.util.Queue<String> paths = new java.util.concurrent.ConcurrentLinkedQueue<>();

    private TestUpstream(String name) throws IOException {
        this.name = name;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 100);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    static TestUpstream start(String name) {
        try {
            return new TestUpstream(name);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    Endpoint endpoint() {
        return new Endpoint("127.0.0.1", server.getAddress().getPort());
    }

    /** Distinct client connections the router opened to this upstream. */
    int connectionCount() {
        return connections.size();
    }

    int requestCount() {
        return requests.get();
    }

    int activeRequests() {
        return active.get();
    }

    /** The paths of every request it received, in order. */
    java.util.List<String> paths() {
        return java.util.List.copyOf(paths);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        active.incrementAndGet();
        requests.incrementAndGet();
        connections.add(exchange.getRemoteAddress());
        try (exchange) {
            URI uri = exchange.getRequestURI();
            String path = uri.getPath();
            paths.add(path);
            long bodyBytes = drain(exchange.getRequestBody());
            exchange.getResponseHeaders().set("X-Upstream", name);
            switch (path) {
                case "/slow" -> {
                    sleep(Long.parseLong(query(uri, "ms")));
                    respond(exchange, 200, name);
                }
                case "/status" -> respond(exchange, Integer.parseInt(query(uri, "code")), name);
                case "/upload" -> respond(exchange, 200, Long.toString(bodyBytes));
                case "/headers" -> {
                    String value = exchange.getRequestHeaders().getFirst(query(uri, "name"));
                    respond(exchange, 200, String.valueOf(value));
                }
                case "/download" -> download(exchange, Long.parseLong(query(uri, "bytes")));
                case "/stall" -> stall(exchange, Integer.parseInt(query(uri, "bytes")));
                default -> respond(exchange, 200, name);
            }
        } finally {
            active.decrementAndGet();
        }
    }

    private static void download(HttpExchange exchange, long bytes) throws IOException {
        exchange.sendResponseHeaders(200, 0); // 0 = chunked: the router must stream without a length
        byte[] block = new byte[64 * 1024];
        try (OutputStream out = exchange.getResponseBody()) {
            long remaining = bytes;
            while (remaining > 0) {
                int size = (int) Math.min(block.length, remaining);
                out.write(block, 0, size);
                remaining -= size;
            }
        }
    }

    private static void stall(HttpExchange exchange, int bytes) throws IOException {
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        out.write(new byte[bytes]);
        out.flush();
        sleep(Long.MAX_VALUE); // until close() interrupts it
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static long drain(InputStream in) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        long total = 0;
        int read;
        while ((read = in.read(buffer)) >= 0) {
            total += read;
        }
        return total;
    }

    private static String query(URI uri, String key) {
        for (String pair : uri.getQuery().split("&")) {
            String[] parts = pair.split("=", 2);
            if (parts[0].equals(key)) {
                return parts[1];
            }
        }
        throw new IllegalArgumentException("no " + key + " in " + uri);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
