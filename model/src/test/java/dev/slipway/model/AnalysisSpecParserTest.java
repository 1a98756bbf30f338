package dev.slipway.model;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AnalysisSpecParserTest {

    static final String SPEC = """
            service: orders
            analysisTemplates:
              - name: error-rate
                args:
                  - name: prometheus
                    value: http://127.0.0.1:9090
                  - name: limit
                metrics:
                  - name: errors
                    interval: 10s
                    count: 3
                    failureLimit: 1
                    successCondition: result < {{args.limit}}
                    provider:
                      prometheus:
                        address: "{{args.prometheus}}"
                        query: sum(rate(slipway_router_requests_total{revision="{{args.canary}}",code="5xx"}[30s]))
              - name: compare
                metrics:
                  - name: judge
                    interval: 15s
                    count: 2
                    provider:
                      statistical:
                        thresholds: {marginal: 50, pass: 75}
                        groups:
                          - name: latency
                            weight: 2
                            metrics:
                              - {name: latency, source: router.latency, critical: true}
                          - name: errors
                            metrics:
                              - {name: errors, source: router.errors, critical: true, effectSize: 0.02}
                              - name: cpu
                                source: {prometheus: {address: "http://127.0.0.1:9090", query: 'rate(cpu{revision="{{revision}}"}[1m])'}}
                                noData: ignore
              - name: database
                metrics:
                  - name: lock-waits
                    interval: 10s
                    failureCondition: result > 200
                    provider: {database: {measure: lockWait}}
                  - name: smoke
                    provider: {job: {command: [sh, -c, "curl -fs http://127.0.0.1:8080/ready"], timeout: 30s}}
                  - name: health
                    dryRun: true
                    successCondition: result == "ok"
                    provider: {web: {url: "http://127.0.0.1:8080/health", jsonPath: "{$.status}"}}
            release:
              version: 2.0.0
              run: {command: [java, -jar, orders.jar]}
              schema: 2
              strategy:
                canary:
                  analysis:
                    templates: [database]
                    startingStep: 1
                  steps:
                    - setWeight: 10
                    - analysis:
                        templates: [{templateName: error-rate}]
                        args: [{name: limit, value: "0.01"}]
                    - experiment:
                        replicas: 1
                        analyses:
                          - templates: [compare]
                            dryRun: true
                    - setWeight: 50
            """;

    @Test
    void templatesResolveIntoTheStepsThatUseThem() {
        StrategySpec.Canary canary = (StrategySpec.Canary) SpecParser.parse("slipway.yaml", SPEC).release().strategy();

        CanaryStep.TemplateAnalysis step = (CanaryStep.TemplateAnalysis) canary.steps().get(1);
        assertThat(step.run().templates()).extracting(AnalysisTemplate::name).containsExactly("error-rate");
        assertThat(step.run().arg("limit")).contains("0.01");
        assertThat(step.run().arg("prometheus")).contains("http://127.0.0.1:9090");
        MetricSpec errors = step.run().metrics().get(0);
        assertThat(errors.interval()).contains(Duration.ofSeconds(10));
        assertThat(errors.effectiveCount()).isEqualTo(3);
        assertThat(errors.failureLimit()).isEqualTo(1);
        assertThat(errors.consecutiveErrorLimit()).isEqualTo(4);
        assertThat(errors.inconclusiveLimit()).isZero();
        assertThat(errors.provider()).isInstanceOf(ProviderSpec.Prometheus.class);

        CanaryStep.Experiment experiment = (CanaryStep.Experiment) canary.steps().get(2);
        assertThat(experiment.replicas()).contains(1);
        assertThat(experiment.analyses().get(0).dryRun()).isTrue();
        ProviderSpec.Statistical judge = (ProviderSpec.Statistical) experiment.analyses().get(0).metrics().get(0).provider();
        assertThat(judge.baseline()).isEqualTo("{{args.baseline}}");
        assertThat(judge.confidence()).isEqualTo(0.995);
        assertThat(judge.marginal()).isEqualTo(50);
        ProviderSpec.ComparedMetric latency = judge.groups().get(0).metrics().get(0);
        assertThat(latency.effectSize()).isEqualTo(1.1);
        assertThat(latency.direction()).isEqualTo(ProviderSpec.Direction.INCREASE);
        assertThat(latency.noData()).isEqualTo(ProviderSpec.NoData.INCONCLUSIVE);
        assertThat(judge.groups().get(1).metrics().get(1).noData()).isEqualTo(ProviderSpec.NoData.IGNORE);

        BackgroundAnalysis background = canary.analysis().orElseThrow();
        assertThat(background.startingStep()).isEqualTo(1);
        MetricSpec lockWaits = background.run().metrics().get(0);
        assertThat(lockWaits.unbounded()).isTrue();
        assertThat(lockWaits.provider()).isEqualTo(new ProviderSpec.Database(ProviderSpec.DatabaseMeasure.LOCK_WAIT,
                "{{args.canary}}", 0.99, Duration.ofSeconds(5), Duration.ofMillis(100)));
        assertThat(((ProviderSpec.Web) background.run().metrics().get(2).provider()).jsonPath()).contains("$.status");
        assertThat(background.run().metrics().get(2).dryRun()).isTrue();
    }

    @Test
    void aStoredReleaseReadsBackEqualWithItsTemplates() {
        ReleaseSpec release = SpecParser.parse("slipway.yaml", SPEC).release();
        String stored = SpecWriter.release(release);
        assertThat(SpecParser.parseRelease("stored", stored)).isEqualTo(release);
    }

    @Test
    void anUnknownProviderIsRefusedWhereItIsWritten() {
        assertError(SPEC.replace("{job: {command:", "{jobs: {command:"),
                "slipway.yaml:44:20: analysisTemplates[2].metrics[1].provider.jobs: unknown field 'jobs' (did you mean 'job'?)");
    }

    @Test
    void anUnknownMetricFieldIsRefused() {
        assertError(SPEC.replace("failureLimit: 1", "failureLimits: 1"),
                "slipway.yaml:12:9: analysisTemplates[0].metrics[0].failureLimits: unknown field 'failureLimits'"
                        + " (did you mean 'failureLimit'?)");
    }

    @Test
    void anUnknownTemplateIsRefusedAtTheStep() {
        assertError(SPEC.replace("templateName: error-rate", "templateName: error-rates"),
                "slipway.yaml:61:40: release.strategy.canary.steps[1].analysis.templates[0].templateName: no analysis"
                        + " template 'error-rates' (defined: [error-rate, compare, database])");
    }

    @Test
    void aMissingArgumentIsRefusedAtTheStep() {
        assertError(SPEC.replace("args: [{name: limit, value: \"0.01\"}]", "args: []"),
                "slipway.yaml:61:13: release.strategy.canary.steps[1].analysis: template 'error-rate' needs argument"
                        + " 'limit' (give it under args)");
    }

    @Test
    void anArgumentNoTemplateTakesIsRefused() {
        assertError(SPEC.replace("{name: limit, value: \"0.01\"}", "{name: limit, value: \"0.01\"}, {name: limt, value: 1}"),
                "no template here takes an argument 'limt' (arguments: [limit, prometheus])");
    }

    @Test
    void aPlaceholderForAnUndeclaredArgumentIsRefused() {
        assertError(SPEC.replace("result < {{args.limit}}", "result < {{args.limits}}"),
                "slipway.yaml:13:27: analysisTemplates[0].metrics[0].successCondition: {{args.limits}} is not an"
                        + " argument of this template");
    }

    @Test
    void aConditionThatDoesNotParseIsRefusedWithItsPosition() {
        assertError(SPEC.replace("failureCondition: result > 200", "failureCondition: result >> 200"),
                "analysisTemplates[2].metrics[0].failureCondition: condition 'result >> 200': unexpected '>' at character 9");
    }

    @Test
    void aMetricWithoutConditionIsRefusedBecauseItCouldNeverFail() {
        assertError(SPEC.replace("        failureCondition: result > 200\n", ""),
                "metric 'lock-waits' needs a successCondition or a failureCondition");
    }

    @Test
    void aStepAnalysisThatWouldNeverEndIsRefused() {
        assertError(SPEC.replace("templates: [{templateName: error-rate}]", "templates: [database]")
                        .replace("args: [{name: limit, value: \"0.01\"}]", "dryRun: false"),
                "steps[1].analysis: metric 'lock-waits' has an interval but no count, so this step would never end");
    }

    @Test
    void aJudgeSeriesWithoutRevisionPlaceholderIsRefused() {
        assertError(SPEC.replace("rate(cpu{revision=\"{{revision}}\"}[1m])", "rate(cpu[1m])"),
                "the query must select one revision with {{revision}}");
    }

    @Test
    void aWindowedMetricWithoutIntervalIsRefused() {
        assertError(SPEC.replace("        interval: 15s\n        count: 2\n", ""),
                "metric 'judge' measures the traffic since the analysis began; give it an interval");
    }

    @Test
    void anUnknownDatabaseMeasureListsTheKnownOnes() {
        assertError(SPEC.replace("measure: lockWait", "measure: lockWaits"),
                "unknown database measure 'lockWaits' (known: [lockWait, lockWaitCaused, blockedSessions,"
                        + " longestTransaction, connections, deadlocks, statementErrors, replicationLag,"
                        + " backfillProgress, backfillRate])");
    }

    @Test
    void theThresholdFormOfAnAnalysisStepStillWorks() {
        ServiceSpec spec = SpecParser.parse("slipway.yaml", SPEC.replace(
                "analysis:\n            templates: [{templateName: error-rate}]\n            args: [{name: limit, value: \"0.01\"}]",
                "analysis: {errorRate: {max: 0.02}, minRequests: 10}"));
        assertThat(((StrategySpec.Canary) spec.release().strategy()).steps().get(1))
                .isEqualTo(new CanaryStep.Analysis(new AnalysisSpec(0.02, Optional.empty(), 10, Duration.ofSeconds(60))));
    }

    @Test
    void builtInArgumentsCannotBeDeclaredOrGiven() {
        assertError(SPEC.replace("- name: limit\n", "- name: canary\n"), "'canary' is filled in by Slipway");
    }

    @Test
    void substitutionFillsEveryPlaceholder() {
        assertThat(AnalysisArgs.substitute("x{revision=\"{{args.canary}}\"} < {{ args.limit }}",
                Map.of("canary", "2.0.0", "limit", "5"))).isEqualTo("x{revision=\"2.0.0\"} < 5");
        assertThatThrownBy(() -> AnalysisArgs.substitute("{{args.x}}", Map.of()))
                .hasMessage("no value for {{args.x}}");
    }

    private static void assertError(String spec, String message) {
        assertThatThrownBy(() -> SpecParser.parse("slipway.yaml", spec))
                .isInstanceOf(SpecException.class).hasMessageContaining(message);
    }
}
