package dev.slipway.controller.strategy;

import dev.slipway.analysis.Verdict;
import dev.slipway.controller.store.RolloutPhase;
import dev.slipway.controller.store.RolloutRecord;
import dev.slipway.model.AnalysisSpec;
import dev.slipway.model.CanaryStep;
import dev.slipway.model.StrategySpec;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class CanaryTest {
    private static final AnalysisSpec ANALYSIS = new AnalysisSpec(0.01, Optional.empty(), 10, Duration.ofSeconds(5));
    private static final StrategySpec.Canary STRATEGY = new StrategySpec.Canary(List.of(
            new CanaryStep.SetWeight(10),
            new CanaryStep.Pause(Optional.of(Duration.ofSeconds(1))),
            new CanaryStep.Analysis(ANALYSIS),
            new CanaryStep.SetWeight(50),
            new CanaryStep.Analysis(ANALYSIS),
            new CanaryStep.SetWeight(100)));

    /** Records what the strategy asked for; verdicts and pause answers are scripted. */
    private static final class ScriptedActions implements RolloutActions {
        final List<String> calls = new ArrayList<>();
        final List<RolloutRecord> saved = new ArrayList<>();
        final Deque<Verdict.Outcome> verdicts = new ArrayDeque<>();
        String stopAfterPause;
        String stopped;

        @Override public void setWeight(int percent) { calls.add("weight " + percent); }
        @Override public void setHeaderRoute(String header, String value) { calls.add("header " + header); }
        @Override public void previewNew() { calls.add("preview"); }
        @Override public void balanceByReplicas() { calls.add("balance"); }
        @Override public Optional<String> scaleNew(int replicas) { calls.add("scale new " + replicas); return Optional.empty(); }
        @Override public Optional<String> scaleOld(int replicas) { calls.add("scale old " + replicas); return Optional.empty(); }
        @Override public int readyNew() { return 0; }
        @Override public int readyOld() { return 2; }
        @Override public boolean pause(Optional<Duration> duration) {
            calls.add("pause " + duration.map(Duration::toSeconds).orElse(-1L));
            stopped = stopAfterPause;
            return stopAfterPause == null;
        }
        @Override public Verdict analyze(AnalysisSpec spec) {
            Verdict.Outcome outcome = verdicts.isEmpty() ? Verdict.Outcome.PASS : verdicts.poll();
            calls.add("analysis " + outcome);
            return new Verdict(outcome, outcome == Verdict.Outcome.FAIL ? "error rate 30.00%" : "ok", 100, 0, 0);
        }
        @Override public RolloutRecord transition(RolloutRecord next, String event) { saved.add(next); return next; }
        @Override public Optional<String> stopReason() { return Optional.ofNullable(stopped); }
        @Override public boolean fullPromotionRequested() { return false; }
    }

    private static RolloutRecord fresh() {
        Instant now = Instant.parse("2026-11-24T10:00:00Z");
        return new RolloutRecord(1, "orders", "1.0.0", "2.0.0", RolloutPhase.PROGRESSING, 0, 0, "", now, now);
    }

    private final Canary canary = new Canary(STRATEGY, 2, Clock.systemUTC());

    @Test
    void passingStepsRunInOrderAndEndPromoted() {
        ScriptedActions actions = new ScriptedActions();
        RolloutRecord ended = canary.run(fresh(), actions);

        assertThat(actions.calls).containsExactly("scale new 2", "weight 10", "pause 1", "analysis PASS", "weight 50",
                "analysis PASS", "weight 100");
        assertThat(ended.phase()).isEqualTo(RolloutPhase.PROMOTED);
        assertThat(actions.saved).extracting(RolloutRecord::stepIndex).isSorted();
    }

    @Test
    void aFailedAnalysisAbortsAndSaysWhy() {
        ScriptedActions actions = new ScriptedActions();
        actions.verdicts.add(Verdict.Outcome.PASS);
        actions.verdicts.add(Verdict.Outcome.FAIL);
        RolloutRecord ended = canary.run(fresh(), actions);

        assertThat(ended.phase()).isEqualTo(RolloutPhase.ABORTED);
        assertThat(ended.message()).isEqualTo("analysis failed: error rate 30.00%");
        assertThat(actions.calls).doesNotContain("weight 100");
    }

    @Test
    void anInconclusiveAnalysisNeverPassesOnItsOwn() {
        ScriptedActions actions = new ScriptedActions();
        actions.verdicts.add(Verdict.Outcome.INCONCLUSIVE);
        RolloutRecord ended = canary.run(fresh(), actions);

        // it waited for a promotion (an indefinite pause) before going on
        assertThat(actions.calls).containsSubsequence("analysis INCONCLUSIVE", "pause -1", "weight 50");
        assertThat(ended.phase()).isEqualTo(RolloutPhase.PROMOTED);
    }

    @Test
    void anAbortDuringAPauseStopsTheRollout() {
        ScriptedActions actions = new ScriptedActions();
        actions.stopAfterPause = "aborted by alice";
        RolloutRecord ended = canary.run(fresh(), actions);

        assertThat(ended.phase()).isEqualTo(RolloutPhase.ABORTED);
        assertThat(ended.message()).isEqualTo("aborted by alice");
        assertThat(actions.calls).containsExactly("scale new 2", "weight 10", "pause 1");
    }

    @Test
    void aResumedRolloutDoesNotRepeatCompletedSteps() {
        ScriptedActions actions = new ScriptedActions();
        RolloutRecord resumed = fresh().withProgress(RolloutPhase.PROGRESSING, 3, 10, "", Instant.now());
        canary.run(resumed, actions);

        assertThat(actions.calls).containsExactly("scale new 2", "weight 50", "analysis PASS", "weight 100");
    }
}
