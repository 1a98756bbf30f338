package dev.slipway.router;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;

/**
 * Splits a service's traffic between revisions. The built-in reverse proxy implements it; runtime-native
 * routers (nginx weights, Gateway API) will too.
 */
public interface TrafficRouter extends AutoCloseable {

    /** Replaces the routing table; requests that arrive afterwards follow it, in-flight ones finish. */
    void route(RouteTable table);

    /** The table in force. */
    RouteTable routes();

    /**
     * Waits until no request is in flight to {@code endpoint} (after it was removed from the table),
     * closing idle pooled connections to it. Returns false if the timeout passed first.
     */
    boolean awaitDrained(Endpoint endpoint, Duration timeout);

    /** Counters since the router started, per revision. */
    RevisionMetrics metrics(String revision);

    /** Where clients connect. */
    InetSocketAddress address();

    /** Where Prometheus text metrics are served ({@code GET /metrics}). */
    InetSocketAddress adminAddress();

    /**
     * Where the preview listener accepts clients: everything arriving there goes to the table's
     * {@link RouteTable#previewRevision()}. Empty when this router has none.
     */
    default Optional<InetSocketAddress> previewAddress() {
        return Optional.empty();
    }

    @Override
    void close();
}
