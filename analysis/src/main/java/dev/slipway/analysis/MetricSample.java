package dev.slipway.analysis;

import java.util.Arrays;

/**
 * Cumulative counters of one revision at one moment, as a provider read them. Two samples make a window:
 * {@link #since(MetricSample)}.
 *
 * @param errors       answers the client saw as failures: 5xx and upstream errors
 * @param bucketBounds upper bounds in milliseconds of a cumulative latency histogram
 * @param bucketCounts requests that took at most the matching bound (cumulative, like Prometheus)
 */
public record MetricSample(String revision, long requests, long errors, double[] bucketBounds, long[] bucketCounts) {

    public static MetricSample empty(String revision) {
        return new MetricSample(revision, 0, 0, new double[0], new long[0]);
    }

    /** What happened between {@code earlier} and this sample. */
    public MetricSample since(MetricSample earlier) {
        long[] counts = bucketCounts.clone();
        if (Arrays.equals(bucketBounds, earlier.bucketBounds)) {
            for (int i = 0; i < counts.length; i++) {
                counts[i] -= earlier.bucketCounts[i];
            }
        }
        return new MetricSample(revision, requests - earlier.requests, errors - earlier.errors, bucketBounds, counts);
    }

    public double errorRate() {
        return requests == 0 ? 0 : (double) errors / requests;
    }

    /**
     * The latency quantile in milliseconds, read as the upper bound of the first bucket that holds it
     * (a conservative estimate: the real value is at most this). Infinite if it lies past the last bound.
     */
    public double latencyQuantileMillis(double quantile) {
        if (requests == 0 || bucketCounts.length == 0) {
            return 0;
        }
        double rank = quantile * requests;
        for (int i = 0; i < bucketBounds.length; i++) {
            if (bucketCounts[i] >= rank) {
                return bucketBounds[i];
            }
        }
        return Double.POSITIVE_INFINITY;
    }
}
