package dev.slipway.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Writes analysis templates and the references to them in the YAML flow form {@link AnalysisSpecParser} reads
 * back into equal records. Every field is written, defaults included, so a stored release never changes meaning
 * when a default does.
 */
final class AnalysisSpecWriter {
    private AnalysisSpecWriter() {
    }

    /** The templates a canary strategy uses, once each, in order of first use. */
    static List<AnalysisTemplate> templatesOf(StrategySpec.Canary canary) {
        Map<String, AnalysisTemplate> used = new LinkedHashMap<>();
        List<AnalysisRunSpec> runs = new ArrayList<>();
        canary.analysis().ifPresent(background -> runs.add(background.run()));
        for (CanaryStep step : canary.steps()) {
            if (step instanceof CanaryStep.TemplateAnalysis analysis) {
                runs.add(analysis.run());
            } else if (step instanceof CanaryStep.Experiment experiment) {
                runs.addAll(experiment.analyses());
            }
        }
        runs.forEach(run -> run.templates().forEach(template -> used.putIfAbsent(template.name(), template)));
        return List.copyOf(used.values());
    }

    static String template(AnalysisTemplate template) {
        return "{name: " + q(template.name())
                + ", args: [" + join(template.args(), arg -> "{name: " + q(arg.name())
                + arg.value().map(value -> ", value: " + q(value)).orElse("") + "}")
                + "], metrics: [" + join(template.metrics(), AnalysisSpecWriter::metric) + "]}";
    }

    static String reference(AnalysisRunSpec run) {
        return "templates: [" + join(run.templates(), template -> q(template.name())) + "], args: {"
                + run.args().entrySet().stream().map(e -> q(e.getKey()) + ": " + q(e.getValue()))
                .collect(Collectors.joining(", ")) + "}, dryRun: " + run.dryRun();
    }

    static String background(BackgroundAnalysis background) {
        return "{" + reference(background.run()) + ", startingStep: " + background.startingStep() + "}";
    }

    static String experiment(CanaryStep.Experiment experiment) {
        List<String> fields = new ArrayList<>();
        experiment.replicas().ifPresent(replicas -> fields.add("replicas: " + replicas));
        experiment.duration().ifPresent(duration -> fields.add("duration: " + Durations.format(duration)));
        fields.add("analyses: [" + join(experiment.analyses(), run -> "{" + reference(run) + "}") + "]");
        return "{" + String.join(", ", fields) + "}";
    }

    private static String metric(MetricSpec metric) {
        List<String> fields = new ArrayList<>();
        fields.add("name: " + q(metric.name()));
        metric.interval().ifPresent(interval -> fields.add("interval: " + Durations.format(interval)));
        metric.count().ifPresent(count -> fields.add("count: " + count));
        fields.add("initialDelay: " + Durations.format(metric.initialDelay()));
        fields.add("failureLimit: " + metric.failureLimit());
        fields.add("consecutiveErrorLimit: " + metric.consecutiveErrorLimit());
        fields.add("inconclusiveLimit: " + metric.inconclusiveLimit());
        metric.successCondition().ifPresent(condition -> fields.add("successCondition: " + q(condition)));
        metric.failureCondition().ifPresent(condition -> fields.add("failureCondition: " + q(condition)));
        fields.add("dryRun: " + metric.dryRun());
        fields.add("provider: {" + metric.provider().kind() + ": " + provider(metric.provider()) + "}");
        return "{" + String.join(", ", fields) + "}";
    }

    private static String provider(ProviderSpec provider) {
        if (provider instanceof ProviderSpec.Prometheus prometheus) {
            return "{address: " + q(prometheus.address()) + ", query: " + q(prometheus.query()) + ", timeout: "
                    + Durations.format(prometheus.timeout()) + "}";
        }
        if (provider instanceof ProviderSpec.Web web) {
            return "{url: " + q(web.url()) + ", method: " + web.method() + ", headers: {"
                    + web.headers().entrySet().stream().map(e -> q(e.getKey()) + ": " + q(e.getValue()))
                    .collect(Collectors.joining(", ")) + "}"
                    + web.body().map(body -> ", body: " + q(body)).orElse("")
                    + web.jsonPath().map(path -> ", jsonPath: " + q(path)).orElse("")
                    + ", timeout: " + Durations.format(web.timeout()) + "}";
        }
        if (provider instanceof ProviderSpec.Job job) {
            return "{command: [" + join(job.command(), AnalysisSpecWriter::q) + "], env: {"
                    + job.env().entrySet().stream().map(e -> e.getKey() + ": " + q(e.getValue()))
                    .collect(Collectors.joining(", ")) + "}, timeout: " + Durations.format(job.timeout()) + "}";
        }
        if (provider instanceof ProviderSpec.Router router) {
            return "{metric: " + router.metric().spec() + ", revision: " + q(router.revision()) + ", minRequests: "
                    + router.minRequests() + "}";
        }
        if (provider instanceof ProviderSpec.Database database) {
            return "{measure: " + database.measure().spec() + ", revision: " + q(database.revision()) + ", quantile: "
                    + database.quantile() + ", window: " + Durations.format(database.window()) + ", sampleEvery: "
                    + Durations.format(database.sampleEvery()) + "}";
        }
        ProviderSpec.Statistical judge = (ProviderSpec.Statistical) provider;
        return "{baseline: " + q(judge.baseline()) + ", canary: " + q(judge.canary()) + ", confidence: "
                + judge.confidence() + ", thresholds: {marginal: " + judge.marginal() + ", pass: " + judge.pass()
                + "}, groups: [" + join(judge.groups(), group -> "{name: " + q(group.name()) + ", weight: "
                + group.weight() + ", metrics: [" + join(group.metrics(), AnalysisSpecWriter::compared) + "]}") + "]}";
    }

    private static String compared(ProviderSpec.ComparedMetric metric) {
        String source;
        if (metric.source() instanceof ProviderSpec.PrometheusSeries series) {
            source = "{prometheus: {address: " + q(series.address()) + ", query: " + q(series.query()) + ", step: "
                    + Durations.format(series.step()) + "}}";
        } else {
            source = metric.source().describe();
        }
        return "{name: " + q(metric.name()) + ", source: " + source + ", direction: " + metric.direction().spec()
                + ", effectSize: " + metric.effectSize() + ", critical: " + metric.critical() + ", noData: "
                + metric.noData().spec() + ", minSamples: " + metric.minSamples() + "}";
    }

    private static <T> String join(List<T> items, Function<T, String> render) {
        return items.stream().map(render).collect(Collectors.joining(", "));
    }

    private static String q(String text) {
        return SpecWriter.quote(text);
    }
}
