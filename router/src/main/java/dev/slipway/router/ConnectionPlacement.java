package dev.slipway.router;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.EventExecutorChooserFactory;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Which worker event loop serves a new client connection: the first loop (in order) that serves fewer than
 * {@link #PACKED} connections, else the loop that serves the fewest.
 *
 * <p>Why not Netty's round robin: a few connections spread over all loops make every request wake a thread that
 * was asleep, and on a busy machine the wake-up costs more than the request (bench/router, light pass with 4
 * connections: 18 % more CPU per request spread over two loops than on one). nginx gets the same effect from
 * its accept wake-ups: under light load one worker takes all the connections. A few connections have only a
 * few requests in flight, which one loop keeps up with; past {@code PACKED} the connections are balanced by
 * count, which also keeps loops even when connections of very different lifetimes come and go (round robin
 * only balances arrivals).
 *
 * <p>{@link #newChooser} is called once, by the event loop group; {@code next()} only by the accepting thread
 * (Netty registers each accepted connection with {@code group.next()}, and nothing else calls it on the
 * worker group). Closes come from every loop, hence the atomic counts.
 */
final class ConnectionPlacement implements EventExecutorChooserFactory {

    /** Set {@code -Dslipway.router.packedConnections=0} to spread connections from the first one (bench A/B). */
    static final String PROPERTY = "slipway.router.packedConnections";

    /** Connections one loop takes before the others get any. */
    static final int PACKED = Math.max(0, Integer.getInteger(PROPERTY, 4));

    private EventExecutor[] loops;
    private AtomicIntegerArray connections;

    @Override
    public EventExecutorChooser newChooser(EventExecutor[] executors) {
        if (loops != null) {
            throw new IllegalStateException("one ConnectionPlacement per event loop group");
        }
        loops = executors.clone();
        connections = new AtomicIntegerArray(executors.length);
        return this::place;
    }

    /** The loop for a new connection, counted as one more connection on it. */
    private EventExecutor place() {
        int chosen = 0;
        int chosenLoad = Integer.MAX_VALUE;
        for (int i = 0; i < loops.length; i++) {
            int open = connections.get(i);
            int load = open < PACKED ? 0 : open;
            if (load < chosenLoad) {
                chosen = i;
                chosenLoad = load;
            }
        }
        connections.incrementAndGet(chosen);
        return loops[chosen];
    }

    /** A connection placed on {@code loop} has closed. */
    void closed(EventExecutor loop) {
        for (int i = 0; i < loops.length; i++) {
            if (loops[i] == loop) {
                connections.decrementAndGet(i);
                return;
            }
        }
        throw new IllegalArgumentException(loop + " is not one of the placed event loops");
    }

    /** Connections open per loop, in loop order: for tests. */
    int[] open() {
        int[] open = new int[loops.length];
        Arrays.setAll(open, connections::get);
        return open;
    }
}
