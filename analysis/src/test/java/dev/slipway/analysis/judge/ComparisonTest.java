package dev.slipway.analysis.judge;

import dev.slipway.model.ProviderSpec;
import dev.slipway.model.ProviderSpec.Direction;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The two tests behind the judge, against values SciPy 1.17 computes for the same data. */
class ComparisonTest {
    // Tied values on purpose: the tie-corrected normal approximation applies.
    private static final double[] SLOWER = {12, 15, 11, 19, 14, 16, 13, 18, 17, 20, 14, 15};
    private static final double[] FASTER = {10, 11, 12, 9, 13, 11, 10, 14, 12, 11, 10, 12};

    @Test
    void mannWhitneyMatchesScipyWithTiesAndContinuityCorrection() {
        // effectSize 1: the plain test. scipy.stats.mannwhitneyu(SLOWER, FASTER, alternative='greater',
        // method='asymptotic') -> p = 0.000303126
        MetricComparison higher = RankComparison.compare("latency", "g", SLOWER, FASTER, Direction.INCREASE, 0.99, 1, 10, true);
        assertThat(higher.pValue()).isCloseTo(0.000303126, within(1e-8));
        assertThat(higher.classification()).isEqualTo(Classification.HIGH);
        // two-sided -> p = 0.000606252
        MetricComparison either = RankComparison.compare("latency", "g", SLOWER, FASTER, Direction.EITHER, 0.99, 1, 10, true);
        assertThat(either.pValue()).isCloseTo(0.000606252, within(1e-8));
        assertThat(either.classification()).isEqualTo(Classification.HIGH);
    }

    @Test
    void theCanaryIsTestedAgainstTheBaselineMadeWorseByTheEffectSize() {
        // mannwhitneyu(SLOWER, [x * 1.1 for x in FASTER], alternative='greater', method='asymptotic') -> 0.006325046
        MetricComparison beyondTenPercent = RankComparison.compare("latency", "g", SLOWER, FASTER, Direction.INCREASE,
                0.99, 1.1, 10, true);
        assertThat(beyondTenPercent.pValue()).isCloseTo(0.006325046, within(1e-8));
        assertThat(beyondTenPercent.classification()).isEqualTo(Classification.HIGH);
        // [x * 1.3 for x in FASTER] -> 0.300873711: SLOWER is 36 % slower by its medians, not surely more than 30 %
        MetricComparison beyondThirtyPercent = RankComparison.compare("latency", "g", SLOWER, FASTER,
                Direction.INCREASE, 0.99, 1.3, 10, true);
        assertThat(beyondThirtyPercent.pValue()).isCloseTo(0.300873711, within(1e-8));
        assertThat(beyondThirtyPercent.classification()).isEqualTo(Classification.PASS);
        assertThat(beyondThirtyPercent.detail()).contains("(x1.364, counts beyond x1.300)");
    }

    @Test
    void aFasterCanaryIsNotBadWhenOnlyIncreasesAre() {
        // mannwhitneyu(FASTER, [x * 1.1 for x in SLOWER], alternative='greater') -> 0.999971494
        MetricComparison comparison = RankComparison.compare("latency", "g", FASTER, SLOWER, Direction.INCREASE, 0.99, 1.1, 10, true);
        assertThat(comparison.classification()).isEqualTo(Classification.PASS);
        assertThat(comparison.pValue()).isCloseTo(0.999971494, within(1e-8));
        // mannwhitneyu(FASTER, [x / 1.1 for x in SLOWER], alternative='less') -> 0.006325046
        MetricComparison lower = RankComparison.compare("latency", "g", FASTER, SLOWER, Direction.DECREASE, 0.99, 1.1, 10, true);
        assertThat(lower.classification()).isEqualTo(Classification.LOW);
        assertThat(lower.pValue()).isCloseTo(0.006325046, within(1e-8));
    }

    @Test
    void aSignificantChangeSmallerThanTheEffectSizePasses() {
        double[] baseline = new double[2000];
        double[] canary = new double[2000];
        for (int i = 0; i < baseline.length; i++) {
            baseline[i] = 10 + (i % 100) / 100.0;
            canary[i] = baseline[i] * 1.05; // 5 % slower: with 2000 samples certainly significant, but not 10 %
        }
        assertThat(RankComparison.compare("latency", "g", canary, baseline, Direction.INCREASE, 0.99, 1, 50, true)
                .classification()).as("the plain test").isEqualTo(Classification.HIGH);
        MetricComparison comparison = RankComparison.compare("latency", "g", canary, baseline, Direction.INCREASE, 0.99, 1.1, 50, true);
        assertThat(comparison.pValue()).isGreaterThan(0.99);
        assertThat(comparison.classification()).isEqualTo(Classification.PASS);
        assertThat(comparison.detail()).contains("x1.050");
    }

