package dev.slipway.environments;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Whatever the states, a PROMOTE answer means every condition of the promotion holds. */
class SoakGateProperties {
    private static final Instant T0 = Instant.parse("2026-11-24T00:00:00Z");

    record Case(Promotion promotion, EnvironmentState source, EnvironmentState target, Instant now, boolean approved) {
    }

    @Property(tries = 2000)
    void promoteOnlyWhenEverythingHolds(@ForAll("cases") Case c) {
        PromotionDecision decision = SoakGate.decide("prod", c.promotion(), c.source(), c.target(), c.now(), c.approved());
        if (decision.outcome() != PromotionDecision.Outcome.PROMOTE) {
            return;
        }
        StableRelease candidate = c.source().stable().orElseThrow();
        assertThat(decision.version()).contains(candidate.version());
        assertThat(c.target().rollingTo()).isEmpty();
        assertThat(c.target().stable().map(StableRelease::version)).isNotEqualTo(Optional.of(candidate.version()));
        assertThat(candidate.readyReplicas()).isGreaterThanOrEqualTo(candidate.replicas());
        assertThat(Duration.between(candidate.since(), c.now())).isGreaterThanOrEqualTo(c.promotion().soak());
        c.promotion().maxErrorRate().ifPresent(max -> {
            assertThat(candidate.requests()).isGreaterThanOrEqualTo(c.promotion().minRequests());
            assertThat(candidate.errorRate()).isLessThanOrEqualTo(max);
        });
        if (c.promotion().approval()) {
            assertThat(c.approved()).isTrue();
        }
    }

    @Property(tries = 500)
    void waitingLongerNeverTurnsAPromotionIntoAWait(@ForAll("cases") Case c) {
        PromotionDecision now = SoakGate.decide("prod", c.promotion(), c.source(), c.target(), c.now(), c.approved());
        PromotionDecision later = SoakGate.decide("prod", c.promotion(), c.source(), c.target(),
                c.now().plus(Duration.ofDays(1)), c.approved());
        if (now.outcome() == PromotionDecision.Outcome.PROMOTE) {
            assertThat(later.outcome()).isEqualTo(PromotionDecision.Outcome.PROMOTE);
        }
    }

    @Provide
    Arbitrary<Case> cases() {
        Arbitrary<Promotion> promotions = Combinators.combine(
                Arbitraries.longs().between(0, 7200).map(Duration::ofSeconds),
                Arbitraries.doubles().between(0, 0.2).optional(0.5),
                Arbitraries.longs().between(0, 500), Arbitraries.of(true, false))
                .as((soak, max, min, approval) -> new Promotion("test", soak, max, min, approval));
        Arbitrary<StableRelease> releases = Combinators.combine(
                Arbitraries.of("1.0.0", "2.0.0", "3.0.0"), Arbitraries.longs().between(0, 7200),
                Arbitraries.integers().between(1, 4), Arbitraries.integers().between(0, 4),
                Arbitraries.longs().between(0, 2000), Arbitraries.longs().between(0, 100))
                .as((version, since, replicas, ready, requests, errors) -> new StableRelease(version,
                        T0.plusSeconds(since), replicas, Math.min(ready, replicas), requests, Math.min(errors, requests), "yaml"));
        Arbitrary<EnvironmentState> sources = releases.optional(0.9)
                .map(stable -> new EnvironmentState("test", stable, Optional.empty()));
        Arbitrary<EnvironmentState> targets = Combinators.combine(releases.optional(0.8),
                        Arbitraries.of("2.5.0").optional(0.2))
                .as((stable, rolling) -> new EnvironmentState("prod", stable, rolling));
        return Combinators.combine(promotions, sources, targets, Arbitraries.longs().between(0, 20_000),
                Arbitraries.of(true, false)).as((p, s, t, now, approved) -> new Case(p, s, t, T0.plusSeconds(now), approved));
    }
}
