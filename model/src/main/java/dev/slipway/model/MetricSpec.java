package dev.slipway.model;

import java.time.Duration;
import java.util.Optional;

/**
 * One metric of an analysis template: what to measure ({@code provider}), how often, and when a measurement
 * counts as successful, failed or inconclusive. Limits work as in Argo Rollouts: the metric fails once more
 * than {@code failureLimit} measurements failed, errors once more than {@code consecutiveErrorLimit}
 * measurements in a row could not be taken, and is inconclusive once more than {@code inconclusiveLimit}
 * were inconclusive.
 *
 * @param interval  between two measurements; empty: one measurement
 * @param count     measurements to take; empty: 1 without interval, or until the rollout ends with one
 * @param initialDelay how long the metric waits before it starts; a provider that measures a window starts its
 *                     window then (fresh baseline replicas can warm up first)
 * @param dryRun    measured and recorded, but never fails (or pauses) the rollout
 */
public record MetricSpec(String name, ProviderSpec provider, Optional<Duration> interval, Optional<Integer> count,
                         Duration initialDelay, int failureLimit, int consecutiveErrorLimit, int inconclusiveLimit,
                         Optional<String> successCondition, Optional<String> failureCondition, boolean dryRun) {

    public static final int DEFAULT_FAILURE_LIMIT = 0;
    public static final int DEFAULT_CONSECUTIVE_ERROR_LIMIT = 4;
    public static final int DEFAULT_INCONCLUSIVE_LIMIT = 0;

    /** True when the metric keeps measuring until the analysis is stopped (interval without count). */
    public boolean unbounded() {
        return count.isEmpty() && interval.isPresent();
    }

    /**
     * How long after the analysis starts the first measurement is due: the initial delay, plus one interval for a
     * provider that measures a window (so the first window is not empty).
     */
    public Duration firstMeasurementAfter() {
        return provider.windowed() ? initialDelay.plus(interval.orElse(Duration.ZERO)) : initialDelay;
    }

    /** The number of measurements that ends the metric, or {@link Integer#MAX_VALUE} when unbounded. */
    public int effectiveCount() {
        return count.orElse(interval.isPresent() ? Integer.MAX_VALUE : 1);
    }
}
