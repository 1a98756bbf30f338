package dev.slipway.model;

import java.util.List;

/** How a new release replaces the stable one. Rolling and blue-green arrive with the rollout issue. */
public sealed interface StrategySpec {

    /** Argo-style canary: the steps run in order, then the canary is promoted to stable. */
    record Canary(List<CanaryStep> steps) implements StrategySpec {
        public Canary {
            steps = List.copyOf(steps);
        }
    }
}
