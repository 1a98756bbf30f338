package dev.slipway.analysis.judge;

import dev.slipway.model.ProviderSpec.Direction;
import org.apache.commons.statistics.inference.AlternativeHypothesis;
import org.apache.commons.statistics.inference.MannWhitneyUTest;

import java.util.Arrays;
import java.util.Locale;

/**
 * Compares two samples of a continuous metric (latencies, time-series points) with the Mann-Whitney U test, and
 * fails the canary only when it is significantly worse than the baseline <em>made worse by the effect size</em>:
 * for latencies, when the canary is significantly slower than the baseline slowed by {@code effectSize} (1.1: 10 %).
 * That is the test of "the release is at least 10 % slower", not of "these two processes differ": two processes of
 * the same build differ by a few percent in median latency (their warm-up, their share of the machine), and with a
 * thousand requests a side the plain test calls such a difference significant. By the duality of the U test and
 * the Hodges-Lehmann estimate, it fails exactly when the whole confidence interval of the canary-to-baseline
 * ratio lies above the effect size; a true ratio at or below it fails at most at the significance level.
 *
 * <p>Mann-Whitney makes no assumption about the shape of the distributions (latencies are skewed and
 * heavy-tailed) and is not swayed by a few outliers; the ratio of medians is the effect a user can read ("the
 * canary's median is 31 % higher"). Commons Statistics computes U with tie-corrected variance and a continuity
 * correction (the normal approximation), and the exact distribution for small samples without ties.
 */
public final class RankComparison {
    private RankComparison() {
    }

    /**
     * @param effectSize the ratio the canary must be significantly beyond to count (1.1: more than 10 % higher,
     *                   or less than 1/1.1 lower); 1 tests any difference
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
        // Either direction spends half the level on each side (a two-sided test at the level).
        double sides = direction == Direction.EITHER ? 2 : 1;
        double pHigher = direction == Direction.DECREASE ? Double.NaN : Math.min(1, sides
                * pValue(canary, scaled(baseline, effectSize), AlternativeHypothesis.GREATER_THAN));
        double pLower = direction == Direction.INCREASE ? Double.NaN : Math.min(1, sides
                * pValue(canary, scaled(baseline, 1 / effectSize), AlternativeHypothesis.LESS_THAN));
        Classification classification = Classification.PASS;
        double p = direction == Direction.DECREASE ? pLower : pHigher;
        if (pHigher < alpha) {
            classification = Classification.HIGH;
        } else if (pLower < alpha) {
            classification = Classification.LOW;
            p = pLower;
        } else if (direction == Direction.EITHER) {
            p = Math.min(pHigher, pLower);
        }
        String detail = String.format(Locale.ROOT, "median %s vs %s (x%.3f, counts beyond x%s), p=%.3g, n=%d/%d",
                format(canaryMedian), format(baselineMedian), ratio, format(effectSize), p, canary.length, baseline.length);
        return new MetricComparison(name, group, classification, critical, p, detail);
    }

    /**
     * Every value moved up by a factor above 1 (down by one below 1): a positive value multiplied, a negative series
     * point divided, so the map stays increasing and moves every value the same way.
     */
    static double[] scaled(double[] values, double factor) {
        double[] scaled = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            scaled[i] = values[i] >= 0 ? values[i] * factor : values[i] / factor;
        }
        return scaled;
    }

    private static double pValue(double[] canary, double[] baseline, AlternativeHypothesis alternative) {
        return MannWhitneyUTest.withDefaults().with(alternative).test(canary, baseline).getPValue();
    }

    public static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static String format(double value) {
        return String.format(Locale.ROOT, "%.4g", value);
    }
}
