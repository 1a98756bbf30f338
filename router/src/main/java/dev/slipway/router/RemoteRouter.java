package dev.slipway.router;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Drives a router in another process (see {@link RouterProcess}) through its admin port, so the controller can
 * die and come back without clients noticing. Every {@link TrafficRouter} method is one HTTP/1.1 call with a
 * short timeout; failures raise {@link RemoteRouterException} naming the router's admin address.
 * {@link #close()} closes only this client: the router keeps serving.
 */
public final class RemoteRouter implements TrafficRouter {

    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
    /** Added to a drain's own timeout: the answer needs a moment to come back after the wait ends. */
    private static final Duration DRAIN_ANSWER_MARGIN = Duration.ofSeconds(5);

    private final URI adminUri;
    private final String token;
    private final InetSocketAddress clientAddress;
    private final InetSocketAddress previewAddress;
    private final HttpClient client;
    private volatile boolean closed;

    private RemoteRouter(URI adminUri, String token, InetSocketAddress clientAddress, InetSocketAddress previewAddress) {
        this.adminUri = adminUri;
        this.token = token;
        this.clientAddress = clientAddress;
        this.previewAddress = previewAddress;
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /**
     * A client for the router whose admin port is {@code adminUri} (e.g. {@code http://127.0.0.1:9090}) and whose
     * clients connect to {@code clientAddress}. {@code token} may be null for a router started without one.
     */
    public static RemoteRouter connect(URI adminUri, String token, InetSocketAddress clientAddress) {
        return connect(adminUri, token, clientAddress, null);
    }

    /** As {@link #connect(URI, String, InetSocketAddress)}, for a router whose preview listener is {@code previewAddress}. */
    public static RemoteRouter connect(URI adminUri, String token, InetSocketAddress clientAddress,
                                       InetSocketAddress previewAddress) {
        Objects.requireNonNull(adminUri, "adminUri");
        Objects.requireNonNull(clientAddress, "clientAddress");
        if (!"http".equals(adminUri.getScheme()) || adminUri.getHost() == null || adminUri.getPort() < 0) {
            throw new IllegalArgumentException("admin URI " + adminUri + " is not http://host:port");
        }
        return new RemoteRouter(adminUri, token, clientAddress, previewAddress);
    }

    /** A client for the router described by a state file that {@link RouterProcess} wrote. */
    public static RemoteRouter fromStateFile(Path stateFile) {
        return fromState(RouterStateFile.read(stateFile));
    }

    static RemoteRouter fromState(RouterStateFile state) {
        URI adminUri = URI.create("http://" + RouterStateFile.hostAndPort(state.admin()));
        return connect(adminUri, state.readToken(), state.listen(), state.preview());
    }

    @Override
    public void route(RouteTable table) {
        Objects.requireNonNull(table, "table");
        send(request("/routes", REQUEST_TIMEOUT).PUT(HttpRequest.BodyPublishers.ofString(RouteTableJson.render(table)))
                .header("Content-Type", "application/json").build(), "PUT /routes");
    }

    @Override
    public RouteTable routes() {
        String body = send(request("/routes", REQUEST_TIMEOUT).GET().build(), "GET /routes");
        return parse(body, "GET /routes", RouteTableJson::parse);
    }

    @Override
    public boolean awaitDrained(Endpoint endpoint, Duration timeout) {
        Objects.requireNonNull(endpoint, "endpoint");
        if (timeout.isNegative() || timeout.compareTo(AdminServer.MAX_DRAIN_TIMEOUT) > 0) {
            throw new IllegalArgumentException("drain timeout " + timeout + " is not in 0.." + AdminServer.MAX_DRAIN_TIMEOUT);
        }
        String path = "/drain?host=" + URLEncoder.encode(endpoint.host(), StandardCharsets.UTF_8)
                + "&port=" + endpoint.port() + "&timeoutMillis=" + timeout.toMillis();
        String body = send(request(path, timeout.plus(DRAIN_ANSWER_MARGIN)).POST(HttpRequest.BodyPublishers.noBody())
                .build(), "POST /drain");
        return parse(body, "POST /drain", json -> StrictJson.read(json, AdminServer.Drained.class).drained());
    }

    @Override
    public RevisionMetrics metrics(String revision) {
        Objects.requireNonNull(revision, "revision");
        // URLEncoder writes form encoding; a path needs %20 for a space, not '+'.
        String path = "/metrics/" + URLEncoder.encode(revision, StandardCharsets.UTF_8).replace("+", "%20") + ".json";
        String body = send(request(path, REQUEST_TIMEOUT).GET().build(), "GET " + path);
        return parse(body, "GET " + path, RevisionMetricsJson::parse);
    }

    /** Whether the router answers {@code GET /healthz} right now; never throws. */
    public boolean isHealthy() {
        return healthyPid() >= 0;
    }

    /** The pid the router reports on {@code GET /healthz}, or -1 when it does not answer. */
    long healthyPid() {
        if (closed) {
            return -1;
        }
        try {
            HttpResponse<String> response = client.send(request("/healthz", Duration.ofSeconds(1)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return -1;
            }
            return response.headers().firstValue(AdminServer.PID_HEADER).map(Long::parseLong).orElse(0L);
        } catch (IOException | RuntimeException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    @Override
    public InetSocketAddress address() {
        return clientAddress;
    }

    @Override
    public InetSocketAddress adminAddress() {
        return new InetSocketAddress(adminUri.getHost(), adminUri.getPort());
    }

    @Override
    public Optional<InetSocketAddress> previewAddress() {
        return Optional.ofNullable(previewAddress);
    }

    /** Closes this client only; the router process keeps serving with the table in force. */
    @Override
    public void close() {
        closed = true;
    }

    @Override
    public String toString() {
        return "RemoteRouter[admin " + adminUri + ", clients " + RouterStateFile.hostAndPort(clientAddress) + "]";
    }

    private HttpRequest.Builder request(String pathAndQuery, Duration timeout) {
        HttpRequest.Builder request = HttpRequest.newBuilder(adminUri.resolve(pathAndQuery)).timeout(timeout);
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return request;
    }

    /**
     * Sends once, and once more after a short pause if the connection failed before an answer: every admin call
     * is idempotent, and a pooled connection can go stale under a restarting router.
     */
    private String send(HttpRequest request, String what) {
        if (closed) {
            throw new IllegalStateException(this + " is closed");
        }
        IOException failure = null;
        for (int attempt = 1; attempt <= 2; attempt++) {
            try {
                HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200) {
                    throw new RemoteRouterException("router admin " + authority() + ": " + what + " answered "
                            + response.statusCode() + ": " + response.body().strip(), response.statusCode(), null);
                }
                return response.body();
            } catch (HttpTimeoutException e) {
                // A timed-out call may still be running on the router; repeating it would only wait twice.
                throw new RemoteRouterException("router admin " + authority() + ": " + what + " got no answer within "
                        + request.timeout().map(Duration::toString).orElse("the timeout"), 0, e);
            } catch (IOException e) {
                failure = e;
                sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RemoteRouterException("router admin " + authority() + ": " + what + " interrupted", 0, e);
            }
        }
        String reason = failure instanceof ConnectException ? "connection refused (is the router process running?)"
                : String.valueOf(failure);
        throw new RemoteRouterException("router admin " + authority() + ": " + what + " failed: " + reason, 0, failure);
    }

    private <T> T parse(String body, String what, java.util.function.Function<String, T> parser) {
        try {
            return parser.apply(body);
        } catch (IllegalArgumentException e) {
            throw new RemoteRouterException("router admin " + authority() + ": " + what + " answered unreadable JSON: "
                    + e.getMessage(), 200, e);
        }
    }

    private String authority() {
        return adminUri.getAuthority();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
