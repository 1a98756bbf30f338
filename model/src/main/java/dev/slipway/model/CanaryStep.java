package dev.slipway.model;

import java.time.Duration;
import java.util.Optional;

/** One step of a canary strategy, in the order the spec lists them. */
public sealed interface CanaryStep {

    /** Sends {@code percent} of traffic to the canary (0..100). */
    record SetWeight(int percent) implements CanaryStep {}

    /** Waits {@code duration}, or until promoted when empty. */
    record Pause(Optional<Duration> duration) implements CanaryStep {}

    /** Judges the canary on the router's own numbers since the previous step. */
    record Analysis(AnalysisSpec spec) implements CanaryStep {}

    /** Routes requests whose header {@code name} equals {@code value} to the canary, whatever the weights. */
    record SetHeaderRoute(String name, String value) implements CanaryStep {}

    /**
     * Runs the canary with its own replica count, independent of its weight: {@code replicas}, or a
     * {@code percent} of the release's replicas, or (both empty) as many as its weight needs.
     */
    record SetCanaryScale(Optional<Integer> replicas, Optional<Integer> percent) implements CanaryStep {}
}
