package dev.slipway.controller.store;

/** Where a rollout stands. */
public enum RolloutPhase {
    /** Canary replicas starting, steps running. */
    PROGRESSING,
    /** Waiting: a timed pause, an indefinite pause until promoted, or an inconclusive analysis. */
    PAUSED,
    /** Finished: the new release is stable. */
    PROMOTED,
    /** Finished: traffic went back to stable and the canary was removed. */
    ABORTED;

    public boolean finished() {
        return this == PROMOTED || this == ABORTED;
    }
}
