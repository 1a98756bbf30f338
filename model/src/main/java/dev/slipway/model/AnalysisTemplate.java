package dev.slipway.model;

import java.util.List;
import java.util.Optional;

/**
 * A named, reusable analysis (Argo Rollouts' AnalysisTemplate): the arguments it takes and the metrics it
 * measures. Steps and background analyses refer to templates by name and pass the arguments.
 */
public record AnalysisTemplate(String name, List<Arg> args, List<MetricSpec> metrics) {
    public AnalysisTemplate {
        args = List.copyOf(args);
        metrics = List.copyOf(metrics);
    }

    /** An argument; {@code value} is its default, empty when whoever uses the template must give it. */
    public record Arg(String name, Optional<String> value) {
    }
}
