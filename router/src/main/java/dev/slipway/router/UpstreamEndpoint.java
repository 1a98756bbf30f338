package dev.slipway.router;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The router's view of one endpoint: requests in flight to it, whether the table still routes to it, and
 * its idle keep-alive connections. Idle connections are kept per event loop so that a frontend connection
 * only ever reuses upstream connections of its own thread: the deques need no locks.
 */
final class UpstreamEndpoint {

    /** More idle connections than this per event loop are closed instead of pooled. */
    static final int MAX_IDLE_PER_EVENT_LOOP = 64;

    private final Endpoint endpoint;
    private final InetSocketAddress address;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ConcurrentHashMap<EventLoop, ArrayDeque<Channel>> idleByEventLoop = new ConcurrentHashMap<>();
    private volatile boolean removed;

    UpstreamEndpoint(Endpoint endpoint) {
        this.endpoint = endpoint;
        this.address = new InetSocketAddress(endpoint.host(), endpoint.port());
    }

    Endpoint endpoint() {
        return endpoint;
    }

    InetSocketAddress address() {
        return address;
    }

    /** True once the routing table no longer lists this endpoint: no new requests, no pooling. */
    boolean isRemoved() {
        return removed;
    }

    void markRemoved(boolean isRemoved) {
        this.removed = isRemoved;
    }

    void attemptStarted() {
        inFlight.incrementAndGet();
    }

    void attemptEnded() {
        inFlight.decrementAndGet();
    }

    int inFlight() {
        return inFlight.get();
    }

    /** The idle connections of {@code eventLoop}; only that event loop's thread may touch the deque. */
    ArrayDeque<Channel> idleConnections(EventLoop eventLoop) {
        ArrayDeque<Channel> idle = idleByEventLoop.get(eventLoop);
        return idle != null ? idle : idleByEventLoop.computeIfAbsent(eventLoop, loop -> new ArrayDeque<>());
    }

    /** Closes every idle connection, each on its own event loop. */
    void closeIdleConnections() {
        idleByEventLoop.forEach((eventLoop, idle) -> eventLoop.execute(() -> {
            Channel channel;
            while ((channel = idle.pollFirst()) != null) {
                channel.close();
            }
        }));
    }

    @Override
    public String toString() {
        return endpoint.toString();
    }
}
