package dev.slipway.runtime.probe;

import dev.slipway.model.ProbeSpec;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;

/**
 * Shared by the runtimes so all probe alike (readiness gating cannot tell them apart). Asks a replica (on 127.0.0.1,
 * or on its Swarm node) whether a probe path answers 2xx within the probe's timeout, and tells a path the app does
 * not serve (404) apart from a failure.
 */
public final class HttpProbe {
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);

    private final ExecutorService callbacks;
    private final HttpClient client;

    /** @param threads names the threads that complete probes, so that a thread dump shows whose they are */
    public HttpProbe(ThreadFactory threads) {
        this.callbacks = Executors.newCachedThreadPool(threads);
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(callbacks)
                .build();
    }

    public void close() {
        callbacks.shutdownNow();
    }

    /** Never completes exceptionally: 2xx passes, 404 is {@link ProbeResult#NOT_FOUND}, anything else fails. */
    public CompletableFuture<ProbeResult> check(String host, int port, ProbeSpec probe) {
        String path = probe.path() == null || probe.path().isEmpty() ? "/" : probe.path();
        if (!path.startsWith("/")) {
            path = "/" + path;
        }
        Duration timeout = probe.timeout() == null || probe.timeout().isZero() || probe.timeout().isNegative()
                ? DEFAULT_TIMEOUT : probe.timeout();
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + path))
                    .timeout(timeout)
                    .GET()
                    .build();
        } catch (IllegalArgumentException badPath) {
            return CompletableFuture.completedFuture(ProbeResult.FAILED);
        }
        return client.sendAsync(request, HttpResponse.BodyHandlers.discarding())
                .handle((response, error) -> {
                    if (error != null) {
                        return ProbeResult.FAILED;
                    }
                    if (response.statusCode() / 100 == 2) {
                        return ProbeResult.PASSED;
                    }
                    return response.statusCode() == 404 ? ProbeResult.NOT_FOUND : ProbeResult.FAILED;
                });
    }
}
