package dev.slipway.controller.rollout;

import dev.slipway.controller.store.RolloutRecord;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A rollout action the guard accepted: the rollout as it was recorded (visible in status from then on), and its end.
 *
 * @param ended completes with the rollout promoted or aborted; fails when a first deploy could not finish
 */
public record StartedRollout(RolloutRecord recorded, CompletableFuture<RolloutRecord> ended) {

    /** Waits for the end, as the blocking API does. */
    public RolloutRecord awaitEnd() {
        try {
            return ended.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            throw e;
        }
    }
}
