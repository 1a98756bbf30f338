package dev.slipway.router;

import dev.slipway.model.AddressRange;
import dev.slipway.model.RouterSpec;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How the built-in router listens and how patient it is with clients and upstreams.
 *
 * @param listen         where clients connect; port 0 picks a free one (see {@link TrafficRouter#address()})
 * @param admin          where {@code GET /metrics}, {@code /routes}, {@code /samples} are served; port 0 picks a free one
 * @param preview        where the preview listener listens (everything there goes to the table's
 *                       {@link RouteTable#previewRevision()}); port 0 picks a free one; empty: no such listener
 * @param tls            PEM certificate and key: clients speak HTTPS on {@code listen} and {@code preview}
 * @param timeouts       client header, body-idle and keep-alive-idle timeouts; upstream connect, response (first
 *                       byte, else 504) and idle (mid-response) timeouts
 * @param maxConnections client connections open at once; one more is answered 503 and closed
 * @param maxRetries     further attempts after the first one failed
 * @param trustedProxies peers whose {@code X-Forwarded-For} and {@code X-Forwarded-Proto} the router extends instead
 *                       of replacing
 */
public record RouterConfig(Endpoint listen, Endpoint admin, Optional<Endpoint> preview, Optional<RouterSpec.Tls> tls,
                           RouterSpec.Timeouts timeouts, int maxConnections, int maxRetries,
                           List<AddressRange> trustedProxies) {

    public static final int DEFAULT_MAX_RETRIES = 2;

    public RouterConfig {
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(admin, "admin");
        Objects.requireNonNull(timeouts, "timeouts");
        checkPort("listen port", listen.port());
        checkPort("admin port", admin.port());
        preview = preview == null ? Optional.empty() : preview;
        preview.ifPresent(address -> checkPort("preview port", address.port()));
        tls = tls == null ? Optional.empty() : tls;
        trustedProxies = List.copyOf(trustedProxies);
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections " + maxConnections + " is not positive");
        }
        if (maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries " + maxRetries + " is negative");
        }
    }

    /** What {@code slipway.yaml}'s {@code router:} section asks for. */
    public static RouterConfig from(RouterSpec spec) {
        return new RouterConfig(Endpoint.parseListenAddress(spec.listen()), Endpoint.parseListenAddress(spec.admin()),
                spec.preview().map(Endpoint::parseListenAddress), spec.tls(), spec.timeouts(), spec.maxConnections(),
                DEFAULT_MAX_RETRIES, spec.trustedProxies());
    }

    /** Clients on {@code host:listenPort}, admin on {@code host:adminPort}, everything else by default. */
    public static RouterConfig of(String host, int listenPort, int adminPort) {
        RouterSpec defaults = RouterSpec.defaults();
        return new RouterConfig(new Endpoint(host, listenPort), new Endpoint(host, adminPort), Optional.empty(),
                Optional.empty(), defaults.timeouts(), defaults.maxConnections(), DEFAULT_MAX_RETRIES, List.of());
    }

    /** Both ports picked freely on 127.0.0.1: what tests and the embedded demo want. */
    public static RouterConfig onLoopback() {
        return of("127.0.0.1", 0, 0);
    }

    /** With these upstream connect and response timeouts. */
    public RouterConfig withTimeouts(Duration connectTimeout, Duration responseTimeout) {
        return withTimeouts(new RouterSpec.Timeouts(timeouts.header(), timeouts.bodyIdle(), timeouts.keepAliveIdle(),
                connectTimeout, responseTimeout, timeouts.upstreamIdle()));
    }

    public RouterConfig withTimeouts(RouterSpec.Timeouts newTimeouts) {
        return new RouterConfig(listen, admin, preview, tls, newTimeouts, maxConnections, maxRetries, trustedProxies);
    }

    public RouterConfig withMaxRetries(int retries) {
        return new RouterConfig(listen, admin, preview, tls, timeouts, maxConnections, retries, trustedProxies);
    }

    /** With a preview listener on {@code host:port} (port 0: any free port). */
    public RouterConfig withPreview(String host, int port) {
        return new RouterConfig(listen, admin, Optional.of(new Endpoint(host, port)), tls, timeouts, maxConnections,
                maxRetries, trustedProxies);
    }

    public RouterConfig withTls(RouterSpec.Tls files) {
        return new RouterConfig(listen, admin, preview, Optional.of(files), timeouts, maxConnections, maxRetries,
                trustedProxies);
    }

    public RouterConfig withMaxConnections(int connections) {
        return new RouterConfig(listen, admin, preview, tls, timeouts, connections, maxRetries, trustedProxies);
    }

    public RouterConfig withTrustedProxies(List<AddressRange> proxies) {
        return new RouterConfig(listen, admin, preview, tls, timeouts, maxConnections, maxRetries, proxies);
    }

    private static void checkPort(String name, int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(name + " " + port + " is not a port (0..65535, 0 = any free port)");
        }
    }
}
