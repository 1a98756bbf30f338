package dev.slipway.analysis.provider;

import dev.slipway.analysis.Verdict;
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
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A statistical metric: each measurement judges everything canary and baseline showed since the analysis began
 * (Kayenta's growing window: evidence adds up, so a small effect that one interval cannot show is caught by a
 * later one) — the router's per-request latencies and failures, and Prometheus series — with the
 * {@link StatisticalJudge}. The measurement's value is the score; its message lists every compared metric with its
 * numbers. At most {@value #KEPT_LATENCIES} latencies are kept per revision, a uniform sample of all seen.
 */
public final class StatisticalMeasurer implements Measurer {
    private final ProviderSpec.Statistical spec;
    private final String canary;
    private final String baseline;
    private final RequestSamples requests;
    private final Clock clock;
    private final StatisticalJudge judge = new StatisticalJudge();
    private final Map<String, PrometheusClient> prometheus = new LinkedHashMap<>();
    static final int KEPT_LATENCIES = 100_000;
    private final Instant analysisStart;
    private final Accumulated canarySeen = new Accumulated(1);
    private final Accumulated baselineSeen = new Accumulated(2);

    public StatisticalMeasurer(ProviderSpec.Statistical spec, String canary, String baseline,
                               Supplier<RequestSamples> requests, Clock clock) {
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
        this.analysisStart = clock.instant();
    }

    /** A revision's requests since the analysis began: counts of all, a uniform sample of latencies. */
    private static final class Accumulated {
        private final java.util.Random random;
        private double[] latencies = new double[1024];
        private int kept;
        private long seen;
        private long requests;
        private long errors;

        Accumulated(long seed) {
            random = new java.util.Random(seed);
        }

        void add(RequestSamples.Window window) {
            requests += window.requests();
            errors += window.errors();
            for (double latency : window.latenciesMillis()) {
                seen++;
                if (kept < KEPT_LATENCIES) {
                    if (kept == latencies.length) {
                        latencies = java.util.Arrays.copyOf(latencies, Math.min(KEPT_LATENCIES, kept * 2));
                    }
                    latencies[kept++] = latency;
                } else {
                    long slot = (long) (random.nextDouble() * seen); // reservoir sampling
                    if (slot < KEPT_LATENCIES) {
                        latencies[(int) slot] = latency;
                    }
                }
            }
        }

        double[] latencies() {
            return java.util.Arrays.copyOf(latencies, kept);
        }
    }

    @Override
    public Observation measure() throws Exception {
        Instant start = analysisStart;
        Instant end = clock.instant();
        if (requests != null) {
            RequestSamples.Window canaryWindow = requests.next(canary);
            RequestSamples.Window baselineWindow = requests.next(baseline);
            canarySeen.add(canaryWindow);
            baselineSeen.add(baselineWindow);
        }
        Map<String, StatisticalJudge.Pair> samples = new LinkedHashMap<>();
        for (ProviderSpec.MetricGroup group : spec.groups()) {
            for (ProviderSpec.ComparedMetric metric : group.metrics()) {
                samples.put(metric.name(), pair(metric, start, end));
            }
        }
        StatisticalJudge.Report report = judge.judge(spec, samples);
        Phase phase = phase(report.outcome());
        StringBuilder message = new StringBuilder(report.summary()).append(" | ").append(canary).append(" vs ")
                .append(baseline).append(": ");
        for (MetricComparison comparison : report.comparisons()) {
            message.append(comparison).append("; ");
        }
        String value = Double.isNaN(report.score()) ? "no score" : String.format(Locale.ROOT, "score %.0f", report.score());
        return Observation.decided(phase, value, message.substring(0, message.length() - 2));
    }

    private StatisticalJudge.Pair pair(ProviderSpec.ComparedMetric metric, Instant start, Instant end)
            throws PrometheusClient.PrometheusException {
        if (metric.source() instanceof ProviderSpec.PrometheusSeries series) {
            PrometheusClient client = prometheus.get(metric.name());
            return new StatisticalJudge.Pair(
                    new Samples.Values(client.range(series.query().replace("{{revision}}", canary), start, end, series.step())),
                    new Samples.Values(client.range(series.query().replace("{{revision}}", baseline), start, end, series.step())));
        }
        if (metric.source() instanceof ProviderSpec.RouterErrors) {
            return new StatisticalJudge.Pair(new Samples.Counts(canarySeen.requests, canarySeen.errors),
                    new Samples.Counts(baselineSeen.requests, baselineSeen.errors));
        }
        return new StatisticalJudge.Pair(new Samples.Values(canarySeen.latencies()),
                new Samples.Values(baselineSeen.latencies()));
    }

    private static Phase phase(Verdict.Outcome outcome) {
        return switch (outcome) {
            case PASS -> Phase.SUCCESSFUL;
            case FAIL -> Phase.FAILED;
            case INCONCLUSIVE -> Phase.INCONCLUSIVE;
        };
    }
}
