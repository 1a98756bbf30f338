package dev.slipway.model;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An analysis as a step (or a background analysis, or an experiment) asks for it: the templates it runs,
 * already resolved from their names, and the arguments it passes. {@code dryRun} makes every metric a dry run.
 */
public record AnalysisRunSpec(List<AnalysisTemplate> templates, Map<String, String> args, boolean dryRun) {
    public AnalysisRunSpec {
        templates = List.copyOf(templates);
        args = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(args));
    }

    /** Every metric of every template, in order. */
    public List<MetricSpec> metrics() {
        return templates.stream().flatMap(template -> template.metrics().stream()).toList();
    }

    /** The value of an argument: given by the step, else the default of the template that declares it. */
    public Optional<String> arg(String name) {
        if (args.containsKey(name)) {
            return Optional.of(args.get(name));
        }
        for (AnalysisTemplate template : templates) {
            for (AnalysisTemplate.Arg arg : template.args()) {
                if (arg.name().equals(name) && arg.value().isPresent()) {
                    return arg.value();
                }
            }
        }
        return Optional.empty();
    }

    /** A short name for timelines: the template names joined. */
    public String describe() {
        return String.join("+", templates.stream().map(AnalysisTemplate::name).toList());
    }
}
