package dev.slipway.controller.strategy;

import dev.slipway.analysis.Verdict;
import dev.slipway.controller.store.RolloutPhase;
import dev.slipway.controller.store.RolloutRecord;
import dev.slipway.model.CanaryStep;
import dev.slipway.model.Durations;
import dev.slipway.model.StrategySpec;

import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * The canary strategy: runs the steps in order from where the rollout stands, persisting each completed
 * step, and ends PROMOTED when every step passed or ABORTED at the first failure. Promotion and abort
 * themselves (moving replicas and traffic) are the controller's.
 */
public final class Canary {
    private final List<CanaryStep> steps;
    private final Clock clock;

    public Canary(StrategySpec.Canary spec, Clock clock) {
        this.steps = spec.steps();
        this.clock = clock;
    }

    /** Runs the remaining steps; returns the rollout positioned at PROMOTED (all passed) or ABORTED. */
    public RolloutRecord run(RolloutRecord rollout, CanaryActions actions) {
        RolloutRecord current = rollout;
        for (int index = rollout.stepIndex(); index < steps.size(); index++) {
            Optional<String> stop = actions.stopReason();
            if (stop.isPresent()) {
                return abort(current, stop.get());
            }
            if (actions.fullPromotionRequested()) {
                return current.withProgress(RolloutPhase.PROMOTED, steps.size(), 100, "promoted in full on request",
                        clock.instant());
            }
            CanaryStep step = steps.get(index);
            int next = index + 1;
            if (step instanceof CanaryStep.SetWeight setWeight) {
                actions.setWeight(setWeight.percent());
                current = actions.transition(current.withProgress(RolloutPhase.PROGRESSING, next,
                        setWeight.percent(), "", clock.instant()), "setWeight " + setWeight.percent() + "%");
            } else if (step instanceof CanaryStep.SetHeaderRoute route) {
                actions.setHeaderRoute(route.name(), route.value());
                current = actions.transition(current.withProgress(RolloutPhase.PROGRESSING, next,
                        current.canaryWeight(), "", clock.instant()),
                        "setHeaderRoute " + route.name() + "=" + route.value());
            } else if (step instanceof CanaryStep.Pause pause) {
                String what = pause.duration().map(d -> "pause " + Durations.format(d))
                        .orElse("pause until promoted");
                current = actions.transition(current.withProgress(RolloutPhase.PAUSED, index,
                        current.canaryWeight(), what, clock.instant()), what);
                if (!actions.pause(pause.duration())) {
                    return abort(current, actions.stopReason().orElse("aborted during pause"));
                }
                current = current.withProgress(RolloutPhase.PROGRESSING, next, current.canaryWeight(), "",
                        clock.instant());
            } else if (step instanceof CanaryStep.Analysis analysis) {
                Verdict verdict = actions.analyze(analysis.spec());
                if (verdict.outcome() == Verdict.Outcome.FAIL) {
                    return abort(current, "analysis failed: " + verdict.reason());
                }
                if (verdict.outcome() == Verdict.Outcome.INCONCLUSIVE) {
                    // Never a pass: wait for a human, like an indefinite pause.
                    String why = "analysis inconclusive (" + verdict.reason() + "): paused until promoted";
                    current = actions.transition(current.withProgress(RolloutPhase.PAUSED, index,
                            current.canaryWeight(), why, clock.instant()), why);
                    if (!actions.pause(Optional.empty())) {
                        return abort(current, actions.stopReason().orElse("aborted"));
                    }
                }
                current = actions.transition(current.withProgress(RolloutPhase.PROGRESSING, next,
                        current.canaryWeight(), verdict.reason(), clock.instant()),
                        "analysis passed: " + verdict.reason());
            }
        }
        return current.withProgress(RolloutPhase.PROMOTED, steps.size(), 100, "all steps passed", clock.instant());
    }

    private RolloutRecord abort(RolloutRecord current, String why) {
        return current.withProgress(RolloutPhase.ABORTED, current.stepIndex(), 0, why, clock.instant());
    }
}
