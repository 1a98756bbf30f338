package dev.slipway.analysis.judge;

import dev.slipway.model.ProviderSpec.Direction;
import org.apache.commons.statistics.inference.AlternativeHypothesis;
import org.apache.commons.statistics.inference.FisherExactTest;

import java.util.Locale;

/**
 * Compares the failure shares of canary and baseline with Fisher's exact test on the 2x2 table of failed and
 * good requests, and the difference of the shares as the effect size. Exact at any count, so a canary with 3
 * failures out of 150 against a baseline with none is judged as correctly as one with thousands of requests,
 * where a two-proportion z-test's normal approximation would not hold.
 */
public final class ProportionComparison {
    private ProportionComparison() {
    }

    /**
     * @param effectSize the smallest difference of failure shares that counts (0.005: half a percentage point)
     */
    public static MetricComparison compare(String name, String group, Samples.Counts canary, Samples.Counts baseline,
                                           Direction direction, double confidence, double effectSize, int minSamples,
                                           boolean critical) {
        if (canary.trials() < minSamples || baseline.trials() < minSamples) {
            return new MetricComparison(name, group, Classification.NO_DATA, critical, Double.NaN, String.format(
                    Locale.ROOT, "%d canary and %d baseline requests, %d needed on each side",
                    canary.trials(), baseline.trials(), minSamples));
        }
        int[][] table = {
                {toInt(canary.failures()), toInt(canary.trials() - canary.failures())},
                {toInt(baseline.failures()), toInt(baseline.trials() - baseline.failures())}};
        double difference = canary.share() - baseline.share();
        double alpha = 1 - confidence;
        // GREATER_THAN: the odds ratio of the table is above 1, i.e. the canary fails more often.
        double pHigher = direction == Direction.DECREASE ? Double.NaN : pValue(table,
                direction == Direction.EITHER ? AlternativeHypothesis.TWO_SIDED : AlternativeHypothesis.GREATER_THAN);
        double pLower = direction == Direction.INCREASE ? Double.NaN : (direction == Direction.EITHER ? pHigher
                : pValue(table, AlternativeHypothesis.LESS_THAN));
        Classification classification = Classification.PASS;
        double p = direction == Direction.DECREASE ? pLower : pHigher;
        if (direction != Direction.DECREASE && pHigher < alpha && difference >= effectSize) {
            classification = Classification.HIGH;
        } else if (direction != Direction.INCREASE && pLower < alpha && -difference >= effectSize) {
            classification = Classification.LOW;
            p = pLower;
        }
        String detail = String.format(Locale.ROOT, "%.2f%% vs %.2f%% failed (%+.2f points, counts from %.2f), p=%.3g,"
                        + " n=%d/%d", canary.share() * 100, baseline.share() * 100, difference * 100, effectSize * 100, p,
                canary.trials(), baseline.trials());
        return new MetricComparison(name, group, classification, critical, p, detail);
    }

    private static double pValue(int[][] table, AlternativeHypothesis alternative) {
        return FisherExactTest.withDefaults().with(alternative).test(table).getPValue();
    }

    private static int toInt(long count) {
        if (count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(count + " requests in one window is more than a test takes");
        }
        return (int) count;
    }
}
