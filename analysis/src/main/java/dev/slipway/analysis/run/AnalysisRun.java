package dev.slipway.analysis.run;

import dev.slipway.model.AnalysisArgs;
import dev.slipway.model.AnalysisRunSpec;
import dev.slipway.model.AnalysisTemplate;
import dev.slipway.model.Condition;
import dev.slipway.model.Durations;
import dev.slipway.model.MetricSpec;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * One analysis in progress (Argo Rollouts' AnalysisRun): takes each metric's measurements on its schedule, judges
 * them with the metric's conditions and limits, and decides the run: failed or error as soon as one metric is
 * (unless it is a dry run), otherwise the worst outcome once every metric has finished.
 *
 * <p>Level-triggered: the owner calls {@link #tick()} whenever it likes; due measurements start on the executor
 * and their results are collected by a later tick. The state is an {@link AnalysisStatus}, which the owner stores,
 * so a run can resume from it after a crash ({@link #resume}).
 */
public final class AnalysisRun implements AutoCloseable {
    /** The latest measurements kept per metric; the counts cover every measurement. */
    public static final int MEASUREMENTS_KEPT = 10;

    private final String name;
    private final Clock clock;
    private final Executor executor;
    private final Instant startedAt;
    private final List<MetricState> metrics = new ArrayList<>();
    private Phase phase = Phase.RUNNING;
    private String message = "";
    private Optional<Instant> finishedAt = Optional.empty();

    /**
     * @param builtIns the built-in arguments ({@link AnalysisArgs#BUILT_IN}) for this rollout
     */
    public AnalysisRun(String name, AnalysisRunSpec spec, Map<String, String> builtIns, MeasurerFactory factory,
                       Clock clock, Executor executor) {
        this(name, spec, builtIns, factory, clock, executor, Optional.empty());
    }

    /** Continues a run from its stored status: counts, phases and schedule carry on. */
    public static AnalysisRun resume(AnalysisStatus stored, AnalysisRunSpec spec, Map<String, String> builtIns,
                                     MeasurerFactory factory, Clock clock, Executor executor) {
        return new AnalysisRun(stored.name(), spec, builtIns, factory, clock, executor, Optional.of(stored));
    }

    private AnalysisRun(String name, AnalysisRunSpec spec, Map<String, String> builtIns, MeasurerFactory factory,
                        Clock clock, Executor executor, Optional<AnalysisStatus> stored) {
        this.name = name;
        this.clock = clock;
        this.executor = executor;
        this.startedAt = stored.map(AnalysisStatus::startedAt).orElse(clock.instant());
        Map<String, String> args = arguments(spec, builtIns);
        for (AnalysisTemplate template : spec.templates()) {
            for (MetricSpec metric : template.metrics()) {
                MetricState state = new MetricState(metric, spec.dryRun() || metric.dryRun());
                stored.flatMap(status -> status.metric(metric.name())).ifPresent(state::restore);
                if (!state.phase.finished()) {
                    state.prepare(args, factory);
                }
                metrics.add(state);
            }
        }
        stored.ifPresent(status -> {
            if (status.phase().finished()) {
                phase = status.phase();
                message = status.message();
                finishedAt = status.finishedAt();
            }
        });
        decide();
    }

    /** The arguments a run sees: built-ins, then template defaults, then what the step gave. */
    static Map<String, String> arguments(AnalysisRunSpec spec, Map<String, String> builtIns) {
        Map<String, String> args = new LinkedHashMap<>(builtIns);
        for (AnalysisTemplate template : spec.templates()) {
            for (AnalysisTemplate.Arg arg : template.args()) {
                spec.arg(arg.name()).ifPresent(value -> args.put(arg.name(), value));
            }
        }
        return args;
    }

    /** Collects finished measurements, starts due ones, and returns where the run stands. */
    public synchronized AnalysisStatus tick() {
        if (phase.finished()) {
            return status();
        }
        Instant now = clock.instant();
        for (MetricState metric : metrics) {
            metric.collect();
            if (metric.due(now)) {
                metric.start(now);
            }
            metric.collect();
        }
        decide();
        return status();
    }

    /**
     * Stops measuring (the rollout ended or moved on). Metrics still measuring end as successful when what they
     * measured so far was within their limits, inconclusive when they never measured.
     */
    public synchronized AnalysisStatus stop(String why) {
        if (!phase.finished()) {
            for (MetricState metric : metrics) {
                metric.collect();
                if (!metric.phase.finished()) {
                    metric.stopEarly(why);
                }
            }
            decide();
            message = "stopped (" + why + "): " + message;
        }
        close();
        return status();
    }

    public synchronized AnalysisStatus status() {
        return new AnalysisStatus(name, phase, message, startedAt, finishedAt,
                metrics.stream().map(MetricState::status).toList());
    }

    public synchronized boolean finished() {
        return phase.finished();
    }

    @Override
    public synchronized void close() {
        for (MetricState metric : metrics) {
            metric.release();
        }
    }

    private void decide() {
        if (phase.finished()) {
            return;
        }
        for (MetricState metric : metrics) {
            if (!metric.dryRun && (metric.phase == Phase.FAILED || metric.phase == Phase.ERROR)) {
                end(metric.phase, "metric " + metric.spec.name() + " " + metric.phase.name().toLowerCase() + ": "
                        + metric.message);
                return;
            }
        }
        if (metrics.stream().allMatch(metric -> metric.phase.finished())) {
            Phase worst = Phase.SUCCESSFUL;
            MetricState cause = null;
            for (MetricState metric : metrics) {
                if (!metric.dryRun && metric.phase.severity() > worst.severity()) {
                    worst = metric.phase;
                    cause = metric;
                }
            }
            String summary = cause == null ? "every metric successful" + dryRunNote()
                    : "metric " + cause.spec.name() + " " + worst.name().toLowerCase() + ": " + cause.message;
            end(worst, summary);
        }
    }

    private String dryRunNote() {
        List<String> failedDryRuns = metrics.stream().filter(m -> m.dryRun && m.failed > 0)
                .map(m -> m.spec.name()).toList();
        return failedDryRuns.isEmpty() ? "" : " (dry run, would have failed: " + String.join(", ", failedDryRuns) + ")";
    }

    private void end(Phase outcome, String why) {
        phase = outcome;
        message = why;
        finishedAt = Optional.of(clock.instant());
        for (MetricState metric : metrics) {
            if (!metric.phase.finished()) {
                metric.stopEarly("the analysis " + outcome.name().toLowerCase());
            }
        }
        close();
    }

    /** The mutable side of one metric, owned by the run. */
    private final class MetricState {
        final MetricSpec spec;
        final boolean dryRun;
        Phase phase = Phase.PENDING;
        int successful;
        int failed;
        int inconclusive;
        int errors;
        int consecutiveErrors;
        String message = "";
        Optional<Instant> lastStartedAt = Optional.empty();
        final List<Measurement> measurements = new ArrayList<>();
        Measurer measurer;
        Map<String, String> args;
        MeasurerFactory factory;
        Optional<Condition> success = Optional.empty();
        Optional<Condition> failure = Optional.empty();
        CompletableFuture<Measurement> running;

        MetricState(MetricSpec spec, boolean dryRun) {
            this.spec = spec;
            this.dryRun = dryRun;
        }

        void restore(MetricStatus stored) {
            phase = stored.phase() == Phase.RUNNING ? Phase.RUNNING : stored.phase();
            successful = stored.successful();
            failed = stored.failed();
            inconclusive = stored.inconclusive();
            errors = stored.errors();
            consecutiveErrors = stored.consecutiveErrors();
            message = stored.message();
            lastStartedAt = stored.lastStartedAt();
            measurements.addAll(stored.measurements());
        }

        void prepare(Map<String, String> args, MeasurerFactory factory) {
            this.args = args;
            this.factory = factory;
            try {
                success = spec.successCondition().map(text -> Condition.parse(AnalysisArgs.substitute(text, args)));
                failure = spec.failureCondition().map(text -> Condition.parse(AnalysisArgs.substitute(text, args)));
                if (spec.initialDelay().isZero() || lastStartedAt.isPresent()) {
                    measurer = factory.create(spec, args);
                }
            } catch (RuntimeException e) {
                Instant now = clock.instant();
                record(new Measurement(Phase.ERROR, now, now, "", "cannot measure: " + e.getMessage()));
                finish(Phase.ERROR, "cannot measure: " + e.getMessage());
            }
        }

        int measured() {
            return successful + failed + inconclusive;
        }

        boolean due(Instant now) {
            if (phase.finished() || running != null) {
                return false;
            }
            if (measurer == null && !now.isBefore(startedAt.plus(spec.initialDelay()))) {
                // The metric starts looking now: a window-based provider's window begins here.
                try {
                    measurer = factory.create(spec, args);
                } catch (RuntimeException e) {
                    record(new Measurement(Phase.ERROR, now, now, "", "cannot measure: " + e.getMessage()));
                    finish(Phase.ERROR, "cannot measure: " + e.getMessage());
                    return false;
                }
            }
            if (measurer == null) {
                return false;
            }
            if (lastStartedAt.isEmpty()) {
                return !now.isBefore(startedAt.plus(spec.firstMeasurementAfter()));
            }
            return spec.interval().isPresent() && !now.isBefore(lastStartedAt.get().plus(spec.interval().get()));
        }

        void start(Instant now) {
            phase = Phase.RUNNING;
            lastStartedAt = Optional.of(now);
            Measurer target = measurer;
            running = CompletableFuture.supplyAsync(() -> take(target, now), executor);
        }

        private Measurement take(Measurer target, Instant started) {
            Observation observation;
            try {
                observation = target.measure();
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                String why = e.getMessage() == null ? e.toString() : e.getMessage();
                return new Measurement(Phase.ERROR, started, clock.instant(), "", why);
            }
            return judge(observation, started);
        }

        private Measurement judge(Observation observation, Instant started) {
            Instant finished = clock.instant();
            if (observation.decided().isPresent()) {
                return new Measurement(observation.decided().get(), started, finished, observation.value(),
                        observation.message());
            }
            try {
                Phase verdict;
                String why;
                boolean failing = failure.isPresent() && failure.get().test(observation.result());
                if (failing) {
                    verdict = Phase.FAILED;
                    why = "failureCondition '" + failure.get() + "' held";
                } else if (success.isPresent()) {
                    boolean passing = success.get().test(observation.result());
                    if (passing) {
                        verdict = Phase.SUCCESSFUL;
                        why = "successCondition '" + success.get() + "' held";
                    } else if (failure.isPresent()) {
                        verdict = Phase.INCONCLUSIVE;
                        why = "neither '" + success.get() + "' nor '" + failure.get() + "' held";
                    } else {
                        verdict = Phase.FAILED;
                        why = "successCondition '" + success.get() + "' did not hold";
                    }
                } else {
                    verdict = Phase.SUCCESSFUL;
                    why = "failureCondition '" + failure.orElseThrow() + "' did not hold";
                }
                String details = observation.message().isEmpty() ? "" : "; " + observation.message();
                return new Measurement(verdict, started, finished, observation.value(), why + details);
            } catch (IllegalArgumentException e) {
                return new Measurement(Phase.ERROR, started, finished, observation.value(), e.getMessage());
            }
        }

        void collect() {
            if (running == null || !running.isDone()) {
                return;
            }
            Measurement measurement = running.join();
            running = null;
            if (phase.finished()) {
                return; // stopped while it measured: too late to count
            }
            record(measurement);
            switch (measurement.phase()) {
                case SUCCESSFUL -> {
                    successful++;
                    consecutiveErrors = 0;
                }
                case FAILED -> {
                    failed++;
                    consecutiveErrors = 0;
                }
                case INCONCLUSIVE -> {
                    inconclusive++;
                    consecutiveErrors = 0;
                }
                default -> {
                    errors++;
                    consecutiveErrors++;
                }
            }
            message = measurement.message();
            if (failed > spec.failureLimit()) {
                finish(Phase.FAILED, failed + " failed (limit " + spec.failureLimit() + "): " + measurement.message());
            } else if (consecutiveErrors > spec.consecutiveErrorLimit()) {
                finish(Phase.ERROR, consecutiveErrors + " errors in a row (limit " + spec.consecutiveErrorLimit()
                        + "): " + measurement.message());
            } else if (inconclusive > spec.inconclusiveLimit()) {
                finish(Phase.INCONCLUSIVE, inconclusive + " inconclusive (limit " + spec.inconclusiveLimit() + "): "
                        + measurement.message());
            } else if (measured() >= spec.effectiveCount()) {
                finish(Phase.SUCCESSFUL, measured() + " measured, " + failed + " failed, " + inconclusive
                        + " inconclusive" + (spec.interval().map(i -> " (every " + Durations.format(i) + ")").orElse("")));
            }
        }

        void record(Measurement measurement) {
            measurements.add(measurement);
            while (measurements.size() > MEASUREMENTS_KEPT) {
                measurements.remove(0);
            }
        }

        /** Ends a metric that had not finished: what it measured so far stands, nothing measured is inconclusive. */
        void stopEarly(String why) {
            if (measured() > 0) {
                finish(Phase.SUCCESSFUL, "stopped (" + why + ") after " + measured() + " measurements, " + failed
                        + " failed");
            } else {
                finish(Phase.INCONCLUSIVE, "stopped (" + why + ") before it measured");
            }
        }

        void finish(Phase outcome, String why) {
            phase = outcome;
            message = why;
            release();
        }

        void release() {
            if (running != null) {
                running.cancel(true);
                running = null;
            }
            if (measurer != null) {
                try {
                    measurer.close();
                } catch (RuntimeException ignored) {
                    // closing a measurer only frees its resources; nothing to report
                }
                measurer = null;
            }
        }

        MetricStatus status() {
            return new MetricStatus(spec.name(), spec.provider().kind(), phase, dryRun, successful, failed,
                    inconclusive, errors, consecutiveErrors, message, lastStartedAt, measurements);
        }
    }
}
