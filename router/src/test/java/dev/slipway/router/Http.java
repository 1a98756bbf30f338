package dev.slipway.router;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/** A small HTTP/1.1 client for tests, talking to one address. */
final class Http {

    /**
     * How long a request may take before the test fails as hung. Generous: these tests assert what the router does,
     * not how fast, and a loaded CI machine (15 runnable threads per core) once needed 10 s for a JVM's first request.
     */
    static final Duration HUNG = Duration.ofSeconds(60);

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(HUNG).build();
    private final InetSocketAddress address;

    Http(InetSocketAddress address) {
        this.address = address;
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + address.getPort() + path);
    }

    HttpResponse<String> get(String path, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(HUNG);
        if (headers.length > 0) {
            request.headers(headers);
        }
        return send(request.GET().build());
    }

    HttpResponse<String> post(String path, String body) {
        return send(HttpRequest.newBuilder(uri(path)).timeout(HUNG)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    HttpResponse<String> send(HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpClient client() {
        return client;
    }

    /** Which upstream answered: our test upstreams put their name in the body. */
    static String revisionOf(HttpResponse<?> response) {
        return response.headers().firstValue("X-Slipway-Revision").orElse("(none)");
    }

    static Backend backend(String revision, int weight, TestUpstream... upstreams) {
        return new Backend(revision, weight, List.of(upstreams).stream().map(TestUpstream::endpoint).toList());
    }

    /**
     * Retries an assertion until it holds, for up to 30 s: counters are updated just after the last byte is written,
     * which a loaded machine can delay.
     */
    static void eventually(Runnable assertion) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                assertion.run();
                return;
            } catch (AssertionError e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                sleep(10);
            }
        }
    }

    static <T> T await(Supplier<T> value, java.util.function.Predicate<T> done) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        T current = value.get();
        while (!done.test(current) && System.nanoTime() < deadline) {
            sleep(5);
            current = value.get();
        }
        return current;
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A port nobody listens on: bound once, then released. */
    static Endpoint closedEndpoint() {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return new Endpoint("127.0.0.1", socket.getLocalPort());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
