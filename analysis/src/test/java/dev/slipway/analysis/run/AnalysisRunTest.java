package dev.slipway.analysis.run;

import dev.slipway.analysis.Analyses;
import dev.slipway.model.AnalysisRunSpec;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The analysis semantics of Argo Rollouts, on measurements the test scripts: counts, intervals and the failure,
 * error and inconclusive limits; dry runs; conditions; resuming from a stored status.
 */
class AnalysisRunTest {
    private static final Map<String, String> BUILT_INS = Analyses.BUILT_INS;
    private final ManualClock clock = new ManualClock();
    private final Map<String, Deque<Object>> script = new HashMap<>();
    private final List<String> measured = new ArrayList<>();

    /** The metrics are measured from the script: an Observation, a Double result, or an Exception to throw. */
    private final MeasurerFactory factory = (metric, args) -> () -> {
        measured.add(metric.name());
        Object next = script.getOrDefault(metric.name(), new ArrayDeque<>()).poll();
        if (next == null) {
            throw new IllegalStateException("the script has no more measurements for " + metric.name());
        }
        if (next instanceof Exception e) {
            throw e;
        }
        return next instanceof Observation observation ? observation : Observation.of(next, String.valueOf(next));
    };

    private void script(String metric, Object... results) {
        script.computeIfAbsent(metric, name -> new ArrayDeque<>()).addAll(List.of(results));
    }

    private static AnalysisRunSpec analysis(String metrics) {
        return Analyses.step(metrics);
    }

    private static AnalysisRunSpec analysis(String metrics, String stepFields) {
        return Analyses.step(metrics, stepFields);
    }

    private AnalysisRun run(AnalysisRunSpec spec) {
        return new AnalysisRun("step 1", spec, BUILT_INS, factory, clock, Runnable::run);
    }

    /** Ticks every second until the run ends (at most ten minutes of clock time). */
    private AnalysisStatus runToTheEnd(AnalysisRun run) {
        for (int second = 0; second < 600 && !run.finished(); second++) {
            run.tick();
            clock.advance(Duration.ofSeconds(1));
        }
        return run.status();
    }

    @Test
    void takesCountMeasurementsAnIntervalApartAndSucceeds() {
        script("errors", 0.01, 0.02, 0.0);
        AnalysisRun run = run(analysis("""
                - name: errors
                  interval: 10s
                  count: 3
                  successCondition: result < {{args.limit}}
                  provider: {prometheus: {address: "http://127.0.0.1:9090", query: errors}}
                """));

        AnalysisStatus status = runToTheEnd(run);

        assertThat(status.phase()).isEqualTo(Phase.SUCCESSFUL);
        MetricStatus errors = status.metric("errors").orElseThrow();
        assertThat(errors.successful()).isEqualTo(3);
        assertThat(errors.measurements()).extracting(Measurement::phase).containsOnly(Phase.SUCCESSFUL);
        assertThat(Duration.between(errors.measurements().get(0).startedAt(), errors.measurements().get(2).startedAt()))
                .isEqualTo(Duration.ofSeconds(20));
        assertThat(errors.measurements().get(1).message()).isEqualTo("successCondition 'result < 0.05' held");
    }

    @Test
    void failsOnceFailuresExceedTheFailureLimitWithoutWaitingForTheCount() {
        script("errors", 0.2, 0.0, 0.3);
        AnalysisRun run = run(analysis("""
                - name: errors
                  interval: 10s
                  count: 10
                  failureLimit: 1
                  successCondition: result < 0.05
                  provider: {prometheus: {address: "http://127.0.0.1:9090", query: errors}}
                """));

        AnalysisStatus status = runToTheEnd(run);

        assertThat(status.phase()).isEqualTo(Phase.FAILED);
        assertThat(status.metric("errors").orElseThrow().measurements()).hasSize(3);
        assertThat(status.message()).isEqualTo("metric errors failed: 2 failed (limit 1): successCondition"
                + " 'result < 0.05' did not hold");
    }

    @Test
    void measurementErrorsCountTowardTheConsecutiveErrorLimitAndNeverPass() {
        IOException down = new IOException("Prometheus at http://127.0.0.1:9 is unreachable: ConnectException");
        script("errors", down, down, 0.0, down, down, down);
        AnalysisRun run = run(analysis("""
                - name: errors
                  interval: 5s
                  count: 5
                  consecutiveErrorLimit: 2
                  successCondition: result < 0.05
                  provider: {prometheus: {address: "http://127.0.0.1:9", query: up}}
                """));

        AnalysisStatus status = runToTheEnd(run);

        assertThat(status.phase()).isEqualTo(Phase.ERROR);
        MetricStatus errors = status.metric("errors").orElseThrow();
        assertThat(errors.errors()).isEqualTo(5);
        assertThat(errors.successful()).isEqualTo(1);
        assertThat(errors.consecutiveErrors()).isEqualTo(3);
        assertThat(status.message()).contains("3 errors in a row (limit 2)").contains("unreachable");
    }

