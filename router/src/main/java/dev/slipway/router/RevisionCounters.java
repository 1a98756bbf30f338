package dev.slipway.router;

/**
 * Counters of one revision, written by the event loops (each into its own {@link PerLoopCounters} block) and
 * read by exporters. Latency buckets are kept non-cumulative here (one increment per request) and summed up on
 * read.
 */
final class RevisionCounters {

    /** Upper bounds of the latency buckets in milliseconds; a last, unbounded bucket follows. */
    static final long[] BUCKET_BOUNDS_MILLIS = {1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000};
    private static final long[] BUCKET_BOUNDS_NANOS = new long[BUCKET_BOUNDS_MILLIS.length];

    static {
        for (int i = 0; i < BUCKET_BOUNDS_MILLIS.length; i++) {
            BUCKET_BOUNDS_NANOS[i] = BUCKET_BOUNDS_MILLIS[i] * 1_000_000L;
        }
    }

    private static final int REQUESTS = 0;
    private static final int STATUS_2XX = 1; // .. STATUS_2XX + 3 for 5xx
    private static final int UPSTREAM_ERRORS = 5;
    private static final int LATENCY_SUM_NANOS = 6;
    private static final int IN_FLIGHT = 7;
    private static final int BUCKETS = 8;
    private static final int FIELDS = BUCKETS + BUCKET_BOUNDS_MILLIS.length + 1;

    private final String revision;
    private final PerLoopCounters counters;
    private final LatencySamples samples;

    RevisionCounters(String revision, int eventLoops, LatencySamples samples) {
        this.revision = revision;
        this.counters = new PerLoopCounters(eventLoops, FIELDS);
        this.samples = samples;
    }

    String revision() {
        return revision;
    }

    /** A request is routed here; call on event loop {@code loop}, as every call for the same request. */
    void requestStarted(int loop) {
        counters.add(loop, IN_FLIGHT, 1);
    }

    /** The request ended without an answer worth counting (the client went away first). */
    void requestAbandoned(int loop) {
        counters.add(loop, IN_FLIGHT, -1);
    }

    /**
     * Counts an answered request; call on event loop {@code loop}, with {@code nowNanos} from
     * {@link System#nanoTime()}.
     */
    void requestFinished(int loop, long nowNanos, int status, long latencyNanos, boolean upstreamError) {
        samples.record(loop, nowNanos, latencyNanos, status);
        counters.add(loop, IN_FLIGHT, -1);
        counters.add(loop, REQUESTS, 1);
        int statusClass = status / 100;
        if (statusClass >= 2 && statusClass <= 5) {
            counters.add(loop, STATUS_2XX + statusClass - 2, 1);
        }
        if (upstreamError) {
            counters.add(loop, UPSTREAM_ERRORS, 1);
        }
        counters.add(loop, LATENCY_SUM_NANOS, latencyNanos);
        counters.add(loop, BUCKETS + bucketOf(latencyNanos), 1);
    }

    private static int bucketOf(long latencyNanos) {
        for (int i = 0; i < BUCKET_BOUNDS_NANOS.length; i++) {
            if (latencyNanos <= BUCKET_BOUNDS_NANOS[i]) {
                return i;
            }
        }
        return BUCKET_BOUNDS_NANOS.length;
    }

    LatencySamples samples() {
        return samples;
    }

    long requests() {
        return counters.sum(REQUESTS);
    }

    /** Requests answered with status class {@code statusClass} (2..5). */
    long statusClass(int statusClass) {
        return counters.sum(STATUS_2XX + statusClass - 2);
    }

    long upstreamErrors() {
        return counters.sum(UPSTREAM_ERRORS);
    }

    long inFlight() {
        return counters.sum(IN_FLIGHT);
    }

    double latencySumSeconds() {
        return counters.sum(LATENCY_SUM_NANOS) / 1e9;
    }

    /** Cumulative counts, one per bound of {@link #BUCKET_BOUNDS_MILLIS} and a last one for +Inf. */
    long[] cumulativeLatencyCounts() {
        long[] cumulative = new long[BUCKET_BOUNDS_MILLIS.length + 1];
        long running = 0;
        for (int i = 0; i < cumulative.length; i++) {
            running += counters.sum(BUCKETS + i);
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
}
