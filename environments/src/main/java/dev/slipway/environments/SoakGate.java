package dev.slipway.environments;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

import static dev.slipway.environments.PromotionDecision.Outcome.BLOCKED;
import static dev.slipway.environments.PromotionDecision.Outcome.PROMOTE;
import static dev.slipway.environments.PromotionDecision.Outcome.UP_TO_DATE;
import static dev.slipway.environments.PromotionDecision.Outcome.WAIT;

/**
 * Decides whether the source environment's stable release may go to the target now. Pure: the same states,
 * time and approval give the same answer, so {@code env status} and {@code env promote} never disagree.
 * <p>
 * Order of the checks: a missing candidate, an up-to-date target and a rollout running in the target come
 * first (nothing to decide); then the candidate's health, its soak time, its error rate, and approval last,
 * so that status can say "ready, waiting for approval" only when nothing else is missing.
 */
public final class SoakGate {
    private SoakGate() {
    }

    public static PromotionDecision decide(String targetName, Promotion promotion, EnvironmentState source,
                                           EnvironmentState target, Instant now, boolean approved) {
        if (source.stable().isEmpty()) {
            return new PromotionDecision(BLOCKED, Optional.empty(), Optional.empty(),
                    promotion.from() + " runs no release yet");
        }
        StableRelease candidate = source.stable().get();
        Optional<String> version = Optional.of(candidate.version());
        if (target.stable().map(StableRelease::version).filter(candidate.version()::equals).isPresent()) {
            return new PromotionDecision(UP_TO_DATE, version, Optional.empty(),
                    targetName + " already runs " + candidate.version());
        }
        if (target.rollingTo().isPresent()) {
            return new PromotionDecision(BLOCKED, version, Optional.empty(), targetName + " is rolling out "
                    + target.rollingTo().get() + ": promote or abort that rollout first");
        }
        if (candidate.readyReplicas() < candidate.replicas()) {
            return new PromotionDecision(BLOCKED, version, Optional.empty(), candidate.version() + " is not healthy in "
                    + promotion.from() + ": " + candidate.readyReplicas() + "/" + candidate.replicas() + " replicas ready");
        }
        Instant soakEnds = candidate.since().plus(promotion.soak());
        if (now.isBefore(soakEnds)) {
            return new PromotionDecision(WAIT, version, Optional.of(soakEnds), candidate.version() + " has soaked "
                    + format(Duration.between(candidate.since(), now)) + " of " + format(promotion.soak()) + " in "
                    + promotion.from() + " (ends " + soakEnds + ")");
        }
        if (promotion.maxErrorRate().isPresent()) {
            double max = promotion.maxErrorRate().get();
            if (candidate.requests() < 0) {
                return new PromotionDecision(BLOCKED, version, Optional.empty(), "the router's counters for "
                        + candidate.version() + " in " + promotion.from() + " cannot be read");
            }
            if (candidate.requests() < promotion.minRequests()) {
                return new PromotionDecision(WAIT, version, Optional.empty(), "too little traffic to judge "
                        + candidate.version() + " in " + promotion.from() + ": " + candidate.requests() + " of "
                        + promotion.minRequests() + " requests");
            }
            if (candidate.errorRate() > max) {
                return new PromotionDecision(BLOCKED, version, Optional.empty(), candidate.version() + " failed "
                        + percent(candidate.errorRate()) + " of " + candidate.requests() + " requests in "
                        + promotion.from() + ", above the limit " + percent(max));
            }
        }
        if (promotion.approval() && !approved) {
            return new PromotionDecision(BLOCKED, version, Optional.empty(), candidate.version()
                    + " is ready for " + targetName + " but needs approval: slipway env promote " + targetName
                    + " --approve");
        }
        return new PromotionDecision(PROMOTE, version, Optional.empty(), candidate.version() + " soaked "
                + format(Duration.between(candidate.since(), now)) + " in " + promotion.from()
                + (promotion.maxErrorRate().isPresent() ? " with " + percent(candidate.errorRate()) + " errors over "
                + candidate.requests() + " requests" : "") + (promotion.approval() ? ", approved" : ""));
    }

    private static String percent(double rate) {
        return String.format(Locale.ROOT, "%.2f%%", rate * 100);
    }

    /** 90061 s → "1d1h1m1s": short and exact enough for a soak. */
    static String format(Duration duration) {
        long seconds = Math.max(0, duration.toSeconds());
        StringBuilder text = new StringBuilder();
        long[] units = {86_400, 3_600, 60, 1};
        String[] names = {"d", "h", "m", "s"};
        for (int i = 0; i < units.length; i++) {
            if (seconds >= units[i]) {
                text.append(seconds / units[i]).append(names[i]);
                seconds %= units[i];
            }
        }
        return text.isEmpty() ? "0s" : text.toString();
    }
}