    @Test
    void negativeSeriesPointsAreMovedTheSameWayAsPositiveOnes() {
        assertThat(RankComparison.scaled(new double[]{-2, 0, 2}, 1.1)).containsExactly(new double[]{-2 / 1.1, 0, 2 * 1.1}, within(1e-12));
        assertThat(RankComparison.scaled(new double[]{-2, 0, 2}, 1 / 1.1)).containsExactly(new double[]{-2 * 1.1, 0, 2 / 1.1}, within(1e-12));
    }

    @Test
    void tooFewSamplesIsNoData() {
        MetricComparison comparison = RankComparison.compare("latency", "g", SLOWER, FASTER, Direction.INCREASE, 0.99, 1.1, 50, true);
        assertThat(comparison.classification()).isEqualTo(Classification.NO_DATA);
        assertThat(comparison.detail()).isEqualTo("12 canary and 12 baseline samples, 50 needed on each side");
    }

    @Test
    void fisherMatchesScipy() {
        // scipy.stats.fisher_exact([[6, 294], [0, 300]], alternative='greater') -> p = 0.015235688
        MetricComparison six = ProportionComparison.compare("errors", "g", new Samples.Counts(300, 6),
                new Samples.Counts(300, 0), Direction.INCREASE, 0.99, 0.01, 50, true);
        assertThat(six.pValue()).isCloseTo(0.015235688, within(1e-8));
        assertThat(six.classification()).as("2 points more, but p > 0.01").isEqualTo(Classification.PASS);
        // [[3, 147], [0, 150]] -> p = 0.123745819 one-sided, 0.247491639 two-sided
        assertThat(ProportionComparison.compare("errors", "g", new Samples.Counts(150, 3), new Samples.Counts(150, 0),
                Direction.INCREASE, 0.99, 0.01, 50, true).pValue()).isCloseTo(0.123745819, within(1e-8));
        assertThat(ProportionComparison.compare("errors", "g", new Samples.Counts(150, 3), new Samples.Counts(150, 0),
                Direction.EITHER, 0.99, 0.01, 50, true).pValue()).isCloseTo(0.247491639, within(1e-8));
    }

    @Test
    void moreFailuresOnTheCanaryAreHighOnlyBeyondTheEffectSize() {
        MetricComparison high = ProportionComparison.compare("errors", "g", new Samples.Counts(2000, 50),
                new Samples.Counts(2000, 10), Direction.INCREASE, 0.99, 0.01, 50, true);
        assertThat(high.classification()).isEqualTo(Classification.HIGH);
        assertThat(high.detail()).startsWith("2.50% vs 0.50% failed (+2.00 points");
        MetricComparison small = ProportionComparison.compare("errors", "g", new Samples.Counts(200_000, 1200),
                new Samples.Counts(200_000, 1000), Direction.INCREASE, 0.99, 0.01, 50, true);
        assertThat(small.pValue()).isLessThan(0.001);
        assertThat(small.classification()).as("0.1 points is significant but below one point").isEqualTo(Classification.PASS);
    }

    /**
     * bench/analysis run 5 of 2026-12-07: a release failing 2 % of requests showed 9 failures in 963 at the last
     * look (0.93 points, its share scatters), against none on the baseline. Fisher calls that significant at the
     * last look's level; the default floor must not pass it, while 0.1 points on a huge count stays a pass.
     */
    @Test
    void aTwoPercentReleaseThatShowedUnderOnePointIsStillHighAtTheDefaultFloor() {
        double floor = ProviderSpec.RouterErrors.DEFAULT_EFFECT_SIZE;
        MetricComparison scattered = ProportionComparison.compare("errors", "g", new Samples.Counts(963, 9),
                new Samples.Counts(963, 0), Direction.INCREASE, 1 - 0.0028, floor, 50, true);
        assertThat(scattered.pValue()).isLessThan(0.0028);
        assertThat(scattered.classification()).isEqualTo(Classification.HIGH);
        MetricComparison trivial = ProportionComparison.compare("errors", "g", new Samples.Counts(200_000, 1200),
                new Samples.Counts(200_000, 1000), Direction.INCREASE, 1 - 0.0028, floor, 50, true);
        assertThat(trivial.classification()).as("0.1 points more, significant").isEqualTo(Classification.PASS);
    }
}
