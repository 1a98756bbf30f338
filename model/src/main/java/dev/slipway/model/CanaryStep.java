package dev.slipway.model;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** One step of a canary strategy, in the order the spec lists them. */
public sealed interface CanaryStep {

    /** Sends {@code percent} of traffic to the canary (0..100). */
    record SetWeight(int percent) implements CanaryStep {}

    /** Waits {@code duration}, or until promoted when empty. */
    record Pause(Optional<Duration> duration) implements CanaryStep {}

    /** Judges the canary on the router's own numbers since the previous step. */
    record Analysis(AnalysisSpec spec) implements CanaryStep {}

    /**
     * Runs analysis templates (Argo Rollouts' analysis step) and waits for their result: a failure or an error
     * aborts, an inconclusive result pauses until promoted.
     */
    record TemplateAnalysis(AnalysisRunSpec run) implements CanaryStep {}

    /**
     * Starts {@code replicas} fresh replicas of the stable release as a baseline (default: as many as the canary
     * has), gives them the same weight as the canary (taken from stable), runs the {@code analyses} — usually a
     * statistical judge of canary against baseline — and removes the baseline when they end, or after
     * {@code duration} when there are none.
     */
    record Experiment(Optional<Integer> replicas, Optional<Duration> duration, List<AnalysisRunSpec> analyses)
            implements CanaryStep {
        public Experiment {
            analyses = List.copyOf(analyses);
        }
    }

    /** Routes requests whose header {@code name} equals {@code value} to the canary, whatever the weights. */
    record SetHeaderRoute(String name, String value) implements CanaryStep {}

    /**
     * Runs the canary with its own replica count, independent of its weight: {@code replicas}, or a
     * {@code percent} of the release's replicas, or (both empty) as many as its weight needs.
     */
    record SetCanaryScale(Optional<Integer> replicas, Optional<Integer> percent) implements CanaryStep {}
}
