package dev.slipway.controller.store;

import java.time.Instant;

/**
 * One rollout as stored: from which stable version to which, where it stands and why.
 *
 * @param stepIndex    index of the next canary step to run
 * @param canaryWeight traffic percentage the canary holds now
 */
public record RolloutRecord(long id, String service, String fromVersion, String toVersion, RolloutPhase phase,
                            int stepIndex, int canaryWeight, String message, Instant startedAt, Instant updatedAt) {

    public RolloutRecord withProgress(RolloutPhase nextPhase, int nextStep, int weight, String why, Instant now) {
        return new RolloutRecord(id, service, fromVersion, toVersion, nextPhase, nextStep, weight, why, startedAt, now);
    }

    public RolloutRecord withId(long newId) {
        return new RolloutRecord(newId, service, fromVersion, toVersion, phase, stepIndex, canaryWeight, message,
                startedAt, updatedAt);
    }
}
