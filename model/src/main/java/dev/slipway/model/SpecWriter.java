package dev.slipway.model;

import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes a release back as YAML that {@link SpecParser#parseRelease} reads into an equal record. The store keeps
 * releases this way, so a restarted controller knows how to run the revisions it adopts; {@code slipway env promote}
 * sends one to the next environment inside a spec.
 *
 * <p>The document is built as YAML nodes and written by SnakeYAML's emitter: every text value is a double-quoted
 * scalar, in which the emitter escapes whatever YAML could not carry as it is (line breaks, control characters,
 * quotes, a byte-order mark), so text like {@code no}, {@code ~}, {@code - x} or {@code a: b} stays text. Scalars never
 * wrap, so every value is on one line and the document may be indented as a whole.
 */
public final class SpecWriter {
    private static final Yaml YAML = new Yaml(options());

    private SpecWriter() {
    }

    public static String release(ReleaseSpec release) {
        Fields document = new Fields();
        document.put("version", text(release.version()));
        Fields run = new Fields();
        run.put("command", sequence(release.run().command().stream().map(SpecWriter::text).toList()));
        Fields env = new Fields();
        release.run().env().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(variable -> env.put(variable.getKey(), text(variable.getValue())));
        run.put("env", env.node());
        document.put("run", run.node());
        document.put("schema", sequence(List.of(number(release.schema().min()), number(release.schema().max()))));
        document.put("replicas", number(release.replicas()));
        release.contractAfter().ifPresent(delay -> document.put("contractAfter", duration(delay)));
        Fields health = new Fields();
        health.put("readiness", probe(release.health().readiness()));
        if (release.health().liveness() != null) { // opt-in: no probe unless the spec set one
            health.put("liveness", probe(release.health().liveness()));
        }
        document.put("health", health.node());
        document.put("strategy", strategy(release.strategy()));
        if (release.strategy() instanceof StrategySpec.Canary canary) {
            // the templates go with the release, so a stored release runs the analyses it was applied with
            List<AnalysisTemplate> templates = AnalysisSpecWriter.templatesOf(canary);
            if (!templates.isEmpty()) {
                document.put("analysisTemplates", new SequenceNode(Tag.SEQ,
                        templates.stream().map(AnalysisSpecWriter::template).toList(), DumperOptions.FlowStyle.BLOCK));
            }
        }
        StringWriter out = new StringWriter();
        YAML.serialize(document.node(), out);
        return out.toString();
    }

    private static Node strategy(StrategySpec strategy) {
        Fields fields = new Fields();
        if (strategy instanceof StrategySpec.Rolling rolling) {
            Fields quantities = new Fields();
            quantities.put("maxSurge", text(rolling.maxSurge().toString()));
            quantities.put("maxUnavailable", text(rolling.maxUnavailable().toString()));
            fields.put("rolling", quantities.node());
        } else if (strategy instanceof StrategySpec.BlueGreen blueGreen) {
            Fields settings = new Fields();
            blueGreen.autoPromoteAfter().ifPresent(delay -> settings.put("autoPromoteAfter", duration(delay)));
            blueGreen.prePromotionAnalysis().ifPresent(analysis -> settings.put("prePromotionAnalysis", analysis(analysis)));
            settings.put("scaleDownDelay", duration(blueGreen.scaleDownDelay()));
            settings.put("previewHeader", text(blueGreen.previewHeader()));
            fields.put("blueGreen", settings.node());
        } else {
            StrategySpec.Canary canary = (StrategySpec.Canary) strategy;
            Fields steps = new Fields();
            canary.analysis().ifPresent(background -> steps.put("analysis", AnalysisSpecWriter.background(background)));
            steps.put("steps", sequence(canary.steps().stream().map(SpecWriter::step).toList()));
            fields.put("canary", steps.node());
        }
        return fields.node();
    }

    private static Node step(CanaryStep step) {
        Fields fields = new Fields();
        if (step instanceof CanaryStep.SetWeight setWeight) {
            fields.put("setWeight", number(setWeight.percent()));
        } else if (step instanceof CanaryStep.Pause pause) {
            fields.put("pause", pause.duration().<Node>map(SpecWriter::duration).orElseGet(() -> new Fields().node()));
        } else if (step instanceof CanaryStep.Analysis analysis) {
            fields.put("analysis", analysis(analysis.spec()));
        } else if (step instanceof CanaryStep.TemplateAnalysis analysis) {
            fields.put("analysis", AnalysisSpecWriter.reference(analysis.run()).node());
        } else if (step instanceof CanaryStep.Experiment experiment) {
            fields.put("experiment", AnalysisSpecWriter.experiment(experiment));
        } else if (step instanceof CanaryStep.SetHeaderRoute route) {
            Fields header = new Fields();
            header.put("header", text(route.name()));
            header.put("value", text(route.value()));
            fields.put("setHeaderRoute", header.node());
        } else {
            CanaryStep.SetCanaryScale scale = (CanaryStep.SetCanaryScale) step;
            Fields size = new Fields();
            if (scale.replicas().isPresent()) {
                size.put("replicas", number(scale.replicas().get()));
            } else if (scale.percent().isPresent()) {
                size.put("weight", number(scale.percent().get()));
            } else {
                size.put("matchTrafficWeight", bool(true));
            }
            fields.put("setCanaryScale", size.node());
        }
        return fields.node();
    }

    private static Node analysis(AnalysisSpec spec) {
        Fields fields = new Fields();
        Fields errorRate = new Fields();
        errorRate.put("max", decimal(spec.errorRateMax()));
        fields.put("errorRate", errorRate.node());
        spec.latencyP99Max().ifPresent(latency -> {
            Fields p99 = new Fields();
            p99.put("max", duration(latency));
            fields.put("latencyP99", p99.node());
        });
        fields.put("minRequests", number(spec.minRequests()));
        fields.put("window", duration(spec.window()));
        return fields.node();
    }

    private static Node probe(ProbeSpec probe) {
        Fields fields = new Fields();
        fields.put("path", text(probe.path()));
        fields.put("period", duration(probe.period()));
        fields.put("timeout", duration(probe.timeout()));
        fields.put("failureThreshold", number(probe.failureThreshold()));
        fields.put("startPeriod", duration(probe.startPeriod()));
        return fields.node();
    }

    /** Any text, as a double-quoted scalar: the emitter escapes what needs it. */
    static ScalarNode text(String value) {
        return new ScalarNode(Tag.STR, value, null, null, DumperOptions.ScalarStyle.DOUBLE_QUOTED);
    }

    /** A word of the spec's own vocabulary ({@code GET}, {@code p99}, {@code increase}), written as it is. */
    static ScalarNode plain(String word) {
        return new ScalarNode(Tag.STR, word, null, null, DumperOptions.ScalarStyle.PLAIN);
    }

    static ScalarNode number(long value) {
        return new ScalarNode(Tag.INT, Long.toString(value), null, null, DumperOptions.ScalarStyle.PLAIN);
    }

    static ScalarNode decimal(double value) {
        return new ScalarNode(Tag.FLOAT, Double.toString(value), null, null, DumperOptions.ScalarStyle.PLAIN);
    }

    static ScalarNode bool(boolean value) {
        return new ScalarNode(Tag.BOOL, Boolean.toString(value), null, null, DumperOptions.ScalarStyle.PLAIN);
    }

    /** In the spec's own syntax ({@code 30s}, {@code 1h30m}), which reads as text, so it needs no quotes. */
    static ScalarNode duration(Duration duration) {
        return new ScalarNode(Tag.STR, Durations.format(duration), null, null, DumperOptions.ScalarStyle.PLAIN);
    }

    static SequenceNode sequence(List<? extends Node> items) {
        return new SequenceNode(Tag.SEQ, List.copyOf(items), DumperOptions.FlowStyle.FLOW);
    }

    private static DumperOptions options() {
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        options.setIndent(2);
        options.setSplitLines(false);
        options.setAllowUnicode(true);
        options.setNonPrintableStyle(DumperOptions.NonPrintableStyle.ESCAPE);
        return options;
    }

    /** The fields of one mapping, in the order they are put; keys are plain field names. */
    static final class Fields {
        private final List<NodeTuple> tuples = new ArrayList<>();

        void put(String key, Node value) {
            tuples.add(new NodeTuple(new ScalarNode(Tag.STR, key, null, null, DumperOptions.ScalarStyle.PLAIN), value));
        }

        MappingNode node() {
            return new MappingNode(Tag.MAP, tuples, tuples.isEmpty() ? DumperOptions.FlowStyle.FLOW
                    : DumperOptions.FlowStyle.BLOCK);
        }
    }
}
