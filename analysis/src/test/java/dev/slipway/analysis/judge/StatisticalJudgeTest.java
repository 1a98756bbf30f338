package dev.slipway.analysis.judge;

import dev.slipway.analysis.Verdict;
import dev.slipway.model.ProviderSpec;
import dev.slipway.model.ProviderSpec.ComparedMetric;
import dev.slipway.model.ProviderSpec.Direction;
import dev.slipway.model.ProviderSpec.NoData;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Scoring, critical metrics and no-data handling, then the judge's error rates on samples drawn from known
 * distributions (seeded, so the counts are fixed): the real-traffic figures are bench/analysis's job.
 */
class StatisticalJudgeTest {
    private static final ComparedMetric LATENCY = new ComparedMetric("latency", new ProviderSpec.RouterLatency(),
            Direction.INCREASE, ProviderSpec.RouterLatency.DEFAULT_EFFECT_SIZE, true, NoData.INCONCLUSIVE, 50);
    private static final ComparedMetric ERRORS = new ComparedMetric("errors", new ProviderSpec.RouterErrors(),
            Direction.INCREASE, ProviderSpec.RouterErrors.DEFAULT_EFFECT_SIZE, true, NoData.INCONCLUSIVE, 50);
    /** The judge the README recommends: latency and errors, both critical. */
    private static final ProviderSpec.Statistical DEFAULT = new ProviderSpec.Statistical("{{args.baseline}}",
            "{{args.canary}}", ProviderSpec.Statistical.DEFAULT_CONFIDENCE, 75, 95, List.of(new ProviderSpec.MetricGroup("latency", 1, List.of(LATENCY)),
            new ProviderSpec.MetricGroup("errors", 1, List.of(ERRORS))));

    private final StatisticalJudge judge = new StatisticalJudge();

    /** Lognormal latencies (median {@code median} ms, a long tail) and failures at {@code errorShare}. */
    private static Map<String, StatisticalJudge.Pair> traffic(Random random, int requests, double canaryMedian,
                                                              double canaryErrors, double baselineErrors) {
        return Map.of("latency", new StatisticalJudge.Pair(latencies(random, requests, canaryMedian),
                        latencies(random, requests, 10)),
                "errors", new StatisticalJudge.Pair(failures(random, requests, canaryErrors),
                        failures(random, requests, baselineErrors)));
    }

    private static Samples.Values latencies(Random random, int count, double median) {
        double[] values = new double[count];
        for (int i = 0; i < count; i++) {
            values[i] = Math.round(median * Math.exp(0.5 * random.nextGaussian()) * 1000) / 1000.0; // µs resolution
        }
        return new Samples.Values(values);
    }

    private static Samples.Counts failures(Random random, int count, double share) {
        long failed = 0;
        for (int i = 0; i < count; i++) {
            failed += random.nextDouble() < share ? 1 : 0;
        }
        return new Samples.Counts(count, failed);
    }

    @Test
    void identicalTrafficPassesWithFullScore() {
        StatisticalJudge.Report report = judge.judge(DEFAULT, traffic(new Random(1), 500, 10, 0.005, 0.005));
        assertThat(report.outcome()).isEqualTo(Verdict.Outcome.PASS);
        assertThat(report.score()).isEqualTo(100);
    }

    @Test
    void aCriticalMetricFailingFailsWhateverTheScore() {
        StatisticalJudge.Report report = judge.judge(DEFAULT, traffic(new Random(2), 500, 13, 0.005, 0.005));
        assertThat(report.outcome()).isEqualTo(Verdict.Outcome.FAIL);
        assertThat(report.score()).isZero();
        assertThat(report.summary()).isEqualTo("critical metric failed: latency high");
    }

