package dev.slipway.analysis.judge;

import dev.slipway.model.ProviderSpec.Direction;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Scale;
import org.apache.commons.statistics.distribution.LogNormalDistribution;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The effect size is a floor the judge keeps: a canary truly changed by less than it never fails, one changed well
 * beyond it fails once there are enough samples. The samples are the quantiles of a log-normal latency
 * distribution (a sample that looks exactly like its distribution), so each try is deterministic: at random draws
 * a true change at the floor would still fail at the significance level, which is the point of a level.
 */
class RankComparisonProperties {

    @Property(tries = 300)
    void aTrueChangeWithinTheFloorNeverFails(@ForAll @DoubleRange(min = 0.1, max = 500) double medianMillis,
                                             @ForAll @DoubleRange(min = 0.05, max = 1.5) double spread,
                                             @ForAll @IntRange(min = 20, max = 3000) int canaries,
                                             @ForAll @IntRange(min = 20, max = 3000) int baselines,
                                             @ForAll @DoubleRange(min = 1.0, max = 2.0) double floor,
                                             @ForAll @DoubleRange(min = 0, max = 1) double shareOfFloor,
                                             @ForAll @DoubleRange(min = 0.9, max = 0.99999) @Scale(5) double confidence,
                                             @ForAll Direction direction) {
        double change = Math.pow(floor, shareOfFloor); // between no change and exactly the floor
        double[] baseline = latencies(medianMillis, spread, baselines);
        double[] canary = RankComparison.scaled(latencies(medianMillis, spread, canaries),
                direction == Direction.DECREASE ? 1 / change : change);
        MetricComparison comparison = RankComparison.compare("latency", "g", canary, baseline, direction, confidence,
                floor, 10, true);
        assertThat(comparison.classification()).as(comparison.toString()).isEqualTo(Classification.PASS);
    }

    @Property(tries = 300)
    void aChangeWellBeyondTheFloorFailsWithEnoughSamples(@ForAll @DoubleRange(min = 0.1, max = 500) double medianMillis,
                                                         @ForAll @DoubleRange(min = 0.05, max = 1.0) double spread,
                                                         @ForAll @IntRange(min = 1000, max = 3000) int canaries,
                                                         @ForAll @IntRange(min = 1000, max = 3000) int baselines,
                                                         @ForAll @DoubleRange(min = 1.0, max = 2.0) double floor,
                                                         @ForAll @DoubleRange(min = 1.25, max = 3) double beyondFloor,
                                                         @ForAll @DoubleRange(min = 0.9, max = 0.999) @Scale(3) double confidence,
                                                         @ForAll Direction direction) {
        double change = floor * beyondFloor;
        double[] baseline = latencies(medianMillis, spread, baselines);
        boolean lower = direction == Direction.DECREASE;
        double[] canary = RankComparison.scaled(latencies(medianMillis, spread, canaries), lower ? 1 / change : change);
        MetricComparison comparison = RankComparison.compare("latency", "g", canary, baseline, direction, confidence,
                floor, 10, true);
        assertThat(comparison.classification()).as(comparison.toString())
                .isEqualTo(lower ? Classification.LOW : Classification.HIGH);
    }

    /** The n quantiles (i + 0.5) / n of a log-normal distribution with this median and spread (sigma of the log). */
    private static double[] latencies(double median, double spread, int n) {
        LogNormalDistribution distribution = LogNormalDistribution.of(Math.log(median), spread);
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = distribution.inverseCumulativeProbability((i + 0.5) / n);
        }
        return values;
    }
}
