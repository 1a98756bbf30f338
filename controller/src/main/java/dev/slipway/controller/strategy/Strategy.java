package dev.slipway.controller.strategy;

import dev.slipway.controller.store.RolloutRecord;
import dev.slipway.model.StrategySpec;

import java.time.Clock;

/**
 * One way of replacing the stable release. {@link #run} continues from where the record stands and returns it
 * positioned at PROMOTED (the new release may take all traffic) or ABORTED (with the reason); moving replicas
 * and traffic at the end is the controller's.
 */
public interface Strategy {

    RolloutRecord run(RolloutRecord rollout, RolloutActions actions);

    /** The strategy class for a spec. */
    static Strategy of(StrategySpec spec, int replicas, Clock clock) {
        if (spec instanceof StrategySpec.Canary canary) {
            return new Canary(canary, replicas, clock);
        }
        if (spec instanceof StrategySpec.Rolling rolling) {
            return new Rolling(rolling, replicas, clock);
        }
        return new BlueGreen((StrategySpec.BlueGreen) spec, replicas, clock);
    }
}
