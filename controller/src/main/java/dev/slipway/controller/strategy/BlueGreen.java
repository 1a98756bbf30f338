package dev.slipway.controller.strategy;

import dev.slipway.analysis.Verdict;
import dev.slipway.controller.store.RolloutPhase;
import dev.slipway.controller.store.RolloutRecord;
import dev.slipway.model.Durations;
import dev.slipway.model.StrategySpec;

import java.time.Clock;
import java.util.Optional;

/**
 * Blue-green: the new release starts at full size, reachable only through the router's preview listener or
 * with the preview header; after the
 * optional pre-promotion analysis and {@code autoPromoteAfter} (or a promote), all traffic switches at once.
 * The controller keeps the old release for {@code scaleDownDelay} so that undo is an instant switch back.
 */
public final class BlueGreen implements Strategy {
    private final StrategySpec.BlueGreen spec;
    private final int replicas;
    private final Clock clock;

    public BlueGreen(StrategySpec.BlueGreen spec, int replicas, Clock clock) {
        this.spec = spec;
        this.replicas = replicas;
        this.clock = clock;
    }

    @Override
    public RolloutRecord run(RolloutRecord rollout, RolloutActions actions) {
        RolloutRecord current = rollout;
        Optional<String> failed = actions.scaleNew(replicas);
        if (failed.isPresent()) {
            return abort(current, "new release never became ready: " + failed.get());
        }
        actions.setHeaderRoute(spec.previewHeader(), "true");
        actions.previewNew();
        if (current.stepIndex() == 0) {
            current = actions.transition(current.withProgress(RolloutPhase.PROGRESSING, 1, 0, "",
                    clock.instant()), "preview ready (preview listener, or header " + spec.previewHeader() + ": true)");
        }
        if (current.stepIndex() <= 1 && spec.prePromotionAnalysis().isPresent()) {
            Verdict verdict = actions.analyze(spec.prePromotionAnalysis().get());
            if (verdict.outcome() == Verdict.Outcome.FAIL) {
                return abort(current, "pre-promotion analysis failed: " + verdict.reason());
            }
            if (verdict.outcome() == Verdict.Outcome.INCONCLUSIVE && !actions.pause(Optional.empty())) {
                return abort(current, actions.stopReason().orElse("aborted"));
            }
            current = actions.transition(current.withProgress(RolloutPhase.PROGRESSING, 2, 0, verdict.reason(),
                    clock.instant()), "pre-promotion analysis: " + verdict.reason());
        }
        if (!actions.fullPromotionRequested()) {
            String what = spec.autoPromoteAfter().map(d -> "auto-promote after " + Durations.format(d))
                    .orElse("paused until promoted");
            current = actions.transition(current.withProgress(RolloutPhase.PAUSED, 2, 0, what, clock.instant()), what);
            if (!actions.pause(spec.autoPromoteAfter())) {
                return abort(current, actions.stopReason().orElse("aborted"));
            }
        }
        actions.setWeight(100);
        return current.withProgress(RolloutPhase.PROMOTED, 3, 100, "switched all traffic", clock.instant());
    }

    private RolloutRecord abort(RolloutRecord current, String why) {
        return current.withProgress(RolloutPhase.ABORTED, current.stepIndex(), 0, why, clock.instant());
    }
}
