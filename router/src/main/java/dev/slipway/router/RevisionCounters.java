package dev.slipway.router;

import java.util.concurrent.atomic.LongAdder;

/**
 * Lock-free counters of one revision, written by event loop threads and read by exporters. Latency
 * buckets are kept non-cumulative here (one increment per request) and summed up on read.
 */
final class RevisionCounters {

    /** Upper bounds of the latency buckets in milliseconds; a last, unbounded bucket follows. */
    static final long[] BUCKET_BOUNDS_MILLIS = {1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000};

    private final String revision;
    private final LongAdder requests = new LongAdder();
    private final LongAdder[] byStatusClass = adders(4); // 2xx, 3xx, 4xx, 5xx
    private final LongAdder upstreamErrors = new LongAdder();
    private final LongAdder[] latencyBuckets = adders(BUCKET_BOUNDS_MILLIS.length + 1);
    private final LongAdder latencySumNanos = new LongAdder();
    private final LongAdder inFlight = new LongAdder();
    private final LatencySamples samples;

    RevisionCounters(String revision, LatencySamples samples) {
        this.revision = revision;
        this.samples = samples;
    }

    String revision() {
        return revision;
    }

    void requestStarted() {
        inFlight.increment();
    }

    /** The request ended without an answer worth counting (the client went away first). */
    void requestAbandoned() {
        inFlight.decrement();
    }

    /**
     * Counts an answered request; call on event loop {@code loop}, with {@code nowNanos} from
     * {@link System#nanoTime()}.
     */
    void requestFinished(int loop, long nowNanos, int status, long latencyNanos, boolean upstreamError) {
        samples.record(loop, nowNanos, latencyNanos, status);
        inFlight.decrement();
        requests.increment();
        int statusClass = status / 100;
        if (statusClass >= 2 && statusClass <= 5) {
            byStatusClass[statusClass - 2].increment();
        }
        if (upstreamError) {
            upstreamErrors.increment();
        }
        latencySumNanos.add(latencyNanos);
        latencyBuckets[bucketOf(latencyNanos)].increment();
    }

    private static int bucketOf(long latencyNanos) {
        for (int i = 0; i < BUCKET_BOUNDS_MILLIS.length; i++) {
            if (latencyNanos <= BUCKET_BOUNDS_MILLIS[i] * 1_000_000L) {
                return i;
            }
        }
        return BUCKET_BOUNDS_MILLIS.length;
    }

    LatencySamples samples() {
        return samples;
    }

    long requests() {
        return requests.sum();
    }

    /** Requests answered with status class {@code statusClass} (2..5). */
    long statusClass(int statusClass) {
        return byStatusClass[statusClass - 2].sum();
    }

    long upstreamErrors() {
        return upstreamErrors.sum();
    }

    long inFlight() {
        return inFlight.sum();
    }

    double latencySumSeconds() {
        return latencySumNanos.sum() / 1e9;
    }

    /** Cumulative counts, one per bound of {@link #BUCKET_BOUNDS_MILLIS} and a last one for +Inf. */
    long[] cumulativeLatencyCounts() {
        long[] cumulative = new long[latencyBuckets.length];
        long running = 0;
        for (int i = 0; i < latencyBuckets.length; i++) {
            running += latencyBuckets[i].sum();
            cumulative[i] = running;
        }
        return cumulative;
    }

    RevisionMetrics snapshot() {
        double[] bounds = new double[BUCKET_BOUNDS_MILLIS.length + 1];
        for (int i = 0; i < BUCKET_BOUNDS_MILLIS.length; i++) {
            bounds[i] = BUCKET_BOUNDS_MILLIS[i];
        }
        bounds[BUCKET_BOUNDS_MILLIS.length] = Double.POSITIVE_INFINITY;
        return new RevisionMetrics(revision, requests(), statusClass(2), statusClass(3), statusClass(4),
                statusClass(5), upstreamErrors(), bounds, cumulativeLatencyCounts());
    }

    private static LongAdder[] adders(int count) {
        LongAdder[] adders = new LongAdder[count];
        for (int i = 0; i < count; i++) {
            adders[i] = new LongAdder();
        }
        return adders;
    }
}
