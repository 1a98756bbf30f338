package dev.slipway.environments;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import static dev.slipway.environments.PromotionDecision.Outcome.BLOCKED;
import static dev.slipway.environments.PromotionDecision.Outcome.PROMOTE;
import static dev.slipway.environments.PromotionDecision.Outcome.UP_TO_DATE;
import static dev.slipway.environments.PromotionDecision.Outcome.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

class SoakGateTest {
    private static final Instant PROMOTED = Instant.parse("2026-11-24T10:00:00Z");
    private static final Promotion SOAK_30M = new Promotion("test", Duration.ofMinutes(30), Optional.empty(), 0, false);

    @Test
    void waitsForTheSoakThenPromotes() {
        EnvironmentState test = test(new StableRelease("2.0.0", PROMOTED, 2, 2, 5000, 3, "yaml"));
        PromotionDecision early = SoakGate.decide("prod", SOAK_30M, test, prod("1.0.0"), PROMOTED.plusSeconds(600), false);
        assertThat(early.outcome()).isEqualTo(WAIT);
        assertThat(early.readyAt()).contains(PROMOTED.plus(Duration.ofMinutes(30)));
        assertThat(early.reason()).isEqualTo("2.0.0 has soaked 10m of 30m in test (ends 2026-11-24T10:30:00Z)");

        PromotionDecision due = SoakGate.decide("prod", SOAK_30M, test, prod("1.0.0"), PROMOTED.plusSeconds(1800), false);
        assertThat(due.outcome()).isEqualTo(PROMOTE);
        assertThat(due.version()).contains("2.0.0");
        assertThat(due.reason()).isEqualTo("2.0.0 soaked 30m in test");
    }

    @Test
    void anUnhealthyCandidateOrARollingTargetBlocks() {
        Instant late = PROMOTED.plus(Duration.ofHours(2));
        PromotionDecision unhealthy = SoakGate.decide("prod", SOAK_30M,
                test(new StableRelease("2.0.0", PROMOTED, 3, 2, 0, 0, "yaml")), prod("1.0.0"), late, false);
        assertThat(unhealthy.outcome()).isEqualTo(BLOCKED);
        assertThat(unhealthy.reason()).isEqualTo("2.0.0 is not healthy in test: 2/3 replicas ready");

        EnvironmentState rolling = new EnvironmentState("prod", prod("1.0.0").stable(), Optional.of("1.5.0"));
        PromotionDecision busy = SoakGate.decide("prod", SOAK_30M,
                test(new StableRelease("2.0.0", PROMOTED, 2, 2, 0, 0, "yaml")), rolling, late, false);
        assertThat(busy.outcome()).isEqualTo(BLOCKED);
        assertThat(busy.reason()).isEqualTo("prod is rolling out 1.5.0: promote or abort that rollout first");
    }

    @Test
    void errorRateNeedsEnoughTrafficAndMustStayUnderTheLimit() {
        Promotion judged = new Promotion("test", Duration.ofMinutes(1), Optional.of(0.01), 200, false);
        Instant late = PROMOTED.plus(Duration.ofHours(1));
        PromotionDecision quiet = SoakGate.decide("prod", judged,
                test(new StableRelease("2.0.0", PROMOTED, 1, 1, 150, 0, "yaml")), prod("1.0.0"), late, false);
        assertThat(quiet.outcome()).isEqualTo(WAIT);
        assertThat(quiet.reason()).isEqualTo("too little traffic to judge 2.0.0 in test: 150 of 200 requests");

        PromotionDecision failing = SoakGate.decide("prod", judged,
                test(new StableRelease("2.0.0", PROMOTED, 1, 1, 1000, 30, "yaml")), prod("1.0.0"), late, false);
        assertThat(failing.outcome()).isEqualTo(BLOCKED);
        assertThat(failing.reason()).isEqualTo("2.0.0 failed 3.00% of 1000 requests in test, above the limit 1.00%");
    }

    @Test
    void approvalComesLastAndUpToDateTargetsNeedNothing() {
        Promotion approval = new Promotion("test", Duration.ZERO, Optional.empty(), 0, true);
        EnvironmentState test = test(new StableRelease("2.0.0", PROMOTED, 1, 1, 0, 0, "yaml"));
        PromotionDecision unapproved = SoakGate.decide("prod", approval, test, prod("1.0.0"), PROMOTED, false);
        assertThat(unapproved.outcome()).isEqualTo(BLOCKED);
        assertThat(unapproved.reason()).isEqualTo("2.0.0 is ready for prod but needs approval: slipway env promote prod --approve");
        assertThat(SoakGate.decide("prod", approval, test, prod("1.0.0"), PROMOTED, true).outcome()).isEqualTo(PROMOTE);
        assertThat(SoakGate.decide("prod", approval, test, prod("2.0.0"), PROMOTED, false).outcome()).isEqualTo(UP_TO_DATE);
        assertThat(SoakGate.decide("prod", approval, new EnvironmentState("test", Optional.empty(), Optional.empty()),
                prod("1.0.0"), PROMOTED, true).reason()).isEqualTo("test runs no release yet");
    }

    private static EnvironmentState test(StableRelease stable) {
        return new EnvironmentState("test", Optional.of(stable), Optional.empty());
    }

    private static EnvironmentState prod(String version) {
        return new EnvironmentState("prod", Optional.of(new StableRelease(version, PROMOTED.minusSeconds(86_400), 3, 3,
                0, 0, "yaml")), Optional.empty());
    }
}
