package dev.slipway.controller.strategy;

import dev.slipway.analysis.Verdict;
import dev.slipway.controller.store.RolloutRecord;
import dev.slipway.model.AnalysisSpec;

import java.time.Duration;
import java.util.Optional;

/** What a canary strategy asks of the controller; each call changes the world or reports on it. */
public interface CanaryActions {

    /** Sends {@code percent} of traffic to the canary; blocks until the router has the new table. */
    void setWeight(int percent);

    /** Routes requests carrying {@code header: value} to the canary. */
    void setHeaderRoute(String header, String value);

    /**
     * Waits {@code duration}, or until promoted when empty. Returns false when an abort was requested
     * or the canary failed meanwhile.
     */
    boolean pause(Optional<Duration> duration);

    /** Judges the canary over the traffic it got since its weight last changed, waiting for enough requests. */
    Verdict analyze(AnalysisSpec spec);

    /** Persists the rollout's new position (one transaction) and records it on the timeline. */
    RolloutRecord transition(RolloutRecord next, String event);

    /** True once {@code promote --full} was asked: the remaining steps are skipped. */
    boolean fullPromotionRequested();

    /** Why the rollout must stop now (abort requested, canary replica failed), or empty. */
    Optional<String> stopReason();
}
