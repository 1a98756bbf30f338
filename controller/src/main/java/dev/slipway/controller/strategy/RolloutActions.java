package dev.slipway.controller.strategy;

import dev.slipway.analysis.Verdict;
import dev.slipway.analysis.run.AnalysisStatus;
import dev.slipway.model.AnalysisRunSpec;
import dev.slipway.controller.store.RolloutRecord;
import dev.slipway.model.AnalysisSpec;

import java.time.Duration;
import java.util.Optional;

/**
 * What a strategy asks of the controller; each call changes the world or reports on it. Every call is
 * idempotent for the same arguments, so a strategy resumed after a crash may safely repeat the step it was in.
 */
public interface RolloutActions {

    /** Sends {@code percent} of traffic to the new release; takes effect before it returns. */
    void setWeight(int percent);

    /** Sends traffic between the releases in proportion to their ready replicas (rolling updates). */
    void balanceByReplicas();

    /** Routes requests carrying {@code header: value} to the new release. */
    void setHeaderRoute(String header, String value);

    /**
     * Sends everything arriving on the router's preview listener to the new release, until the rollout ends
     * (promoted or aborted), when the controller clears it.
     */
    void previewNew();

    /**
     * Brings the new release to {@code replicas} ready replicas (starting or draining and stopping some).
     * Returns why it could not (a replica failed readiness), or empty.
     */
    Optional<String> scaleNew(int replicas);

    /** Brings the old release down (drain first, then stop) or back up to {@code replicas}. */
    Optional<String> scaleOld(int replicas);

    /** Ready replicas of the new and the old release right now. */
    int readyNew();

    int readyOld();

    /**
     * Waits {@code duration}, or until promoted when empty. Returns false when an abort was requested
     * or the new release failed meanwhile.
     */
    boolean pause(Optional<Duration> duration);

    /** Judges the new release over the traffic it got since its weight last changed, waiting for enough requests. */
    Verdict analyze(AnalysisSpec spec);

    /**
     * Runs analysis templates to their end (or resumes the run stored under {@code name} after a crash) and returns
     * the final status; returns early, stopped, when the rollout must stop.
     */
    default AnalysisStatus analyze(String name, AnalysisRunSpec run) {
        throw new IllegalStateException("analysis templates cannot run here");
    }

    /**
     * Starts {@code replicas} fresh replicas of the stable release as the experiment's baseline and gives them the
     * canary's weight, taken from stable. Returns why it could not, or empty.
     */
    default Optional<String> startBaseline(int replicas) {
        return Optional.of("baselines cannot run here");
    }

    /** Drains and removes the baseline; its weight goes back to stable. */
    default void stopBaseline() {
    }

    /** Starts the background analysis (once; later calls do nothing). Its failure becomes a {@link #stopReason}. */
    default void startBackground(AnalysisRunSpec run) {
        throw new IllegalStateException("background analyses cannot run here");
    }

    /** The background analysis' status when it ended inconclusive and no human has answered it yet. */
    default Optional<AnalysisStatus> backgroundInconclusive() {
        return Optional.empty();
    }

    /** Persists the rollout's new position (one transaction) and records it on the timeline. */
    RolloutRecord transition(RolloutRecord next, String event);

    /** True once {@code promote --full} was asked: the remaining steps are skipped. */
    boolean fullPromotionRequested();

    /** Why the rollout must stop now (abort requested, a replica failed), or empty. */
    Optional<String> stopReason();
}