    @Test
    void noDataIsInconclusiveNeverAPass() {
        script("errors", Observation.noData("query returned no series"));
        AnalysisRun run = run(analysis("""
                - name: errors
                  successCondition: result < 0.05
                  provider: {prometheus: {address: "http://127.0.0.1:9090", query: errors}}
                """));

        AnalysisStatus status = runToTheEnd(run);

        assertThat(status.phase()).isEqualTo(Phase.INCONCLUSIVE);
        assertThat(status.message()).contains("no data: query returned no series");
    }

    @Test
    void inconclusiveMeasurementsUpToTheLimitAreTolerated() {
        // successCondition and failureCondition both false: inconclusive (Argo)
        script("lag", 15.0, 2.0, 3.0);
        AnalysisRun run = run(analysis("""
                - name: lag
                  interval: 10s
                  count: 3
                  inconclusiveLimit: 1
                  successCondition: result <= 10
                  failureCondition: result > 60
                  provider: {database: {measure: replicationLag}}
                """));

        AnalysisStatus status = runToTheEnd(run);

        assertThat(status.phase()).isEqualTo(Phase.SUCCESSFUL);
        MetricStatus lag = status.metric("lag").orElseThrow();
        assertThat(lag.inconclusive()).isEqualTo(1);
        assertThat(lag.measurements().get(0).message()).isEqualTo("neither 'result <= 10' nor 'result > 60' held");
    }

    @Test
    void aDryRunMetricRecordsItsFailureButNeverFailsTheRun() {
        script("strict", 0.5, 0.5);
        script("loose", 0.0, 0.0);
        AnalysisRun run = run(analysis("""
                - name: strict
                  interval: 10s
                  count: 2
                  dryRun: true
                  successCondition: result < 0.01
                  provider: {prometheus: {address: "http://127.0.0.1:9090", query: errors}}
                - name: loose
                  interval: 10s
                  count: 2
                  successCondition: result < 0.9
                  provider: {prometheus: {address: "http://127.0.0.1:9090", query: errors}}
                """));

        AnalysisStatus status = runToTheEnd(run);

        assertThat(status.phase()).isEqualTo(Phase.SUCCESSFUL);
        assertThat(status.metric("strict").orElseThrow().phase()).isEqualTo(Phase.FAILED);
        assertThat(status.dryRunFailures()).extracting(MetricStatus::name).containsExactly("strict");
    }

    @Test
    void aDryRunAnalysisMakesEveryMetricADryRun() {
        script("errors", 0.5);
        AnalysisRun run = run(analysis("""
                - name: errors
                  successCondition: result < 0.01
                  provider: {prometheus: {address: "http://127.0.0.1:9090", query: errors}}
                """, ", dryRun: true"));

        AnalysisStatus status = runToTheEnd(run);

        assertThat(status.phase()).isEqualTo(Phase.SUCCESSFUL);
        assertThat(status.message()).isEqualTo("every metric successful (dry run, would have failed: errors)");
    }

    @Test
    void aFailedMetricEndsTheRunAndStopsTheOthers() {
        script("fast", 1.0);
        script("slow", 0.0, 0.0, 0.0);
        AnalysisRun run = run(analysis("""
                - name: fast
                  initialDelay: 25s
                  successCondition: result < 0.5
                  provider: {prometheus: {address: "http://127.0.0.1:9090", query: errors}}
                - name: slow
                  interval: 10s
                  count: 6
                  successCondition: result < 0.5
                  provider: {prometheus: {address: "http://127.0.0.1:9090", query: errors}}
                """));

        AnalysisStatus status = runToTheEnd(run);

        assertThat(status.phase()).isEqualTo(Phase.FAILED);
        assertThat(Duration.between(status.startedAt(), status.finishedAt().orElseThrow())).isEqualTo(Duration.ofSeconds(25));
        assertThat(status.metric("slow").orElseThrow().successful()).isEqualTo(3);
        assertThat(status.metric("slow").orElseThrow().message()).startsWith("stopped (the analysis failed)");
    }

    @Test
    void aMetricOverTheTrafficSinceTheStartMeasuresFirstOneIntervalIn() {
        script("errors", 0.0, 0.0);
        AnalysisRun run = run(analysis("""
                - name: errors
                  interval: 10s
                  count: 2
                  successCondition: result < 0.05
                  provider: {router: {metric: errorRate}}
                """));

        AnalysisStatus status = runToTheEnd(run);

        List<Measurement> measurements = status.metric("errors").orElseThrow().measurements();
        assertThat(Duration.between(status.startedAt(), measurements.get(0).startedAt())).isEqualTo(Duration.ofSeconds(10));
        assertThat(Duration.between(status.startedAt(), measurements.get(1).startedAt())).isEqualTo(Duration.ofSeconds(20));
    }

