package dev.slipway.router;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLongArray;

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
    /**
     * Attempts in flight, per event loop at {@code (loop + 1) * PAD}: each loop counts on its own cache line. Still
     * atomic increments (full fences), because draining relies on "count, then check removed" never missing the
     * drainer's "mark removed, then wait for zero".
     */
    private final AtomicLongArray inFlight;
    /**
     * One deque per event loop that ever used this endpoint (at most one per core): a scan of a short array on
     * the hot path instead of a hash lookup, copied on the rare add.
     */
    private volatile IdleConnections[] idleByEventLoop = new IdleConnections[0];
    private volatile boolean removed;

    private static final int PAD = 8;

    UpstreamEndpoint(Endpoint endpoint, int eventLoops) {
        this.endpoint = endpoint;
        this.inFlight = new AtomicLongArray((eventLoops + 1) * PAD);
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

    /** An attempt to this endpoint starts on event loop {@code loop}; it ends there too. */
    void attemptStarted(int loop) {
        inFlight.incrementAndGet((loop + 1) * PAD);
    }

    void attemptEnded(int loop) {
        inFlight.decrementAndGet((loop + 1) * PAD);
    }

    long inFlight() {
        long total = 0;
        for (int index = PAD; index < inFlight.length(); index += PAD) {
            total += inFlight.get(index);
        }
        return total;
    }

    /** The idle connections of {@code eventLoop}; only that event loop's thread may touch the deque. */
    ArrayDeque<Channel> idleConnections(EventLoop eventLoop) {
        for (IdleConnections idle : idleByEventLoop) {
            if (idle.eventLoop() == eventLoop) {
                return idle.connections();
            }
        }
        return addEventLoop(eventLoop);
    }

    private synchronized ArrayDeque<Channel> addEventLoop(EventLoop eventLoop) {
        IdleConnections[] known = idleByEventLoop;
        for (IdleConnections idle : known) {
            if (idle.eventLoop() == eventLoop) {
                return idle.connections();
            }
        }
        IdleConnections added = new IdleConnections(eventLoop, new ArrayDeque<>());
        IdleConnections[] grown = Arrays.copyOf(known, known.length + 1);
        grown[known.length] = added;
        idleByEventLoop = grown;
        return added.connections();
    }

    /** Closes every idle connection, each on its own event loop. */
    void closeIdleConnections() {
        for (IdleConnections idle : idleByEventLoop) {
            idle.eventLoop().execute(() -> {
                Channel channel;
                while ((channel = idle.connections().pollFirst()) != null) {
                    channel.close();
                }
            });
        }
    }

    /** The idle connections of one event loop; only that loop's thread touches the deque. */
    private record IdleConnections(EventLoop eventLoop, ArrayDeque<Channel> connections) {
    }

    @Override
    public String toString() {
        return endpoint.toString();
    }
}
