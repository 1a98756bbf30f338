package dev.slipway.router;

/**
 * What the router saw of one revision since it started.
 *
 * @param upstreamErrors requests that got no answer from the revision (connection refused or reset,
 *                       timeout) and could not be retried elsewhere; the client got a 502/504
 * @param latencyBucketsMillis cumulative histogram: {@code latencyCounts[i]} requests took at most
 *                       {@code latencyBucketsMillis[i]} ms
 */
public record RevisionMetrics(String revision, long requests, long status2xx, long status3xx, long status4xx,
                              long status5xx, long upstreamErrors, double[] latencyBucketsMillis,
                              long[] latencyCounts) {
    public static RevisionMetrics empty(String revision) {
        return new RevisionMetrics(revision, 0, 0, 0, 0, 0, 0, new double[0], new long[0]);
    }
}
