package dev.slipway.controller.state;

import java.util.Optional;

/**
 * What users asked of the rollout in progress and its strategy has not acted on yet: end the current pause, skip
 * every remaining step, or stop.
 */
public record RolloutRequests(boolean promote, boolean fullPromotion, Optional<String> stopReason) {

    public static RolloutRequests none() {
        return new RolloutRequests(false, false, Optional.empty());
    }

    public RolloutRequests promoted(boolean full) {
        return new RolloutRequests(true, fullPromotion || full, stopReason);
    }

    /** The pause that a promote ended has taken it into account. */
    public RolloutRequests pauseEnded() {
        return new RolloutRequests(false, fullPromotion, stopReason);
    }

    public RolloutRequests stopped(String reason) {
        return new RolloutRequests(promote, fullPromotion, Optional.of(stopReason.orElse(reason)));
    }
}
