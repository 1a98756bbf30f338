package dev.slipway.model;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code router:} section of {@code slipway.yaml}: where the built-in router listens and how it protects
 * itself from clients.
 *
 * @param listen         {@code host:port} clients connect to: any address ({@code 0.0.0.0:80}, {@code [::]:8443}, a host
 *                       IP or name); port 0 picks a free one
 * @param preview        {@code host:port} of the preview listener (blue-green), if any
 * @param admin          {@code host:port} of the admin port (metrics, routes, samples); loopback unless configured
 * @param tls            certificate and key for HTTPS on {@code listen} and {@code preview}, if any
 * @param timeouts       how long the router waits for clients and upstreams
 * @param maxConnections client connections open at once; more are answered 503 and closed
 * @param trustedProxies peers whose {@code X-Forwarded-For} / {@code X-Forwarded-Proto} are kept (extended);
 *                       from anyone else they are replaced
 */
public record RouterSpec(String listen, Optional<String> preview, String admin, Optional<Tls> tls, Timeouts timeouts,
                         int maxConnections, List<AddressRange> trustedProxies) {

    public static final String DEFAULT_LISTEN = "127.0.0.1:8080";
    public static final String DEFAULT_ADMIN = "127.0.0.1:0";
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;

    public RouterSpec {
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(admin, "admin");
        Objects.requireNonNull(timeouts, "timeouts");
        preview = preview == null ? Optional.empty() : preview;
        tls = tls == null ? Optional.empty() : tls;
        trustedProxies = List.copyOf(trustedProxies);
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections " + maxConnections + " is not positive");
        }
    }

    /** Everything by default: clients on 127.0.0.1:8080, no preview listener, no TLS, no trusted proxies. */
    public static RouterSpec defaults() {
        return new RouterSpec(DEFAULT_LISTEN, Optional.empty(), DEFAULT_ADMIN, Optional.empty(), Timeouts.defaults(),
                DEFAULT_MAX_CONNECTIONS, List.of());
    }

    /**
     * PEM files for HTTPS, absolute (the parser resolves them against the spec's directory). Re-read when they
     * change, so a renewed certificate needs no restart.
     *
     * @param certificate the certificate chain, leaf first
     * @param key         the private key, PKCS#8 ({@code BEGIN PRIVATE KEY})
     */
    public record Tls(Path certificate, Path key) {
        public Tls {
            Objects.requireNonNull(certificate, "certificate");
            Objects.requireNonNull(key, "key");
        }
    }

    /**
     * @param header           a client must send a whole request head within this, from its first byte (or from
     *                         connecting, for the first request)
     * @param bodyIdle         a client sending a request body may pause this long between reads
     * @param keepAliveIdle    an idle client connection between requests is closed after this
     * @param upstreamConnect  a TCP connect to a replica may take this long before another is tried; the default
     *                         outlasts two SYN retransmissions (Linux resends after 1 s and 3 s), because a busy
     *                         replica whose listen backlog is full drops a SYN rather than refusing it: a 1 s
     *                         timeout failed every connect to such a live replica. A stopped replica on a
     *                         reachable host refuses at once and is skipped at once whatever this is.
     * @param upstreamResponse a replica must start answering within this after the request was sent (else 504)
     * @param upstreamIdle     a replica may pause this long while sending a response (else the response is cut off)
     */
    public record Timeouts(Duration header, Duration bodyIdle, Duration keepAliveIdle, Duration upstreamConnect,
                           Duration upstreamResponse, Duration upstreamIdle) {

        public Timeouts {
            for (Duration timeout : List.of(header, bodyIdle, keepAliveIdle, upstreamConnect, upstreamResponse,
                    upstreamIdle)) {
                if (timeout.isNegative() || timeout.isZero()) {
                    throw new IllegalArgumentException("timeout " + timeout + " is not positive");
                }
            }
        }

        public static Timeouts defaults() {
            return new Timeouts(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60),
                    Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(60));
        }
    }
}
