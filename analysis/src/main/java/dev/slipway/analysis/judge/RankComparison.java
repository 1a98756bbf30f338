package dev.slipway.analysis.judge;

import dev.slipway.model.ProviderSpec.Direction;
import org.apache.commons.statistics.inference.AlternativeHypothesis;
import org.apache.commons.statistics.inference.MannWhitneyUTest;

import java.util.Arrays;
import java.util.Locale;

/**
 * Compares two samples of a continuous metric (latencies, time-series points) with the Mann-Whitney U test and
 * the ratio of their medians. Mann-Whitney makes no assumption about the shape of the distributions (latencies
 * are skewed and heavy-tailed) and is not swayed by a few outliers; the ratio of medians is the effect size a
 * user can read ("the canary's median is 31 % higher"). Commons Statistics computes U with tie-corrected
 * variance and a continuity correction (the normal approximation), and the exact distribution for small samples
 * without ties.
 */
public final class RankComparison {
    private RankComparison() {
    }

    /**
     * @param effectSize the smallest ratio of medians that counts (1.1: 10 % higher, or 1/1.1 lower)
     */
    public static MetricComparison compare(String name, String group, double[] canary, double[] baseline,
                                           Direction direction, double confidence, double effectSize, int minSamples,
                                           boolean critical) {
        if (canary.length < minSamples || baseline.length < minSamples) {
            return new MetricComparison(name, group, Classification.NO_DATA, critical, Double.NaN, String.format(
                    Locale.ROOT, "%d canary and %d baseline samples, %d needed on each side",
                    canary.length, baseline.length, minSamples));
        }
        double canaryMedian = median(canary);
        double baselineMedian = median(baseline);
        double ratio = baselineMedian == 0 ? (canaryMedian == 0 ? 1 : Double.POSITIVE_INFINITY) : canaryMedian / baselineMedian;
        double alpha = 1 - confidence;
        double pHigher = direction == Direction.DECREASE ? Double.NaN : pValue(canary, baseline,
                direction == Direction.EITHER ? AlternativeHypothesis.TWO_SIDED : AlternativeHypothesis.GREATER_THAN);
        double pLower = direction == Direction.INCREASE ? Double.NaN : (direction == Direction.EITHER ? pHigher
                : pValue(canary, baseline, AlternativeHypothesis.LESS_THAN));
        Classification classification = Classification.PASS;
        double p = direction == Direction.DECREASE ? pLower : pHigher;
        if (direction != Direction.DECREASE && pHigher < alpha && ratio >= effectSize) {
            classification = Classification.HIGH;
        } else if (direction != Direction.INCREASE && pLower < alpha && ratio <= 1 / effectSize) {
            classification = Classification.LOW;
            p = pLower;
        }
        String detail = String.format(Locale.ROOT, "median %s vs %s (x%.3f, counts from x%s), p=%.3g, n=%d/%d",
                format(canaryMedian), format(baselineMedian), ratio, format(effectSize), p, canary.length, baseline.length);
        return new MetricComparison(name, group, classification, critical, p, detail);
    }

    private static double pValue(double[] canary, double[] baseline, AlternativeHypothesis alternative) {
        return MannWhitneyUTest.withDefaults().with(alternative).test(canary, baseline).getPValue();
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static String format(double value) {
        return String.format(Locale.ROOT, "%.4g", value);
    }
}
