package dev.slipway.model;

import java.time.Duration;
import java.util.Optional;

/**
 * What a canary must show to pass: at most {@code errorRateMax} of its answers 5xx or failed,
 * a p99 latency under {@code latencyP99Max} when set, over at least {@code minRequests} requests
 * (fewer is inconclusive, never a pass). {@code window} bounds how long it waits to collect them.
 */
public record AnalysisSpec(double errorRateMax, Optional<Duration> latencyP99Max, long minRequests, Duration window) {
    public AnalysisSpec {
        if (errorRateMax < 0 || errorRateMax > 1) {
            throw new IllegalArgumentException("errorRate.max " + errorRateMax + " is not a ratio (0..1)");
        }
    }
}