    @Test
    void aConditionThatCannotBeEvaluatedIsAnError() {
        script("health", "ok");
        AnalysisRun run = run(analysis("""
                - name: health
                  consecutiveErrorLimit: 0
                  successCondition: result > 1
                  provider: {web: {url: "http://127.0.0.1:9/health"}}
                """));

        AnalysisStatus status = runToTheEnd(run);

        assertThat(status.phase()).isEqualTo(Phase.ERROR);
        assertThat(status.message()).contains("cannot compare 'ok' > 1");
    }

    @Test
    void aBackgroundAnalysisRunsUntilStoppedAndEndsSuccessfulWhenNothingFailed() {
        script("errors", 0.0, 0.0, 0.0, 0.0);
        AnalysisRun run = run(analysis("""
                - name: errors
                  interval: 10s
                  successCondition: result < 0.05
                  provider: {prometheus: {address: "http://127.0.0.1:9090", query: errors}}
                """.replace("interval: 10s", "interval: 10s\n  count: 1000")));
        for (int second = 0; second < 35; second++) {
            run.tick();
            clock.advance(Duration.ofSeconds(1));
        }
        assertThat(run.finished()).isFalse();

        AnalysisStatus status = run.stop("rollout promoted");

        assertThat(status.phase()).isEqualTo(Phase.SUCCESSFUL);
        assertThat(status.message()).startsWith("stopped (rollout promoted)");
        assertThat(status.metric("errors").orElseThrow().successful()).isEqualTo(4);
    }

    @Test
    void aResumedRunKeepsItsCountsAndSchedule() {
        script("errors", 0.2, 0.0);
        AnalysisRunSpec spec = analysis("""
                - name: errors
                  interval: 10s
                  count: 3
                  failureLimit: 1
                  successCondition: result < 0.05
                  provider: {prometheus: {address: "http://127.0.0.1:9090", query: errors}}
                """);
        AnalysisRun first = run(spec);
        first.tick();
        clock.advance(Duration.ofSeconds(10));
        first.tick();
        AnalysisStatus stored = AnalysisStatusJson.read(AnalysisStatusJson.write(first.status()));
        first.close();

        script("errors", 0.3);
        AnalysisRun resumed = AnalysisRun.resume(stored, spec, BUILT_INS, factory, clock, Runnable::run);
        resumed.tick();
        assertThat(measured).hasSize(2); // not due again until 10 s after the last measurement
        AnalysisStatus status = runToTheEnd(resumed);

        assertThat(status.phase()).isEqualTo(Phase.FAILED);
        assertThat(status.metric("errors").orElseThrow().measurements()).extracting(Measurement::phase)
                .containsExactly(Phase.FAILED, Phase.SUCCESSFUL, Phase.FAILED);
        assertThat(status.startedAt()).isEqualTo(stored.startedAt());
    }

    @Test
    void keepsTheLatestMeasurementsButCountsAll() {
        for (int i = 0; i < 15; i++) {
            script("errors", 0.0);
        }
        AnalysisRun run = run(analysis("""
                - name: errors
                  interval: 1s
                  count: 15
                  successCondition: result < 0.05
                  provider: {prometheus: {address: "http://127.0.0.1:9090", query: errors}}
                """));

        MetricStatus errors = runToTheEnd(run).metric("errors").orElseThrow();

        assertThat(errors.successful()).isEqualTo(15);
        assertThat(errors.measurements()).hasSize(AnalysisRun.MEASUREMENTS_KEPT);
    }

    @Test
    void argumentsReachTheConditionsAndTheProviders() {
        List<Map<String, String>> seen = new ArrayList<>();
        MeasurerFactory recording = (metric, args) -> {
            seen.add(args);
            return () -> Observation.of(0.04, "0.04");
        };
        AnalysisRunSpec spec = analysis("""
                - name: errors
                  successCondition: result < {{args.limit}}
                  provider: {prometheus: {address: "http://127.0.0.1:9090", query: 'x{revision="{{args.canary}}"}'}}
                """, ", args: {limit: \"0.03\"}");
        AnalysisRun run = new AnalysisRun("step", spec, BUILT_INS, recording, clock, Runnable::run);

        AnalysisStatus status = runToTheEnd(run);

        assertThat(seen.get(0)).containsEntry("limit", "0.03").containsEntry("canary", "2.0.0");
        assertThat(status.phase()).isEqualTo(Phase.FAILED);
    }
}
