package dev.slipway.router;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How the built-in router listens and how patient it is with upstreams.
 *
 * @param listenHost              where clients connect
 * @param listenPort              client port; 0 picks a free one (see {@link TrafficRouter#address()})
 * @param adminHost               where {@code GET /metrics} and {@code GET /routes} are served
 * @param adminPort               admin port; 0 picks a free one
 * @param upstreamConnectTimeout  how long a TCP connect to an endpoint may take before another is tried
 * @param upstreamResponseTimeout how long an upstream may take, after the request was sent, to start answering
 *                                before the client gets a 504
 * @param maxRetries              further attempts after the first one failed
 * @param preview                 where the preview listener listens (everything there goes to the table's
 *                                {@link RouteTable#previewRevision()}); port 0 picks a free one; empty: no such listener
 */
public record RouterConfig(String listenHost, int listenPort, String adminHost, int adminPort,
                           Duration upstreamConnectTimeout, Duration upstreamResponseTimeout, int maxRetries,
                           Optional<Endpoint> preview) {

    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(1);
    public static final Duration DEFAULT_RESPONSE_TIMEOUT = Duration.ofSeconds(30);
    public static final int DEFAULT_MAX_RETRIES = 2;

    public RouterConfig {
        Objects.requireNonNull(listenHost, "listenHost");
        Objects.requireNonNull(adminHost, "adminHost");
        checkPort("listenPort", listenPort);
        checkPort("adminPort", adminPort);
        upstreamConnectTimeout = positiveOr(upstreamConnectTimeout, DEFAULT_CONNECT_TIMEOUT, "upstreamConnectTimeout");
        upstreamResponseTimeout = positiveOr(upstreamResponseTimeout, DEFAULT_RESPONSE_TIMEOUT, "upstreamResponseTimeout");
        if (maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries " + maxRetries + " is negative");
        }
        preview = preview == null ? Optional.empty() : preview;
        preview.ifPresent(address -> checkPort("preview port", address.port()));
    }

    /** Without a preview listener. */
    public RouterConfig(String listenHost, int listenPort, String adminHost, int adminPort,
                        Duration upstreamConnectTimeout, Duration upstreamResponseTimeout, int maxRetries) {
        this(listenHost, listenPort, adminHost, adminPort, upstreamConnectTimeout, upstreamResponseTimeout, maxRetries,
                Optional.empty());
    }

    /** Clients on {@code host:listenPort}, admin on {@code host:adminPort}, default timeouts and retries. */
    public static RouterConfig of(String host, int listenPort, int adminPort) {
        return new RouterConfig(host, listenPort, host, adminPort, DEFAULT_CONNECT_TIMEOUT, DEFAULT_RESPONSE_TIMEOUT,
                DEFAULT_MAX_RETRIES);
    }

    /** Both ports picked freely on 127.0.0.1: what tests and the embedded demo want. */
    public static RouterConfig onLoopback() {
        return of("127.0.0.1", 0, 0);
    }

    public RouterConfig withTimeouts(Duration connectTimeout, Duration responseTimeout) {
        return new RouterConfig(listenHost, listenPort, adminHost, adminPort, connectTimeout, responseTimeout,
                maxRetries, preview);
    }

    public RouterConfig withMaxRetries(int retries) {
        return new RouterConfig(listenHost, listenPort, adminHost, adminPort, upstreamConnectTimeout,
                upstreamResponseTimeout, retries, preview);
    }

    /** With a preview listener on {@code host:port} (port 0: any free port). */
    public RouterConfig withPreview(String host, int port) {
        return new RouterConfig(listenHost, listenPort, adminHost, adminPort, upstreamConnectTimeout,
                upstreamResponseTimeout, maxRetries, Optional.of(new Endpoint(host, port)));
    }

    private static void checkPort(String name, int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(name + " " + port + " is not a port (0..65535, 0 = any free port)");
        }
    }

    private static Duration positiveOr(Duration value, Duration fallback, String name) {
        if (value == null) {
            return fallback;
        }
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " " + value + " must be positive");
        }
        return value;
    }
}
