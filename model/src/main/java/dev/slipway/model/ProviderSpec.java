package dev.slipway.model;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where a metric's measurements come from. Text fields may hold {@code {{args.NAME}}} placeholders, filled
 * in when the analysis starts.
 */
public sealed interface ProviderSpec {

    /** The provider's name as written in the spec. */
    String kind();

    /**
     * True when a measurement covers the time since the previous one (the analysis' start, for the first): such a
     * metric takes its first measurement one interval after the start, not at once over an empty window.
     */
    default boolean windowed() {
        return false;
    }

    /** A PromQL instant query against a Prometheus server's HTTP API; the result is a number or a list. */
    record Prometheus(String address, String query, Duration timeout) implements ProviderSpec {
        public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

        @Override
        public String kind() {
            return "prometheus";
        }
    }

    /**
     * An HTTP GET or POST answering JSON; {@code jsonPath} picks the result out of it (the whole document when
     * empty). A status other than 2xx is an error.
     */
    record Web(String url, String method, Map<String, String> headers, Optional<String> body, Optional<String> jsonPath,
               Duration timeout) implements ProviderSpec {
        public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

        public Web {
            headers = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(headers));
        }

        @Override
        public String kind() {
            return "web";
        }
    }

    /** A command run on Slipway's machine: exit status 0 succeeds, anything else fails; its output is kept. */
    record Job(List<String> command, Map<String, String> env, Duration timeout) implements ProviderSpec {
        public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(1);

        public Job {
            command = List.copyOf(command);
            env = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(env));
        }

        @Override
        public String kind() {
            return "job";
        }
    }

    /** The built-in router's own counters for one revision, over the time since the previous measurement. */
    record Router(RouterMetric metric, String revision, long minRequests) implements ProviderSpec {
        public static final long DEFAULT_MIN_REQUESTS = 50;

        @Override
        public boolean windowed() {
            return true;
        }

        @Override
        public String kind() {
            return "router";
        }
    }

    /** What {@link Router} reports. */
    enum RouterMetric {
        ERROR_RATE("errorRate"), REQUESTS("requests"), LATENCY_P50("latencyP50"), LATENCY_P90("latencyP90"),
        LATENCY_P99("latencyP99");

        private final String spec;

        RouterMetric(String spec) {
            this.spec = spec;
        }

        public String spec() {
            return spec;
        }

        public static Optional<RouterMetric> of(String spec) {
            return Arrays.stream(values()).filter(m -> m.spec.equals(spec)).findFirst();
        }
    }

    /**
     * What a revision does to the database, read from the server's statistics for the sessions whose
     * {@code application_name} is {@code <service>/<revision>}. Sampled measures look at the database every
     * {@code sampleEvery} for {@code window}; counters and gauges are read once per measurement.
     */
    record Database(DatabaseMeasure measure, String revision, double quantile, Duration window, Duration sampleEvery)
            implements ProviderSpec {
        public static final double DEFAULT_QUANTILE = 0.99;
        public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(5);
        public static final Duration DEFAULT_SAMPLE_EVERY = Duration.ofMillis(100);

        @Override
        public boolean windowed() {
            return measure == DatabaseMeasure.DEADLOCKS || measure == DatabaseMeasure.STATEMENT_ERRORS
                    || measure == DatabaseMeasure.BACKFILL_RATE;
        }

        @Override
        public String kind() {
            return "database";
        }
    }

    /** The database gates: each names what it reports. */
    enum DatabaseMeasure {
        /** Milliseconds the revision's sessions waited for locks (the quantile over the waits seen). */
        LOCK_WAIT("lockWait", true),
        /** Milliseconds other sessions waited for locks the revision's sessions held (quantile over the waits). */
        LOCK_WAIT_CAUSED("lockWaitCaused", true),
        /** The most sessions blocked at once by the revision's sessions. */
        BLOCKED_SESSIONS("blockedSessions", true),
        /** Seconds of the longest open transaction of the revision's sessions. */
        LONGEST_TRANSACTION("longestTransaction", true),
        /** The most connections the revision held at once. */
        CONNECTIONS("connections", true),
        /** Deadlocks in the whole database per minute since the previous measurement (PostgreSQL counts them per database). */
        DEADLOCKS("deadlocks", false),
        /** Rolled-back transactions in the whole database per second since the previous measurement. */
        STATEMENT_ERRORS("statementErrors", false),
        /** Seconds the most lagging replica is behind (replay lag on the primary, or on a standby itself). */
        REPLICATION_LAG("replicationLag", false),
        /** Share (0..1) of the rows the migration in flight has backfilled; no migration in flight is no data. */
        BACKFILL_PROGRESS("backfillProgress", false),
        /** Rows per second the backfill moved since the previous measurement. */
        BACKFILL_RATE("backfillRate", false);

        private final String spec;
        private final boolean sampled;

        DatabaseMeasure(String spec, boolean sampled) {
            this.spec = spec;
            this.sampled = sampled;
        }

        public String spec() {
            return spec;
        }

        /** True for measures taken by looking at the sessions repeatedly over the provider's window. */
        public boolean sampled() {
            return sampled;
        }

        public static Optional<DatabaseMeasure> of(String spec) {
            return Arrays.stream(values()).filter(m -> m.spec.equals(spec)).findFirst();
        }
    }

    /**
     * Kayenta-style canary judge: compares the canary with a baseline metric by metric with a statistical test,
     * scores the metric groups by weight (0..100), and decides: a failed critical metric or a score under
     * {@code marginal} fails, a score under {@code pass} is inconclusive, otherwise it passes.
     *
     * @param confidence 1 - the false-positive budget of each compared metric over the whole analysis: its looks
     *                   (the metric's {@code count}) share the budget, so a good canary fails on a metric in at most
     *                   {@code 1 - confidence} of analyses whatever the number of looks; with the default two critical
     *                   metrics (latency and errors) at 0.995, in at most 1 %. A single look tests at
     *                   {@code p < 1 - confidence}.
     */
    record Statistical(String baseline, String canary, double confidence, double marginal, double pass,
                       List<MetricGroup> groups) implements ProviderSpec {
        public static final double DEFAULT_CONFIDENCE = 0.995;
        public static final double DEFAULT_MARGINAL = 75;
        public static final double DEFAULT_PASS = 95;

        public Statistical {
            groups = List.copyOf(groups);
        }

        @Override
        public boolean windowed() {
            return true;
        }

        @Override
        public String kind() {
            return "statistical";
        }
    }

    /** Metrics scored together; a group's score is the share of its metrics that passed, weighed by {@code weight}. */
    record MetricGroup(String name, double weight, List<ComparedMetric> metrics) {
        public MetricGroup {
            metrics = List.copyOf(metrics);
        }
    }

    /**
     * One metric compared between canary and baseline.
     *
     * @param direction  which change is bad
     * @param effectSize the smallest change that counts: a ratio of medians for latencies and Prometheus series
     *                   (1.1 = 10 % higher), a difference of shares for errors (0.01 = one percentage point)
     * @param critical   a failure fails the whole judgement, whatever the score
     * @param noData     what too few samples mean: the judgement is inconclusive, or the metric is left out of the score
     * @param minSamples the fewest samples on each side that a test needs (requests for router sources,
     *                   points for Prometheus series)
     */
    record ComparedMetric(String name, Source source, Direction direction, double effectSize, boolean critical,
                          NoData noData, int minSamples) {
    }

    /** What a compared metric compares. */
    sealed interface Source {
        /** How the source is written in the spec. */
        String describe();
    }

    /** Per-request latencies of each revision as the router saw them (Mann-Whitney U). */
    record RouterLatency() implements Source {
        public static final double DEFAULT_EFFECT_SIZE = 1.1;

        @Override
        public String describe() {
            return "router.latency";
        }
    }

    /** Per-request failures (5xx, upstream errors) of each revision as the router counted them (Fisher's exact test). */
    record RouterErrors() implements Source {
        public static final double DEFAULT_EFFECT_SIZE = 0.005;

        @Override
        public String describe() {
            return "router.errors";
        }
    }

    /**
     * A PromQL range query run once per revision with {@code {{revision}}} replaced by its name; the points of the
     * two series are compared (Mann-Whitney U), as Kayenta does.
     */
    record PrometheusSeries(String address, String query, Duration step) implements Source {
        public static final Duration DEFAULT_STEP = Duration.ofSeconds(5);
        public static final double DEFAULT_EFFECT_SIZE = 1.1;

        @Override
        public String describe() {
            return "prometheus";
        }
    }

    enum Direction {
        INCREASE("increase"), DECREASE("decrease"), EITHER("either");

        private final String spec;

        Direction(String spec) {
            this.spec = spec;
        }

        public String spec() {
            return spec;
        }

        public static Optional<Direction> of(String spec) {
            return Arrays.stream(values()).filter(d -> d.spec.equals(spec)).findFirst();
        }
    }

    enum NoData {
        INCONCLUSIVE("inconclusive"), IGNORE("ignore");

        private final String spec;

        NoData(String spec) {
            this.spec = spec;
        }

        public String spec() {
            return spec;
        }

        public static Optional<NoData> of(String spec) {
            return Arrays.stream(values()).filter(n -> n.spec.equals(spec)).findFirst();
        }
    }
}
