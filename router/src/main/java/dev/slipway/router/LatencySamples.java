package dev.slipway.router;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Per-request latency samples of one revision, for judges that compare distributions (Mann-Whitney on latencies,
 * proportions of status classes) over a window of their choosing. Time is cut into one-second slices and the last
 * {@link #RETAINED_SECONDS} are kept; each slice holds the exact count of requests by status class and a uniform
 * random sample (reservoir) of at most {@link #PER_SLICE} of them per event loop. Memory is bounded whatever the
 * traffic, and a window is simply "the slices since T": nothing to reset, and any number of readers.
 *
 * <p>Each event loop writes only its own slices, so recording takes no lock and no atomic read-modify-write: a
 * few plain writes, published with release stores that readers pair with acquire loads. A reader that meets a
 * slice being recycled for a new second skips it.
 */
final class LatencySamples {

    static final int RETAINED_SECONDS = 600;
    static final int PER_SLICE = 32;
    private static final long MAX_LATENCY_MICROS = (1L << 40) - 1;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Object[].class);
    private static final VarHandle SAMPLE = MethodHandles.arrayElementVarHandle(long[].class);

    private final SampleClock clock;
    /** One ring of slices per event loop, created when that loop first records; null again once idle too long. */
    private final AtomicReferenceArray<Slice[]> rings;
    private final AtomicReferenceArray<Slice> lastWritten;

    LatencySamples(SampleClock clock, int eventLoops) {
        this.clock = clock;
        this.rings = new AtomicReferenceArray<>(eventLoops);
        this.lastWritten = new AtomicReferenceArray<>(eventLoops);
    }

    /** Records one finished request; call only from event loop {@code loop}. */
    void record(int loop, long nowNanos, long latencyNanos, int status) {
        long second = clock.second(nowNanos);
        Slice[] ring = rings.get(loop);
        if (ring == null) {
            ring = new Slice[RETAINED_SECONDS];
            rings.set(loop, ring);
        }
        int index = (int) (second % RETAINED_SECONDS);
        Slice slice = ring[index];
        if (slice == null) {
            slice = new Slice();
            slice.start(second);
            SLOT.setRelease(ring, index, slice);
            lastWritten.lazySet(loop, slice);
        } else if (slice.second != second) {
            slice.start(second);
            lastWritten.lazySet(loop, slice);
        }
        slice.add(Math.min(latencyNanos / 1000, MAX_LATENCY_MICROS), status / 100);
    }

    /** Adds the slices from {@code fromSecond} on (router clock) to {@code into}; drops rings idle too long. */
    void collect(long fromSecond, long nowSecond, Window into) {
        for (int loop = 0; loop < rings.length(); loop++) {
            Slice[] ring = rings.get(loop);
            if (ring == null) {
                continue;
            }
            Slice newest = lastWritten.get(loop);
            long newestSecond = newest == null ? -1 : newest.secondAcquire();
            if (newestSecond >= 0 && nowSecond - newestSecond > 2L * RETAINED_SECONDS) {
                // Nothing for twice the retention: give the memory back (an old revision; a late record starts over).
                rings.compareAndSet(loop, ring, null);
                continue;
            }
            for (int index = 0; index < ring.length; index++) {
                Slice slice = (Slice) SLOT.getAcquire(ring, index);
                if (slice != null) {
                    slice.copyInto(fromSecond, nowSecond - RETAINED_SECONDS, into);
                }
            }
        }
    }

    /** What one window holds for one revision: exact counts and the samples. */
    static final class Window {
        long requests;
        final long[] byStatusClass = new long[6]; // index = status / 100
        long[] latencyMicros = new long[64];
        int[] statusClasses = new int[64];
        int sampled;

        void addSample(long micros, int statusClass) {
            if (sampled == latencyMicros.length) {
                latencyMicros = java.util.Arrays.copyOf(latencyMicros, sampled * 2);
                statusClasses = java.util.Arrays.copyOf(statusClasses, sampled * 2);
            }
            latencyMicros[sampled] = micros;
            statusClasses[sampled] = statusClass;
            sampled++;
        }
    }

    /** One second of one event loop: counts and a reservoir of packed samples (latency micros << 3 | class). */
    private static final class Slice {
        private static final VarHandle SECOND_FIELD;
        private static final VarHandle SEEN_FIELD;
        private static final VarHandle COUNTS;

        static {
            try {
                MethodHandles.Lookup lookup = MethodHandles.lookup();
                SECOND_FIELD = lookup.findVarHandle(Slice.class, "second", long.class);
                SEEN_FIELD = lookup.findVarHandle(Slice.class, "seen", int.class);
                COUNTS = MethodHandles.arrayElementVarHandle(int[].class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        /** The router-clock second this slice holds; -1 while it is being recycled. Written by its loop only. */
        private long second = -1;
        private int seen;
        private final int[] byStatusClass = new int[6];
        private final long[] samples = new long[PER_SLICE];

        void start(long newSecond) {
            SECOND_FIELD.setRelease(this, -1L);
            SEEN_FIELD.setRelease(this, 0);
            for (int i = 0; i < byStatusClass.length; i++) {
                COUNTS.setRelease(byStatusClass, i, 0);
            }
            SECOND_FIELD.setRelease(this, newSecond);
        }

        long secondAcquire() {
            return (long) SECOND_FIELD.getAcquire(this);
        }

        void add(long micros, int statusClass) {
            int statusIndex = statusClass >= 0 && statusClass < byStatusClass.length ? statusClass : 0;
            COUNTS.setRelease(byStatusClass, statusIndex, byStatusClass[statusIndex] + 1);
            int count = seen + 1;
            long packed = micros << 3 | (statusClass & 7);
            if (count <= PER_SLICE) {
                SAMPLE.setRelease(samples, count - 1, packed);
            } else {
                int replaced = ThreadLocalRandom.current().nextInt(count);
                if (replaced < PER_SLICE) {
                    SAMPLE.setRelease(samples, replaced, packed);
                }
            }
            SEEN_FIELD.setRelease(this, count);
        }

        /** Copies this slice into {@code into} if it holds a second from {@code fromSecond} and is still retained. */
        void copyInto(long fromSecond, long oldestRetained, Window into) {
            long before = secondAcquire();
            if (before < 0 || before < fromSecond || before <= oldestRetained) {
                return;
            }
            int count = (int) SEEN_FIELD.getAcquire(this);
            long[] counts = new long[byStatusClass.length];
            for (int i = 0; i < counts.length; i++) {
                counts[i] = (int) COUNTS.getAcquire(byStatusClass, i);
            }
            int kept = Math.min(count, PER_SLICE);
            long[] copied = new long[kept];
            for (int i = 0; i < kept; i++) {
                copied[i] = (long) SAMPLE.getAcquire(samples, i);
            }
            if (secondAcquire() != before) {
                return; // recycled for a newer second while being read: that second is read elsewhere, later
            }
            into.requests += count;
            for (int i = 0; i < counts.length; i++) {
                into.byStatusClass[i] += counts[i];
            }
            for (long packed : copied) {
                into.addSample(packed >>> 3, (int) (packed & 7));
            }
        }
    }

}
