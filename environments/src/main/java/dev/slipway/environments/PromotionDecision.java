package dev.slipway.environments;

import java.time.Instant;
import java.util.Optional;

/**
 * The soak gate's answer for one target environment.
 *
 * @param version the candidate: the source's stable release, if it has one
 * @param readyAt for {@link Outcome#WAIT} on the soak: when it ends
 */
public record PromotionDecision(Outcome outcome, Optional<String> version, Optional<Instant> readyAt, String reason) {

    public enum Outcome {
        /** Every condition holds: apply the candidate to the target. */
        PROMOTE,
        /** Only time (the soak, or traffic to judge) is missing: waiting may turn this into PROMOTE. */
        WAIT,
        /** Something must change first (health, error rate, approval, a rollout in the target). */
        BLOCKED,
        /** The target already runs the candidate. */
        UP_TO_DATE
    }
}