    @Test
    void groupsAreWeighedAndTheScoreIsHeldAgainstMarginalAndPass() {
        ComparedMetric latency = new ComparedMetric("latency", new ProviderSpec.RouterLatency(), Direction.INCREASE,
                1.1, false, NoData.INCONCLUSIVE, 50);
        ComparedMetric errors = new ComparedMetric("errors", new ProviderSpec.RouterErrors(), Direction.INCREASE,
                0.01, false, NoData.INCONCLUSIVE, 50);
        ProviderSpec.Statistical weighted = new ProviderSpec.Statistical("b", "c", 0.99, 50, 90, List.of(
                new ProviderSpec.MetricGroup("latency", 3, List.of(latency)),
                new ProviderSpec.MetricGroup("errors", 1, List.of(errors))));

        StatisticalJudge.Report slower = judge.judge(weighted, traffic(new Random(3), 500, 13, 0.005, 0.005));
        assertThat(slower.score()).isEqualTo(25);
        assertThat(slower.outcome()).isEqualTo(Verdict.Outcome.FAIL);
        assertThat(slower.summary()).isEqualTo("score 25 is below marginal 50 (failed: latency high)");

        StatisticalJudge.Report failing = judge.judge(weighted, traffic(new Random(4), 2000, 10, 0.03, 0.005));
        assertThat(failing.score()).isEqualTo(75);
        assertThat(failing.outcome()).isEqualTo(Verdict.Outcome.INCONCLUSIVE);
        assertThat(failing.summary()).isEqualTo("score 75 is marginal (pass 90; failed: errors high)");
    }

    @Test
    void noDataIsInconclusiveUnlessTheMetricMayBeIgnored() {
        Map<String, StatisticalJudge.Pair> quiet = Map.of(
                "latency", new StatisticalJudge.Pair(new Samples.Values(new double[10]), new Samples.Values(new double[10])),
                "errors", new StatisticalJudge.Pair(new Samples.Counts(10, 0), new Samples.Counts(10, 0)));
        StatisticalJudge.Report report = judge.judge(DEFAULT, quiet);
        assertThat(report.outcome()).isEqualTo(Verdict.Outcome.INCONCLUSIVE);
        assertThat(report.summary()).isEqualTo("no data for latency, errors");

        ComparedMetric optional = new ComparedMetric("cpu", new ProviderSpec.PrometheusSeries("http://p", "x{{revision}}",
                java.time.Duration.ofSeconds(5)), Direction.INCREASE, 1.1, false, NoData.IGNORE, 5);
        ProviderSpec.Statistical withOptional = new ProviderSpec.Statistical("b", "c", 0.99, 75, 95, List.of(
                new ProviderSpec.MetricGroup("latency", 1, List.of(LATENCY)),
                new ProviderSpec.MetricGroup("cpu", 1, List.of(optional))));
        Random random = new Random(5);
        StatisticalJudge.Report ignored = judge.judge(withOptional, Map.of(
                "latency", new StatisticalJudge.Pair(latencies(random, 500, 10), latencies(random, 500, 10)),
                "cpu", new StatisticalJudge.Pair(new Samples.Values(new double[0]), new Samples.Values(new double[0]))));
        assertThat(ignored.outcome()).isEqualTo(Verdict.Outcome.PASS);
        assertThat(ignored.score()).isEqualTo(100);
    }

    @Test
    void onIdenticalDistributionsFewerThanOneInAHundredJudgementsFail() {
        Random random = new Random(42);
        int failed = 0;
        for (int i = 0; i < 1000; i++) {
            if (judge.judge(DEFAULT, traffic(random, 500, 10, 0.005, 0.005)).outcome() == Verdict.Outcome.FAIL) {
                failed++;
            }
        }
        assertThat(failed).as("false positives in 1000 A/A judgements").isLessThanOrEqualTo(10);
    }

    @Test
    void aThirtyPercentSlowerMedianInFiveHundredRequestsIsCaughtInNineteenOfTwentyJudgements() {
        Random random = new Random(43);
        int caught = 0;
        for (int i = 0; i < 200; i++) {
            if (judge.judge(DEFAULT, traffic(random, 500, 13, 0.005, 0.005)).outcome() == Verdict.Outcome.FAIL) {
                caught++;
            }
        }
        assertThat(caught).as("+30 % median caught of 200").isGreaterThanOrEqualTo(190);
    }

    @Test
    void twoPointsMoreErrorsInTwoThousandRequestsAreCaughtInNineteenOfTwentyJudgements() {
        Random random = new Random(44);
        int caught = 0;
        for (int i = 0; i < 200; i++) {
            if (judge.judge(DEFAULT, traffic(random, 2000, 10, 0.025, 0.005)).outcome() == Verdict.Outcome.FAIL) {
                caught++;
            }
        }
        assertThat(caught).as("+2 points of errors caught of 200").isGreaterThanOrEqualTo(190);
    }
}
