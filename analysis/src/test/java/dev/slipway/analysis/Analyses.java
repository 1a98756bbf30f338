package dev.slipway.analysis;

import dev.slipway.analysis.run.AnalysisRun;
import dev.slipway.analysis.run.AnalysisStatus;
import dev.slipway.analysis.run.MeasurerFactory;
import dev.slipway.model.AnalysisRunSpec;
import dev.slipway.model.CanaryStep;
import dev.slipway.model.SpecParser;
import dev.slipway.model.StrategySpec;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** Analyses written as YAML, and a way to run them against real providers in real time. */
public final class Analyses {
    public static final Map<String, String> BUILT_INS = Map.of("service", "orders", "canary", "2.0.0", "stable", "1.0.0",
            "baseline", "1.0.0-baseline");

    private Analyses() {
    }

    /** The analysis step of a spec whose only template has these metrics (a YAML list, as under 'metrics:'). */
    public static AnalysisRunSpec step(String metrics) {
        return step(metrics, "");
    }

    /**
     * The same, with more fields of the step ({@code ", dryRun: true"}); the template takes an argument
     * {@code limit} (default 0.05).
     */
    public static AnalysisRunSpec step(String metrics, String stepFields) {
        String spec = """
                service: orders
                analysisTemplates:
                  - name: checks
                    args: [{name: limit, value: "0.05"}]
                    metrics:
                %s
                release:
                  version: 2.0.0
                  run: {command: [java]}
                  schema: 1
                  strategy:
                    canary:
                      steps:
                        - analysis: {templates: [checks]%s}
                """.formatted(metrics.indent(6).stripTrailing(), stepFields);
        StrategySpec.Canary canary = (StrategySpec.Canary) SpecParser.parse("slipway.yaml", spec).release().strategy();
        return ((CanaryStep.TemplateAnalysis) canary.steps().get(0)).run();
    }

    /** Runs the analysis to its end (at most {@code limit}), ticking every 100 ms, and returns its final status. */
    public static AnalysisStatus run(AnalysisRunSpec spec, MeasurerFactory factory, Duration limit) {
        ExecutorService executor = Executors.newCachedThreadPool();
        try (AnalysisRun run = new AnalysisRun("test", spec, BUILT_INS, factory, Clock.systemUTC(), executor)) {
            long deadline = System.nanoTime() + limit.toNanos();
            while (!run.finished() && System.nanoTime() < deadline) {
                run.tick();
                Thread.sleep(100);
            }
            if (!run.finished()) {
                throw new AssertionError("the analysis did not finish within " + limit + ": " + run.status());
            }
            return run.status();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            executor.shutdownNow();
        }
    }
}
