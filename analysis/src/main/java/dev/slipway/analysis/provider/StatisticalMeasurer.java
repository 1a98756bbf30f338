package dev.slipway.analysis.provider;

import dev.slipway.analysis.Verdict;
import dev.slipway.analysis.judge.AlphaSpending;
import dev.slipway.analysis.judge.MetricComparison;
import dev.slipway.analysis.judge.Samples;
import dev.slipway.analysis.judge.StatisticalJudge;
import dev.slipway.analysis.run.Measurer;
import dev.slipway.analysis.run.Observation;
import dev.slipway.analysis.run.Phase;
import dev.slipway.model.ProviderSpec;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A statistical metric: each measurement judges everything canary and baseline showed since the analysis began
 * (Kayenta's growing window: evidence adds up, so a small effect that one interval cannot show is caught by a
 * later one) — the router's per-request latencies and failures, and Prometheus series — with the
 * {@link StatisticalJudge}. The window is read whole at each measurement, so canary and baseline always cover the
 * same time. Looking again at a growing window is a sequential test: each look spends a share of the
 * false-positive budget {@code 1 - confidence} ({@link AlphaSpending} over the metric's {@code count}), so a good
 * canary fails no more often over the whole analysis than the budget says. The measurement's value is the score;
 * its message lists every compared metric with its numbers.
 */
public final class StatisticalMeasurer implements Measurer {
    private final ProviderSpec.Statistical spec;
    private final String canary;
    private final String baseline;
    private final RequestSamples requests;
    private final Clock clock;
    private final StatisticalJudge judge = new StatisticalJudge();
    private final Map<String, PrometheusClient> prometheus = new LinkedHashMap<>();
    private final Instant analysisStart;
    private final AlphaSpending spending;
    private int looks;

    /**
     * @param plannedLooks the metric's {@code count}, or {@link AlphaSpending#UNBOUNDED} when it measures until the
     *                     analysis is stopped
     */
    public StatisticalMeasurer(ProviderSpec.Statistical spec, String canary, String baseline,
                               Supplier<RequestSamples> requests, Clock clock, int plannedLooks) {
        if (canary.equals(baseline)) {
            throw new IllegalArgumentException("canary and baseline are both " + canary + "; compare two revisions");
        }
        this.spec = spec;
        this.canary = canary;
        this.baseline = baseline;
        this.clock = clock;
        boolean usesRouter = spec.groups().stream().flatMap(group -> group.metrics().stream())
                .anyMatch(metric -> !(metric.source() instanceof ProviderSpec.PrometheusSeries));
        this.requests = usesRouter ? requests.get() : null;
        for (ProviderSpec.MetricGroup group : spec.groups()) {
            for (ProviderSpec.ComparedMetric metric : group.metrics()) {
                if (metric.source() instanceof ProviderSpec.PrometheusSeries series) {
                    prometheus.put(metric.name(), new PrometheusClient(series.address(), ProviderSpec.Prometheus.DEFAULT_TIMEOUT));
                }
            }
        }
        this.spending = new AlphaSpending(1 - spec.confidence(), plannedLooks);
        this.analysisStart = clock.instant();
    }

    @Override
    public Observation measure() throws Exception {
        Instant end = clock.instant();
        Map<String, RequestSamples.Window> seen = requests == null ? Map.of()
                : requests.since(analysisStart, List.of(canary, baseline));
        Map<String, StatisticalJudge.Pair> samples = new LinkedHashMap<>();
        for (ProviderSpec.MetricGroup group : spec.groups()) {
            for (ProviderSpec.ComparedMetric metric : group.metrics()) {
                samples.put(metric.name(), pair(metric, seen, end));
            }
        }
        int look = ++looks;
        double level = spending.levelAt(look);
        StatisticalJudge.Report report = judge.judge(spec, samples, level);
        StringBuilder message = new StringBuilder(report.summary()).append(" | ").append(canary).append(" vs ")
                .append(baseline).append(describeLook(look, level)).append(": ");
        for (MetricComparison comparison : report.comparisons()) {
            message.append(comparison).append("; ");
        }
        String value = Double.isNaN(report.score()) ? "no score" : String.format(Locale.ROOT, "score %.0f", report.score());
        return Observation.decided(phase(report.outcome()), value, message.substring(0, message.length() - 2));
    }

    private StatisticalJudge.Pair pair(ProviderSpec.ComparedMetric metric, Map<String, RequestSamples.Window> seen,
                                       Instant end) throws PrometheusClient.PrometheusException {
        if (metric.source() instanceof ProviderSpec.PrometheusSeries series) {
            PrometheusClient client = prometheus.get(metric.name());
            return new StatisticalJudge.Pair(
                    new Samples.Values(client.range(series.query().replace("{{revision}}", canary), analysisStart, end, series.step())),
                    new Samples.Values(client.range(series.query().replace("{{revision}}", baseline), analysisStart, end, series.step())));
        }
        RequestSamples.Window canaryWindow = seen.getOrDefault(canary, new RequestSamples.Window(new double[0], 0, 0));
        RequestSamples.Window baselineWindow = seen.getOrDefault(baseline, new RequestSamples.Window(new double[0], 0, 0));
        if (metric.source() instanceof ProviderSpec.RouterErrors) {
            return new StatisticalJudge.Pair(new Samples.Counts(canaryWindow.requests(), canaryWindow.errors()),
                    new Samples.Counts(baselineWindow.requests(), baselineWindow.errors()));
        }
        return new StatisticalJudge.Pair(new Samples.Values(canaryWindow.latenciesMillis()),
                new Samples.Values(baselineWindow.latenciesMillis()));
    }

    /** Which look this is and the level it tests at; nothing for an analysis of one look. */
    private String describeLook(int look, double level) {
        if (spending.plannedLooks() == 1) {
            return "";
        }
        String of = spending.plannedLooks() == AlphaSpending.UNBOUNDED ? "" : " of " + spending.plannedLooks();
        return String.format(Locale.ROOT, ", look %d%s at p < %.2g", look, of, level);
    }

    private static Phase phase(Verdict.Outcome outcome) {
        return switch (outcome) {
            case PASS -> Phase.SUCCESSFUL;
            case FAIL -> Phase.FAILED;
            case INCONCLUSIVE -> Phase.INCONCLUSIVE;
        };
    }
}
