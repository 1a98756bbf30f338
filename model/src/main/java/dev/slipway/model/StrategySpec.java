package dev.slipway.model;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** How a new release replaces the stable one: rolling, blue-green or canary. */
public sealed interface StrategySpec {

    /**
     * Argo-style canary: the steps run in order, then the canary is promoted to stable. A background
     * {@code analysis} runs beside the steps from its starting step until the rollout ends.
     */
    record Canary(List<CanaryStep> steps, Optional<BackgroundAnalysis> analysis) implements StrategySpec {
        public Canary {
            steps = List.copyOf(steps);
            analysis = analysis == null ? Optional.empty() : analysis;
        }

        public Canary(List<CanaryStep> steps) {
            this(steps, Optional.empty());
        }
    }

    /**
     * Replaces replicas a few at a time: at most {@code maxSurge} above the desired count, at most
     * {@code maxUnavailable} below it. Start-first: a new replica is ready before an old one is drained.
     */
    record Rolling(Quantity maxSurge, Quantity maxUnavailable) implements StrategySpec {
    }

    /**
     * Starts the new release at full size beside the old one, reachable only with the preview header,
     * then switches all traffic at once; the old release stays {@code scaleDownDelay} so undo is instant.
     *
     * @param autoPromoteAfter empty: wait for {@code slipway rollout promote}
     */
    record BlueGreen(Optional<Duration> autoPromoteAfter, Optional<AnalysisSpec> prePromotionAnalysis,
                     Duration scaleDownDelay, String previewHeader) implements StrategySpec {
    }

    /** A count of replicas or a percentage of the desired count ({@code 1}, {@code 25%}). */
    record Quantity(int value, boolean percent) {
        /** Resolved against {@code replicas}: percentages round up for surge, down for unavailable. */
        public int of(int replicas, boolean roundUp) {
            if (!percent) {
                return value;
            }
            double exact = replicas * value / 100.0;
            return (int) (roundUp ? Math.ceil(exact) : Math.floor(exact));
        }

        @Override
        public String toString() {
            return value + (percent ? "%" : "");
        }
    }
}
