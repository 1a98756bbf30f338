package dev.slipway.controller.rollout;

import dev.slipway.analysis.MetricSample;
import dev.slipway.analysis.Verdict;
import dev.slipway.analysis.run.Observation;
import dev.slipway.analysis.run.Phase;
import dev.slipway.controller.analysis.RolloutAnalyses;
import dev.slipway.controller.event.RolloutEvent;
import dev.slipway.controller.hooks.PolicyInForce;
import dev.slipway.controller.sequence.ControllerParts;
import dev.slipway.controller.state.Revision;
import dev.slipway.controller.store.RolloutPhase;
import dev.slipway.controller.store.RolloutRecord;
import dev.slipway.model.ReleaseSpec;
import dev.slipway.model.ServiceSpec;
import dev.slipway.model.SpecParser;
import dev.slipway.router.Backend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import static dev.slipway.controller.sequence.ServiceUnderTest.release;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Analysis templates on the split controller's runner: an experiment's baseline replicas run at the canary's weight
 * while its analysis measures and are gone after it; the built-in arguments name the revisions in play; a background
 * analysis that fails aborts the rollout; every measurement is stored with the rollout and emitted as an event.
 */
class TemplateAnalysisTest {
    private final ControllerParts parts = new ControllerParts();
    /** What each measurement saw: the weights the router had and the arguments the metric got. */
    private final List<Map<String, Integer>> weightsWhenMeasured = new CopyOnWriteArrayList<>();
    private final List<Map<String, String>> argsWhenMeasured = new CopyOnWriteArrayList<>();
    private volatile Phase outcome = Phase.SUCCESSFUL;
    private final RolloutAnalyses analyses = new RolloutAnalyses((metric, args) -> () -> {
        argsWhenMeasured.add(args);
        weightsWhenMeasured.add(parts.router.routes().backends().stream()
                .collect(Collectors.toMap(Backend::revision, Backend::weight)));
        return Observation.decided(outcome, outcome.name().toLowerCase(), "as the test says");
    }, parts.store, Clock.systemUTC(), parts.events);
    private final PolicyInForce policy = new PolicyInForce(Clock.systemUTC(), failed -> { });
    private final RolloutRunner runner = new RolloutRunner("items", parts.loop, parts.fleet, parts.routes,
            revision -> new MetricSample(revision, 1000, 0, new double[0], new long[0]),
            (spec, window) -> new Verdict(Verdict.Outcome.PASS, "ok", window.requests(), 0, 0),
            parts.store, Clock.systemUTC(), parts.events, parts.timers, policy, parts::schemaState, analyses);

    @AfterEach
    void close() {
        runner.close();
        analyses.close();
        policy.close();
        parts.close();
    }

    @Test
    void anExperimentRunsBaselineReplicasAtTheCanarysWeightWhileItsAnalysisMeasuresAndRemovesThemAfter() {
        RolloutRecord ended = start(withStrategy("1.1.0", """
                canary:
                  steps:
                    - setWeight: 20
                    - experiment: {replicas: 1, analyses: [{templates: [check]}]}
                    - setWeight: 100
                """)).join();

        assertThat(ended.phase()).as(ended.message()).isEqualTo(RolloutPhase.PROMOTED);
        assertThat(weightsWhenMeasured).containsExactly(Map.of("1.0.0", 60, "1.1.0", 20, "1.0.0-baseline", 20));
        assertThat(argsWhenMeasured.get(0)).containsEntry("canary", "1.1.0").containsEntry("stable", "1.0.0")
                .containsEntry("baseline", "1.0.0-baseline").containsEntry("service", "items");
        assertThat(parts.runtime.startedRevisions()).contains("1.0.0-baseline");
        assertThat(parts.runtime.liveRevisions()).as("the baseline is stopped").doesNotContain("1.0.0-baseline");
        assertThat(parts.loop.current().baseline()).isEmpty();
        assertThat(parts.router.routes().backends()).extracting(Backend::revision).containsExactly("1.1.0");
        assertThat(parts.store.analyses(ended.id())).containsOnlyKeys("step 2 experiment: check");
        assertThat(parts.emitted).filteredOn(RolloutEvent.AnalysisMeasured.class::isInstance).hasSize(1);
        assertThat(parts.emitted).filteredOn(RolloutEvent.AnalysisEnded.class::isInstance).singleElement()
                .extracting(event -> ((RolloutEvent.AnalysisEnded) event).status().phase()).isEqualTo(Phase.SUCCESSFUL);
    }

    @Test
    void aStepAnalysisThatFailsAbortsTheRolloutAndTheBaselineGoesWithIt() {
        outcome = Phase.FAILED;

        RolloutRecord ended = start(withStrategy("1.1.0", """
                canary:
                  steps:
                    - setWeight: 20
                    - experiment: {replicas: 1, analyses: [{templates: [check]}]}
                    - setWeight: 100
                """)).join();

        assertThat(ended.phase()).isEqualTo(RolloutPhase.ABORTED);
        assertThat(ended.message()).startsWith("analysis step 2 experiment: check failed");
        assertThat(parts.loop.current().stable()).map(Revision::version).contains("1.0.0");
        assertThat(parts.runtime.liveRevisions()).containsOnly("1.0.0");
        assertThat(parts.router.routes().backends()).extracting(Backend::revision).containsExactly("1.0.0");
    }

    @Test
    void aBackgroundAnalysisThatFailsAbortsARolloutWaitingForAPromote() {
        outcome = Phase.FAILED;

        RolloutRecord ended = start(withStrategy("1.1.0", """
                canary:
                  analysis: {templates: [check], startingStep: 1}
                  steps:
                    - setWeight: 20
                    - pause: {}
                    - setWeight: 100
                """)).join();

        assertThat(ended.phase()).isEqualTo(RolloutPhase.ABORTED);
        assertThat(ended.message()).startsWith("background analysis failed");
        assertThat(parts.router.routes().backends()).extracting(Backend::revision).containsExactly("1.0.0");
    }

    /** A release of the test service whose strategy (and the template {@code check} it uses) is {@code strategy}. */
    private static ReleaseSpec withStrategy(String version, String strategy) {
        ServiceSpec spec = SpecParser.parse("slipway.yaml", """
                service: items
                analysisTemplates:
                  - name: check
                    metrics:
                      - name: probe
                        count: 1
                        provider: {job: {command: ["true"]}}   # the test's measurer stands in for it
                release:
                  version: "%s"
                  run: {command: [items-server]}
                  schema: 1
                  strategy:
                %s""".formatted(version, strategy.indent(4)));
        return release(version, 1, 1, false, false).withStrategy(spec.release().strategy());
    }

    private CompletableFuture<RolloutRecord> start(ReleaseSpec release) {
        return runner.drive(parts.acceptRollout(release), "test");
    }
}
