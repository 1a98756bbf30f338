package dev.slipway.model;

import org.yaml.snakeyaml.nodes.Node;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.slipway.model.SpecWriter.Fields;
import static dev.slipway.model.SpecWriter.bool;
import static dev.slipway.model.SpecWriter.decimal;
import static dev.slipway.model.SpecWriter.duration;
import static dev.slipway.model.SpecWriter.number;
import static dev.slipway.model.SpecWriter.plain;
import static dev.slipway.model.SpecWriter.sequence;
import static dev.slipway.model.SpecWriter.text;

/**
 * Writes analysis templates and the references to them as YAML nodes that {@link AnalysisSpecParser} reads back into
 * equal records. Every field is written, defaults included, so a stored release never changes meaning when a default
 * does.
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

    static Node template(AnalysisTemplate template) {
        Fields fields = new Fields();
        fields.put("name", text(template.name()));
        fields.put("args", sequence(template.args().stream().map(arg -> {
            Fields argument = new Fields();
            argument.put("name", text(arg.name()));
            arg.value().ifPresent(value -> argument.put("value", text(value)));
            return argument.node();
        }).toList()));
        fields.put("metrics", sequence(template.metrics().stream().map(AnalysisSpecWriter::metric).toList()));
        return fields.node();
    }

    /** A step's (or background's) use of templates: their names, its arguments and dry run. */
    static Fields reference(AnalysisRunSpec run) {
        Fields fields = new Fields();
        fields.put("templates", sequence(run.templates().stream().map(template -> text(template.name())).toList()));
        fields.put("args", textMap(run.args()));
        fields.put("dryRun", bool(run.dryRun()));
        return fields;
    }

    static Node background(BackgroundAnalysis background) {
        Fields fields = reference(background.run());
        fields.put("startingStep", number(background.startingStep()));
        return fields.node();
    }

    static Node experiment(CanaryStep.Experiment experiment) {
        Fields fields = new Fields();
        experiment.replicas().ifPresent(replicas -> fields.put("replicas", number(replicas)));
        experiment.duration().ifPresent(length -> fields.put("duration", duration(length)));
        fields.put("analyses", sequence(experiment.analyses().stream().map(run -> reference(run).node()).toList()));
        return fields.node();
    }

    private static Node metric(MetricSpec metric) {
        Fields fields = new Fields();
        fields.put("name", text(metric.name()));
        metric.interval().ifPresent(interval -> fields.put("interval", duration(interval)));
        metric.count().ifPresent(count -> fields.put("count", number(count)));
        fields.put("initialDelay", duration(metric.initialDelay()));
        fields.put("failureLimit", number(metric.failureLimit()));
        fields.put("consecutiveErrorLimit", number(metric.consecutiveErrorLimit()));
        fields.put("inconclusiveLimit", number(metric.inconclusiveLimit()));
        metric.successCondition().ifPresent(condition -> fields.put("successCondition", text(condition)));
        metric.failureCondition().ifPresent(condition -> fields.put("failureCondition", text(condition)));
        fields.put("dryRun", bool(metric.dryRun()));
        Fields provider = new Fields();
        provider.put(metric.provider().kind(), provider(metric.provider()));
        fields.put("provider", provider.node());
        return fields.node();
    }

    private static Node provider(ProviderSpec provider) {
        Fields fields = new Fields();
        if (provider instanceof ProviderSpec.Prometheus prometheus) {
            fields.put("address", text(prometheus.address()));
            fields.put("query", text(prometheus.query()));
            fields.put("timeout", duration(prometheus.timeout()));
        } else if (provider instanceof ProviderSpec.Web web) {
            fields.put("url", text(web.url()));
            fields.put("method", plain(web.method()));
            fields.put("headers", textMap(web.headers()));
            web.body().ifPresent(body -> fields.put("body", text(body)));
            web.jsonPath().ifPresent(path -> fields.put("jsonPath", text(path)));
            fields.put("timeout", duration(web.timeout()));
        } else if (provider instanceof ProviderSpec.Job job) {
            fields.put("command", sequence(job.command().stream().map(SpecWriter::text).toList()));
            fields.put("env", textMap(job.env()));
            fields.put("timeout", duration(job.timeout()));
        } else if (provider instanceof ProviderSpec.Router router) {
            fields.put("metric", plain(router.metric().spec()));
            fields.put("revision", text(router.revision()));
            fields.put("minRequests", number(router.minRequests()));
        } else if (provider instanceof ProviderSpec.Database database) {
            fields.put("measure", plain(database.measure().spec()));
            fields.put("revision", text(database.revision()));
            fields.put("quantile", decimal(database.quantile()));
            fields.put("window", duration(database.window()));
            fields.put("sampleEvery", duration(database.sampleEvery()));
        } else {
            ProviderSpec.Statistical judge = (ProviderSpec.Statistical) provider;
            fields.put("baseline", text(judge.baseline()));
            fields.put("canary", text(judge.canary()));
            fields.put("confidence", decimal(judge.confidence()));
            Fields thresholds = new Fields();
            thresholds.put("marginal", decimal(judge.marginal()));
            thresholds.put("pass", decimal(judge.pass()));
            fields.put("thresholds", thresholds.node());
            fields.put("groups", sequence(judge.groups().stream().map(group -> {
                Fields written = new Fields();
                written.put("name", text(group.name()));
                written.put("weight", decimal(group.weight()));
                written.put("metrics", sequence(group.metrics().stream().map(AnalysisSpecWriter::compared).toList()));
                return written.node();
            }).toList()));
        }
        return fields.node();
    }

    private static Node compared(ProviderSpec.ComparedMetric metric) {
        Fields fields = new Fields();
        fields.put("name", text(metric.name()));
        if (metric.source() instanceof ProviderSpec.PrometheusSeries series) {
            Fields prometheus = new Fields();
            prometheus.put("address", text(series.address()));
            prometheus.put("query", text(series.query()));
            prometheus.put("step", duration(series.step()));
            Fields source = new Fields();
            source.put("prometheus", prometheus.node());
            fields.put("source", source.node());
        } else {
            fields.put("source", plain(metric.source().describe()));
        }
        fields.put("direction", plain(metric.direction().spec()));
        fields.put("effectSize", decimal(metric.effectSize()));
        fields.put("critical", bool(metric.critical()));
        fields.put("noData", plain(metric.noData().spec()));
        fields.put("minSamples", number(metric.minSamples()));
        return fields.node();
    }

    private static Node textMap(Map<String, String> values) {
        Fields fields = new Fields();
        values.forEach((name, value) -> fields.put(name, text(value)));
        return fields.node();
    }
}
