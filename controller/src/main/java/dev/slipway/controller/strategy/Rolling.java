package dev.slipway.controller.strategy;

import dev.slipway.controller.store.RolloutPhase;
import dev.slipway.controller.store.RolloutRecord;
import dev.slipway.model.StrategySpec;

import java.time.Clock;
import java.util.Optional;

/**
 * A rolling update, start-first: new replicas are started (at most {@code maxSurge} above the desired count)
 * and become ready before old ones are drained and stopped (at most {@code maxUnavailable} below it).
 * Traffic follows the ready replicas of each release. A replica that fails readiness aborts the rollout.
 */
public final class Rolling implements Strategy {
    private final int replicas;
    private final int surge;
    private final int unavailable;
    private final Clock clock;

    public Rolling(StrategySpec.Rolling spec, int replicas, Clock clock) {
        this.replicas = replicas;
        this.surge = spec.maxSurge().of(replicas, true);
        this.unavailable = spec.maxUnavailable().of(replicas, false);
        this.clock = clock;
    }

    @Override
    public RolloutRecord run(RolloutRecord rollout, RolloutActions actions) {
        RolloutRecord current = rollout;
        int fresh = actions.readyNew();
        int old = actions.readyOld();
        while (fresh < replicas || old > 0) {
            Optional<String> stop = actions.stopReason();
            if (stop.isPresent()) {
                return abort(current, stop.get());
            }
            if (actions.fullPromotionRequested()) {
                break;
            }
            int up = Math.min(replicas - fresh, replicas + surge - (fresh + old));
            if (up > 0) {
                Optional<String> failed = actions.scaleNew(fresh + up);
                if (failed.isPresent()) {
                    return abort(current, failed.get());
                }
                fresh += up;
                actions.balanceByReplicas();
            }
            int down = Math.min(old, fresh + old - (replicas - unavailable));
            if (down > 0) {
                actions.scaleOld(old - down);
                old -= down;
                actions.balanceByReplicas();
            }
            if (up <= 0 && down <= 0) {
                return abort(current, "no progress possible with maxSurge " + surge + " and maxUnavailable "
                        + unavailable);
            }
            int weight = fresh + old == 0 ? 100 : 100 * fresh / (fresh + old);
            current = actions.transition(current.withProgress(RolloutPhase.PROGRESSING, fresh, weight, "",
                    clock.instant()), fresh + "/" + replicas + " new ready, " + old + " old left");
        }
        if (actions.fullPromotionRequested()) {
            Optional<String> failed = actions.scaleNew(replicas);
            if (failed.isPresent()) {
                return abort(current, failed.get());
            }
        }
        return current.withProgress(RolloutPhase.PROMOTED, replicas, 100, "all replicas replaced", clock.instant());
    }

    private RolloutRecord abort(RolloutRecord current, String why) {
        return current.withProgress(RolloutPhase.ABORTED, current.stepIndex(), 0, why, clock.instant());
    }
}
