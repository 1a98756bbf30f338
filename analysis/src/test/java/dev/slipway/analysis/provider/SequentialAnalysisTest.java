package dev.slipway.analysis.provider;

import dev.slipway.analysis.judge.AlphaSpending;
import dev.slipway.analysis.run.Phase;
import dev.slipway.model.ProviderSpec;
import dev.slipway.model.ProviderSpec.ComparedMetric;
import dev.slipway.model.ProviderSpec.Direction;
import dev.slipway.model.ProviderSpec.NoData;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * A statistical metric looks at a growing window several times; its looks share one false-positive budget. On
 * requests drawn from known distributions (seeded, so the counts are fixed): identical releases fail no more often
 * over a whole analysis than the budget allows, and the regressions bench/analysis measures are still caught.
 */
class SequentialAnalysisTest {

    @Test
    void theLooksOfAnAnalysisSpendExactlyItsBudgetTheLastLooksTheMost() {
        AlphaSpending six = new AlphaSpending(0.005, 6);
        double spent = 0;
        for (int look = 1; look <= 6; look++) {
            spent += six.levelAt(look);
            if (look > 1) {
                assertThat(six.levelAt(look)).isGreaterThan(six.levelAt(look - 1));
            }
        }
        assertThat(spent).isCloseTo(0.005, within(1e-12));
        assertThat(six.levelAt(7)).as("past the planned looks").isZero();
        assertThat(new AlphaSpending(0.005, 1).levelAt(1)).as("a single look spends it all").isEqualTo(0.005);
    }

    @Test
    void anAnalysisWithoutCountNeverSpendsMoreThanItsBudget() {
        AlphaSpending unbounded = new AlphaSpending(0.005, AlphaSpending.UNBOUNDED);
        double spent = 0;
        for (int look = 1; look <= 1_000_000; look++) {
            spent += unbounded.levelAt(look);
        }
        assertThat(spent).isLessThan(0.005).isGreaterThan(0.00499);
    }

    @Test
    void aBudgetOutsideZeroToOneIsRefused() {
        assertThatThrownBy(() -> new AlphaSpending(1, 3)).hasMessageContaining("between 0 and 1");
        assertThatThrownBy(() -> new AlphaSpending(0.01, 0)).hasMessageContaining("at least one look");
    }

    /**
     * With effect sizes that let every significant difference count, only the p-values decide: a level of 1 %
     * at each of six looks would fail far more than 1 % of identical releases, the shared budget fails fewer.
     */
    @Test
    void identicalReleasesFailAtMostTheBudgetOverAllLooks() throws Exception {
        ProviderSpec.Statistical judge = judge(0.99, 1.0, 0.0);
        Random random = new Random(7);
        int failed = 0;
        int analyses = 1000;
        for (int i = 0; i < analyses; i++) {
            if (analyse(judge, random, 6, 150, 1.0, 0.01, 0.01) > 0) {
                failed++;
            }
        }
        // two metrics with a budget of 1 % each: at most 2 % by the union bound
        assertThat(failed).as("identical releases failed of " + analyses).isLessThanOrEqualTo(20);
    }

    @Test
    void thirtyPercentSlowerIsCaughtInNineteenOfTwentyAnalysesAtTheDefaults() throws Exception {
        assertThat(caught(new Random(8), 100, 1.3, 0.005)).as("+30 % median caught of 200 analyses of 4 x 100 requests")
                .isGreaterThanOrEqualTo(190);
    }

    @Test
    void twoPointsMoreErrorsAreCaughtInNineteenOfTwentyAnalysesAtTheDefaults() throws Exception {
        assertThat(caught(new Random(9), 400, 1.0, 0.025)).as("+2 points of errors caught of 200 analyses of 4 x 400 requests")
                .isGreaterThanOrEqualTo(190);
    }

    /** Of 200 analyses of four looks at the default judge, how many failed a canary this much worse. */
    private static int caught(Random random, int perLook, double slower, double canaryErrors) throws Exception {
        ProviderSpec.Statistical judge = judge(ProviderSpec.Statistical.DEFAULT_CONFIDENCE,
                ProviderSpec.RouterLatency.DEFAULT_EFFECT_SIZE, ProviderSpec.RouterErrors.DEFAULT_EFFECT_SIZE);
        int caught = 0;
        for (int i = 0; i < 200; i++) {
            caught += analyse(judge, random, 4, perLook, slower, canaryErrors, 0.005) > 0 ? 1 : 0;
        }
        return caught;
    }

    private static ProviderSpec.Statistical judge(double confidence, double latencyEffect, double errorEffect) {
        return new ProviderSpec.Statistical("b", "c", confidence, 75, 95, List.of(
                new ProviderSpec.MetricGroup("latency", 1, List.of(new ComparedMetric("latency",
                        new ProviderSpec.RouterLatency(), Direction.INCREASE, latencyEffect, true, NoData.INCONCLUSIVE, 50))),
                new ProviderSpec.MetricGroup("errors", 1, List.of(new ComparedMetric("errors",
                        new ProviderSpec.RouterErrors(), Direction.INCREASE, errorEffect, true, NoData.INCONCLUSIVE, 50)))));
    }

    /**
     * One analysis of {@code looks} looks, {@code perLook} more requests a side before each: lognormal latencies
     * (the canary's median {@code slower} times the baseline's) and failures at the given shares.
     *
     * @return the look that failed the canary, or 0
     */
    private static int analyse(ProviderSpec.Statistical judge, Random random, int looks, int perLook, double slower,
                               double canaryErrors, double baselineErrors) throws Exception {
        Side canary = new Side();
        Side baseline = new Side();
        RequestSamples requests = (start, revisions) -> Map.of("c", canary.window(), "b", baseline.window());
        try (StatisticalMeasurer measurer = new StatisticalMeasurer(judge, "c", "b", () -> requests, Clock.systemUTC(), looks)) {
            for (int look = 1; look <= looks; look++) {
                canary.add(random, perLook, 10 * slower, canaryErrors);
                baseline.add(random, perLook, 10, baselineErrors);
                Phase phase = measurer.measure().decided().orElseThrow();
                assertThat(phase).isNotEqualTo(Phase.INCONCLUSIVE);
                if (phase == Phase.FAILED) {
                    return look;
                }
            }
        }
        return 0;
    }

    private static final class Side {
        double[] latencies = new double[0];
        long requests;
        long errors;

        void add(Random random, int count, double median, double errorShare) {
            int size = latencies.length;
            latencies = Arrays.copyOf(latencies, size + count);
            for (int i = size; i < latencies.length; i++) {
                latencies[i] = Math.round(median * Math.exp(0.5 * random.nextGaussian()) * 1000) / 1000.0;
                errors += random.nextDouble() < errorShare ? 1 : 0;
            }
            requests += count;
        }

        RequestSamples.Window window() {
            return new RequestSamples.Window(latencies.clone(), requests, errors);
        }
    }
}
