package dev.slipway.controller.strategy;

import dev.slipway.analysis.Verdict;
import dev.slipway.controller.store.RolloutPhase;
import dev.slipway.controller.store.RolloutRecord;
import dev.slipway.model.AnalysisSpec;
import dev.slipway.model.StrategySpec;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class RollingTest {

    /** A fake fleet: counts replicas of each release and remembers the extremes the strategy produced. */
    private static final class Fleet implements RolloutActions {
        int fresh;
        int old;
        int most;
        int fewest = Integer.MAX_VALUE;
        int failAtNew = -1;

        Fleet(int old) { this.old = old; }

        private void observe() {
            most = Math.max(most, fresh + old);
            fewest = Math.min(fewest, fresh + old);
        }
        @Override public void setWeight(int percent) { }
        @Override public void balanceByReplicas() { }
        @Override public void setHeaderRoute(String header, String value) { }
        @Override public void previewNew() { }
        @Override public Optional<String> scaleNew(int replicas) {
            if (failAtNew >= 0 && replicas > failAtNew) return Optional.of("replica never ready");
            fresh = replicas; observe(); return Optional.empty();
        }
        @Override public Optional<String> scaleOld(int replicas) { old = replicas; observe(); return Optional.empty(); }
        @Override public int readyNew() { return fresh; }
        @Override public int readyOld() { return old; }
        @Override public boolean pause(Optional<Duration> duration) { return true; }
        @Override public Verdict analyze(AnalysisSpec spec) { throw new AssertionError("rolling has no analysis"); }
        @Override public RolloutRecord transition(RolloutRecord next, String event) { return next; }
        @Override public boolean fullPromotionRequested() { return false; }
        @Override public Optional<String> stopReason() { return Optional.empty(); }
    }

    private static RolloutRecord fresh() {
        Instant now = Instant.now();
        return new RolloutRecord(1, "orders", "1.0.0", "2.0.0", RolloutPhase.PROGRESSING, 0, 0, "", now, now);
    }

    @Property
    void replicasStayWithinSurgeAndUnavailabilityAndEveryOldOneIsReplaced(
            @ForAll @IntRange(min = 1, max = 8) int replicas, @ForAll @IntRange(min = 0, max = 3) int surge,
            @ForAll @IntRange(min = 0, max = 3) int unavailable) {
        if (surge == 0 && unavailable == 0) {
            return; // refused by the spec parser
        }
        Fleet fleet = new Fleet(replicas);
        Rolling rolling = new Rolling(new StrategySpec.Rolling(new StrategySpec.Quantity(surge, false),
                new StrategySpec.Quantity(unavailable, false)), replicas, Clock.systemUTC());

        RolloutRecord ended = rolling.run(fresh(), fleet);

        assertThat(ended.phase()).isEqualTo(RolloutPhase.PROMOTED);
        assertThat(fleet.fresh).isEqualTo(replicas);
        assertThat(fleet.old).isZero();
        assertThat(fleet.most).isLessThanOrEqualTo(replicas + surge);
        assertThat(fleet.fewest).isGreaterThanOrEqualTo(Math.max(0, replicas - unavailable));
    }

    @Property
    void aReplicaThatNeverBecomesReadyAbortsWithOldStillServing(@ForAll @IntRange(min = 2, max = 6) int replicas) {
        Fleet fleet = new Fleet(replicas);
        fleet.failAtNew = 1;
        Rolling rolling = new Rolling(new StrategySpec.Rolling(new StrategySpec.Quantity(1, false),
                new StrategySpec.Quantity(0, false)), replicas, Clock.systemUTC());

        RolloutRecord ended = rolling.run(fresh(), fleet);

        assertThat(ended.phase()).isEqualTo(RolloutPhase.ABORTED);
        assertThat(ended.message()).contains("never ready");
        assertThat(fleet.old).isGreaterThanOrEqualTo(replicas - 1);
    }
}
