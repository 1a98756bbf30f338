package dev.slipway.analysis.provider;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import java.util.function.Supplier;

/** A small HTTP server for provider tests: answers every path with what the test's function says. */
final class TestTarget implements AutoCloseable {
    private final HttpServer server;

    /** An answer: status, content type and body. */
    record Answer(int status, String contentType, String body) {
        static Answer json(String body) {
            return new Answer(200, "application/json", body);
        }
    }

    private TestTarget(HttpServer server) {
        this.server = server;
    }

    static TestTarget serving(Function<com.sun.net.httpserver.HttpExchange, Answer> answer) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/", exchange -> {
                Answer reply = answer.apply(exchange);
                byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", reply.contentType());
                exchange.sendResponseHeaders(reply.status(), body.length == 0 ? -1 : body.length);
                if (body.length > 0) {
                    exchange.getResponseBody().write(body);
                }
                exchange.close();
            });
            server.start();
            return new TestTarget(server);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Serves the Prometheus text format {@code metrics} computes at each scrape. */
    static TestTarget metrics(Supplier<String> metrics) {
        return serving(exchange -> new Answer(200, "text/plain; version=0.0.4", metrics.get()));
    }

    String hostPort() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    String url(String path) {
        return "http://" + hostPort() + path;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
