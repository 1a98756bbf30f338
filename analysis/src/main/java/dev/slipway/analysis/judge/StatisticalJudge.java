package dev.slipway.analysis.judge;

import dev.slipway.analysis.Verdict;
import dev.slipway.model.ProviderSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Kayenta-style judgement of a canary against its baseline. Each compared metric is tested on its own
 * ({@link RankComparison} for values, {@link ProportionComparison} for failures) and classified; each group scores
 * the share of its metrics that passed; the score is the groups' weighted mean (0..100). Then, in this order:
 * <ol>
 *   <li>a critical metric classified high or low fails the canary (score 0);</li>
 *   <li>a score under {@code marginal} fails it;</li>
 *   <li>a metric without data (unless it is marked {@code noData: ignore}) makes it inconclusive — no data is
 *       never a pass;</li>
 *   <li>a score under {@code pass} is inconclusive (marginal);</li>
 *   <li>otherwise it passes.</li>
 * </ol>
 * Ignored metrics without data leave the score; a group with no metric left leaves it too.
 */
public final class StatisticalJudge {

    /** The judgement: outcome, score, and every metric's comparison. */
    public record Report(Verdict.Outcome outcome, double score, List<MetricComparison> comparisons, String summary) {
    }

    /** What canary and baseline showed of one compared metric. */
    public record Pair(Samples canary, Samples baseline) {
    }

    /** Judges one look: each test at the significance level {@code 1 - confidence}. */
    public Report judge(ProviderSpec.Statistical spec, Map<String, Pair> samples) {
        return judge(spec, samples, 1 - spec.confidence());
    }

    /**
     * Judges one look of several, each test at {@code level} (the share of the false-positive budget this look may
     * spend, see {@link AlphaSpending}).
     */
    public Report judge(ProviderSpec.Statistical spec, Map<String, Pair> samples, double level) {
        List<MetricComparison> comparisons = new ArrayList<>();
        double weighted = 0;
        double weights = 0;
        boolean criticalFailure = false;
        List<String> missing = new ArrayList<>();
        for (ProviderSpec.MetricGroup group : spec.groups()) {
            int counted = 0;
            int passed = 0;
            for (ProviderSpec.ComparedMetric metric : group.metrics()) {
                Pair pair = samples.get(metric.name());
                if (pair == null) {
                    throw new IllegalArgumentException("no samples for compared metric " + metric.name());
                }
                MetricComparison comparison = compare(group.name(), metric, pair, 1 - level);
                comparisons.add(comparison);
                if (comparison.classification() == Classification.NO_DATA) {
                    if (metric.noData() == ProviderSpec.NoData.INCONCLUSIVE) {
                        missing.add(metric.name());
                    }
                    continue;
                }
                counted++;
                if (comparison.classification() == Classification.PASS) {
                    passed++;
                } else if (metric.critical()) {
                    criticalFailure = true;
                }
            }
            if (counted > 0) {
                weighted += group.weight() * 100.0 * passed / counted;
                weights += group.weight();
            }
        }
        double score = criticalFailure ? 0 : weights == 0 ? Double.NaN : weighted / weights;
        List<String> failed = comparisons.stream().filter(c -> c.classification().failed())
                .map(c -> c.name() + " " + c.classification().name().toLowerCase()).toList();
        Verdict.Outcome outcome;
        String why;
        if (criticalFailure) {
            outcome = Verdict.Outcome.FAIL;
            why = "critical metric failed: " + String.join(", ", comparisons.stream()
                    .filter(c -> c.critical() && c.classification().failed())
                    .map(c -> c.name() + " " + c.classification().name().toLowerCase()).toList());
        } else if (!Double.isNaN(score) && score < spec.marginal()) {
            outcome = Verdict.Outcome.FAIL;
            why = String.format(Locale.ROOT, "score %.0f is below marginal %.0f (failed: %s)", score, spec.marginal(),
                    String.join(", ", failed));
        } else if (!missing.isEmpty() || Double.isNaN(score)) {
            outcome = Verdict.Outcome.INCONCLUSIVE;
            why = "no data for " + (missing.isEmpty() ? "any metric" : String.join(", ", missing));
        } else if (score < spec.pass()) {
            outcome = Verdict.Outcome.INCONCLUSIVE;
            why = String.format(Locale.ROOT, "score %.0f is marginal (pass %.0f; failed: %s)", score, spec.pass(),
                    String.join(", ", failed));
        } else {
            outcome = Verdict.Outcome.PASS;
            why = String.format(Locale.ROOT, "score %.0f", score);
        }
        return new Report(outcome, score, comparisons, why);
    }

    private static MetricComparison compare(String group, ProviderSpec.ComparedMetric metric, Pair pair,
                                            double confidence) {
        if (pair.canary() instanceof Samples.Counts canary && pair.baseline() instanceof Samples.Counts baseline) {
            return ProportionComparison.compare(metric.name(), group, canary, baseline, metric.direction(), confidence,
                    metric.effectSize(), metric.minSamples(), metric.critical());
        }
        if (pair.canary() instanceof Samples.Values canary && pair.baseline() instanceof Samples.Values baseline) {
            return RankComparison.compare(metric.name(), group, canary.values(), baseline.values(), metric.direction(),
                    confidence, metric.effectSize(), metric.minSamples(), metric.critical());
        }
        throw new IllegalArgumentException("compared metric " + metric.name() + " has samples of different kinds");
    }
}
