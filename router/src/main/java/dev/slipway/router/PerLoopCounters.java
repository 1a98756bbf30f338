package dev.slipway.router;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A few counters that each event loop keeps for itself and readers sum up. An event loop is the only writer of
 * its own block, so counting is a plain add and a release store: no atomic instruction, no cache line bouncing
 * between cores (blocks are 64 bytes apart), unlike a shared {@code AtomicLong} or even a {@code LongAdder} that
 * every request on every core would hit. Readers see each value whole, possibly a moment late.
 */
final class PerLoopCounters {

    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(long[].class);
    /** Longs between two loops' blocks (and before the first): one cache line. */
    private static final int PAD = 8;

    private final int loops;
    private final int stride;
    private final long[] values;

    PerLoopCounters(int loops, int fields) {
        this.loops = loops;
        this.stride = fields + PAD;
        this.values = new long[PAD + loops * stride];
    }

    /** Adds {@code delta} to counter {@code field} of event loop {@code loop}; call only on that loop. */
    void add(int loop, int field, long delta) {
        int index = PAD + loop * stride + field;
        SLOT.setRelease(values, index, values[index] + delta);
    }

    /** The counter summed over all event loops. */
    long sum(int field) {
        long total = 0;
        for (int loop = 0; loop < loops; loop++) {
            total += (long) SLOT.getAcquire(values, PAD + loop * stride + field);
        }
        return total;
    }
}
