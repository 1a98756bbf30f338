package dev.slipway.model;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Writes a release back as YAML that {@link SpecParser#parseRelease} reads into an equal record. The store
 * keeps releases this way, so a restarted controller knows how to run the revisions it adopts.
 */
public final class SpecWriter {
    private SpecWriter() {
    }

    public static String release(ReleaseSpec release) {
        List<String> lines = new ArrayList<>();
        lines.add("version: " + quote(release.version()));
        lines.add("run:");
        lines.add("  command: [" + release.run().command().stream().map(SpecWriter::quote)
                .collect(Collectors.joining(", ")) + "]");
        lines.add("  env: {" + release.run().env().entrySet().stream()
                .map(e -> e.getKey() + ": " + quote(e.getValue())).collect(Collectors.joining(", ")) + "}");
        lines.add("schema: [" + release.schema().min() + ", " + release.schema().max() + "]");
        lines.add("replicas: " + release.replicas());
        release.contractAfter().ifPresent(d -> lines.add("contractAfter: " + Durations.format(d)));
        lines.add("health:");
        lines.add("  readiness: " + probe(release.health().readiness()));
        if (release.health().liveness() != null) {
            lines.add("  liveness: " + probe(release.health().liveness()));
        }
        lines.add("strategy:");
        StrategySpec strategy = release.strategy();
        if (strategy instanceof StrategySpec.Rolling rolling) {
            lines.add("  rolling: {maxSurge: " + quote(rolling.maxSurge().toString()) + ", maxUnavailable: "
                    + quote(rolling.maxUnavailable().toString()) + "}");
        } else if (strategy instanceof StrategySpec.BlueGreen blueGreen) {
            List<String> fields = new ArrayList<>();
            blueGreen.autoPromoteAfter().ifPresent(d -> fields.add("autoPromoteAfter: " + Durations.format(d)));
            blueGreen.prePromotionAnalysis().ifPresent(a -> fields.add("prePromotionAnalysis: " + analysis(a)));
            fields.add("scaleDownDelay: " + Durations.format(blueGreen.scaleDownDelay()));
            fields.add("previewHeader: " + quote(blueGreen.previewHeader()));
            lines.add("  blueGreen: {" + String.join(", ", fields) + "}");
        } else if (strategy instanceof StrategySpec.Canary canary) {
            lines.add("  canary:");
            lines.add("    steps:");
            if (canary.steps().isEmpty()) {
                lines.set(lines.size() - 1, "    steps: []");
            }
            for (CanaryStep step : canary.steps()) {
                lines.add("      - " + step(step));
            }
        }
        return String.join("\n", lines) + "\n";
    }

    private static String step(CanaryStep step) {
        if (step instanceof CanaryStep.SetWeight setWeight) {
            return "setWeight: " + setWeight.percent();
        }
        if (step instanceof CanaryStep.Pause pause) {
            return "pause: " + pause.duration().map(Durations::format).orElse("{}");
        }
        if (step instanceof CanaryStep.Analysis analysis) {
            return "analysis: " + analysis(analysis.spec());
        }
        if (step instanceof CanaryStep.SetHeaderRoute route) {
            return "setHeaderRoute: {header: " + quote(route.name()) + ", value: " + quote(route.value()) + "}";
        }
        CanaryStep.SetCanaryScale scale = (CanaryStep.SetCanaryScale) step;
        return "setCanaryScale: {" + scale.replicas().map(r -> "replicas: " + r)
                .or(() -> scale.percent().map(p -> "weight: " + p)).orElse("matchTrafficWeight: true") + "}";
    }

    private static String analysis(AnalysisSpec spec) {
        return "{errorRate: {max: " + spec.errorRateMax() + "}"
                + spec.latencyP99Max().map(d -> ", latencyP99: {max: " + Durations.format(d) + "}").orElse("")
                + ", minRequests: " + spec.minRequests() + ", window: " + Durations.format(spec.window()) + "}";
    }

    private static String probe(ProbeSpec probe) {
        return "{path: " + quote(probe.path()) + ", period: " + Durations.format(probe.period()) + ", timeout: "
                + Durations.format(probe.timeout()) + ", failureThreshold: " + probe.failureThreshold()
                + ", startPeriod: " + Durations.format(probe.startPeriod()) + "}";
    }

    /** Double-quoted YAML scalar: safe for any text. */
    private static String quote(String text) {
        StringBuilder quoted = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                case '\n' -> quoted.append("\\n");
                case '\t' -> quoted.append("\\t");
                default -> quoted.append(c);
            }
        }
        return quoted.append('"').toString();
    }

}
