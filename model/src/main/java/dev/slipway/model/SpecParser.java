package dev.slipway.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads {@code slipway.yaml} into a {@link ServiceSpec}. Every field is checked; the first problem is thrown
 * as a {@link SpecException} located at {@code file:line:column}.
 */
public final class SpecParser {
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,62}");
    private static final Pattern SCHEMA_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,40}");

    private SpecParser() {
    }

    public static ServiceSpec parse(Path file) {
        try {
            return parse(file.toString(), Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    public static ServiceSpec parse(String file, String text) {
        SpecNode root = SpecNode.parse(file, text)
                .allowOnly("service", "database", "runtime", "swarm", "router", "analysisTemplates", "release",
                        "notifications", "hooks", "progressDeadline"); // the last three: PolicyParser
        SpecNode serviceNode = root.require("service");
        String service = serviceNode.nonBlankString();
        if (!NAME.matcher(service).matches()) {
            throw serviceNode.error("'" + service + "' is not a service name (lowercase letters, digits, '-')");
        }
        String databaseUrl = "embedded";
        String schemaName = "public";
        Optional<String> passwordFile = Optional.empty();
        Optional<SpecNode> database = root.optional("database");
        if (database.isPresent()) {
            SpecNode node = database.get().allowOnly("url", "schema", "passwordFile");
            passwordFile = node.optional("passwordFile").map(SpecNode::nonBlankString);
            if (node.optional("url").isPresent()) {
                SpecNode urlNode = node.require("url");
                databaseUrl = urlNode.nonBlankString();
                if (!databaseUrl.equals("embedded") && !databaseUrl.startsWith("jdbc:postgresql://")) {
                    throw urlNode.error("'" + databaseUrl + "' is neither 'embedded' nor a jdbc:postgresql:// URL");
                }
            }
            if (node.optional("schema").isPresent()) {
                SpecNode schemaNode = node.require("schema");
                schemaName = schemaNode.nonBlankString();
                if (!SCHEMA_NAME.matcher(schemaName).matches()) {
                    throw schemaNode.error("'" + schemaName + "' is not a plain PostgreSQL schema name");
                }
            }
        }
        String runtime = "local";
        Optional<SpecNode> runtimeNode = root.optional("runtime");
        if (runtimeNode.isPresent()) {
            runtime = runtimeNode.get().nonBlankString();
            if (!runtime.equals("local") && !runtime.equals("docker") && !runtime.equals("swarm")) {
                throw runtimeNode.get().error("runtime '" + runtime + "' is not available (available: local, docker,"
                        + " swarm)");
            }
        }
        Optional<SwarmSpec> swarm = runtime.equals("swarm") ? Optional.of(SwarmSpec.defaults()) : Optional.empty();
        Optional<SpecNode> swarmNode = root.optional("swarm");
        if (swarmNode.isPresent()) {
            if (!runtime.equals("swarm")) {
                throw swarmNode.get().error("a swarm section needs runtime: swarm (runtime is " + runtime + ")");
            }
            swarm = Optional.of(SwarmSpec.parse(swarmNode.get()));
        }
        RouterSpec router = root.optional("router").map(RouterSpecParser::parse).orElse(RouterSpec.defaults());
        Map<String, AnalysisTemplate> templates = root.optional("analysisTemplates")
                .map(AnalysisSpecParser::templates).orElse(Map.of());
        ReleaseSpec release = release(root.require("release"), templates);
        return new ServiceSpec(service, databaseUrl, schemaName, runtime, router, release, PolicyParser.parse(root),
                swarm, passwordFile);
    }

    /**
     * Reads a document that holds only a release (as {@link SpecWriter#release} writes it), with the analysis
     * templates its strategy uses under its own {@code analysisTemplates}.
     */
    public static ReleaseSpec parseRelease(String file, String text) {
        SpecNode node = SpecNode.parse(file, text);
        Map<String, AnalysisTemplate> templates = node.optional("analysisTemplates")
                .map(AnalysisSpecParser::templates).orElse(Map.of());
        return release(node, templates, "analysisTemplates");
    }

    static ReleaseSpec release(SpecNode node, Map<String, AnalysisTemplate> templates, String... extraFields) {
        List<String> allowed = new ArrayList<>(List.of("version", "run", "schema", "replicas", "health", "strategy",
                "contractAfter"));
        allowed.addAll(List.of(extraFields));
        node.allowOnly(allowed.toArray(String[]::new));
        String version = node.require("version").nonBlankString();
        RunSpec run = run(node.require("run"));
        SchemaRange schema = schemaRange(node.require("schema"));
        int replicas = node.optional("replicas").map(r -> r.integer(1, 100)).orElse(1);
        HealthSpec health = node.optional("health").map(SpecParser::health).orElse(HealthSpec.defaults());
        StrategySpec strategy = strategy(node.require("strategy"), templates);
        Optional<Duration> contractAfter = node.optional("contractAfter").map(SpecNode::duration);
        return new ReleaseSpec(version, run, schema, replicas, health, strategy, contractAfter);
    }

    private static RunSpec run(SpecNode node) {
        node.allowOnly("command", "env");
        return new RunSpec(command(node.require("command")), environment(node.optional("env")));
    }

    /** A program and its arguments, run without a shell: a non-empty list of non-blank strings. */
    static List<String> command(SpecNode commandNode) {
        return command(commandNode, SpecNode::nonBlankString);
    }

    /** A non-empty command line; {@code part} reads (and checks) each word. */
    static List<String> command(SpecNode commandNode, java.util.function.Function<SpecNode, String> part) {
        List<String> command = new ArrayList<>();
        for (SpecNode word : commandNode.items()) {
            command.add(part.apply(word));
        }
        if (command.isEmpty()) {
            throw commandNode.error("the command is empty");
        }
        return command;
    }

    /** Environment variables for a process: names checked, values as written. */
    static Map<String, String> environment(Optional<SpecNode> envNode) {
        return environment(envNode, SpecNode::string);
    }

    /** Environment variables by name; {@code value} reads (and checks) each value. */
    static Map<String, String> environment(Optional<SpecNode> envNode,
                                           java.util.function.Function<SpecNode, String> value) {
        Map<String, String> env = new LinkedHashMap<>();
        if (envNode.isPresent()) {
            for (Map.Entry<String, SpecNode> entry : envNode.get().fields().entrySet()) {
                if (!entry.getKey().matches("[A-Za-z_][A-Za-z0-9_]*")) {
                    throw entry.getValue().error("'" + entry.getKey() + "' is not an environment variable name");
                }
                env.put(entry.getKey(), value.apply(entry.getValue()));
            }
        }
        return env;
    }

    private static SchemaRange schemaRange(SpecNode node) {
        if (node.isScalar()) {
            return SchemaRange.only(node.integer(0, Integer.MAX_VALUE));
        }
        List<SpecNode> bounds = node.items();
        if (bounds.size() != 2) {
            throw node.error("expected [min, max] schema versions, e.g. [1, 2]");
        }
        int min = bounds.get(0).integer(0, Integer.MAX_VALUE);
        int max = bounds.get(1).integer(0, Integer.MAX_VALUE);
        if (max < min) {
            throw node.error("[" + min + ", " + max + "] is empty: the first version must not exceed the second");
        }
        return new SchemaRange(min, max);
    }

    private static HealthSpec health(SpecNode node) {
        node.allowOnly("readiness", "liveness");
        ProbeSpec readiness = node.optional("readiness").map(n -> probe(n, ProbeSpec.readinessDefault()))
                .orElse(ProbeSpec.readinessDefault());
        // opt-in: only a spec that sets liveness gets a liveness probe (its unset fields take the defaults)
        ProbeSpec liveness = node.optional("liveness").map(n -> probe(n, ProbeSpec.livenessDefault())).orElse(null);
        return new HealthSpec(readiness, liveness);
    }

    private static ProbeSpec probe(SpecNode node, ProbeSpec defaults) {
        node.allowOnly("path", "period", "timeout", "failureThreshold", "startPeriod");
        String path = defaults.path();
        Optional<SpecNode> pathNode = node.optional("path");
        if (pathNode.isPresent()) {
            path = pathNode.get().nonBlankString();
            if (!path.startsWith("/")) {
                throw pathNode.get().error("'" + path + "' must start with '/'");
            }
        }
        Duration period = positive(node, "period", defaults.period());
        Duration timeout = positive(node, "timeout", defaults.timeout());
        int threshold = node.optional("failureThreshold").map(n -> n.integer(1, 1000)).orElse(defaults.failureThreshold());
        Duration startPeriod = node.optional("startPeriod").map(SpecNode::duration).orElse(defaults.startPeriod());
        return new ProbeSpec(path, period, timeout, threshold, startPeriod);
    }

    private static Duration positive(SpecNode parent, String key, Duration fallback) {
        Optional<SpecNode> node = parent.optional(key);
        if (node.isEmpty()) {
            return fallback;
        }
        Duration value = node.get().duration();
        if (value.isZero()) {
            throw node.get().error("must be longer than 0");
        }
        return value;
    }

    private static StrategySpec strategy(SpecNode node, Map<String, AnalysisTemplate> templates) {
        Map<String, SpecNode> fields = node.fields();
        if (fields.size() != 1) {
            throw node.error("expected exactly one strategy: canary, rolling or blueGreen");
        }
        node.allowOnly("canary", "rolling", "blueGreen");
        if (fields.containsKey("rolling")) {
            SpecNode rolling = node.require("rolling");
            if (rolling.isNull() || !rolling.isMapping()) {
                return new StrategySpec.Rolling(new StrategySpec.Quantity(1, false), new StrategySpec.Quantity(0, false));
            }
            rolling.allowOnly("maxSurge", "maxUnavailable");
            StrategySpec.Quantity surge = rolling.optional("maxSurge").map(SpecParser::quantity)
                    .orElse(new StrategySpec.Quantity(1, false));
            StrategySpec.Quantity unavailable = rolling.optional("maxUnavailable").map(SpecParser::quantity)
                    .orElse(new StrategySpec.Quantity(0, false));
            if (surge.value() == 0 && unavailable.value() == 0) {
                throw rolling.error("maxSurge and maxUnavailable cannot both be 0: nothing could ever move");
            }
            return new StrategySpec.Rolling(surge, unavailable);
        }
        if (fields.containsKey("blueGreen")) {
            SpecNode blueGreen = node.require("blueGreen");
            if (blueGreen.isNull() || !blueGreen.isMapping()) {
                return new StrategySpec.BlueGreen(Optional.empty(), Optional.empty(), Duration.ofSeconds(30),
                        "X-Slipway-Preview");
            }
            blueGreen.allowOnly("autoPromoteAfter", "prePromotionAnalysis", "scaleDownDelay", "previewHeader");
            return new StrategySpec.BlueGreen(
                    blueGreen.optional("autoPromoteAfter").map(SpecNode::duration),
                    blueGreen.optional("prePromotionAnalysis").map(SpecParser::analysis),
                    blueGreen.optional("scaleDownDelay").map(SpecNode::duration).orElse(Duration.ofSeconds(30)),
                    blueGreen.optional("previewHeader").map(SpecNode::nonBlankString).orElse("X-Slipway-Preview"));
        }
        SpecNode canary = node.require("canary").allowOnly("steps", "analysis");
        List<CanaryStep> steps = new ArrayList<>();
        for (SpecNode stepNode : canary.require("steps").items()) {
            steps.add(step(stepNode, templates));
        }
        Optional<BackgroundAnalysis> background = canary.optional("analysis")
                .map(n -> AnalysisSpecParser.background(n, templates, steps.size()));
        return new StrategySpec.Canary(steps, background);
    }

    private static StrategySpec.Quantity quantity(SpecNode node) {
        String text = node.string().trim();
        boolean percent = text.endsWith("%");
        String digits = percent ? text.substring(0, text.length() - 1).trim() : text;
        int value;
        try {
            value = Integer.parseInt(digits);
        } catch (NumberFormatException e) {
            throw node.error("'" + text + "' is neither a replica count nor a percentage (e.g. 1 or 25%)");
        }
        if (value < 0 || (percent && value > 100)) {
            throw node.error("'" + text + "' is out of range (a count >= 0 or 0%..100%)");
        }
        return new StrategySpec.Quantity(value, percent);
    }

    private static CanaryStep step(SpecNode node, Map<String, AnalysisTemplate> templates) {
        Map<String, SpecNode> fields = node.fields();
        if (fields.size() != 1) {
            throw node.error("a step has exactly one of setWeight, pause, analysis, experiment, setHeaderRoute,"
                    + " setCanaryScale");
        }
        node.allowOnly("setWeight", "pause", "analysis", "experiment", "setHeaderRoute", "setCanaryScale");
        Map.Entry<String, SpecNode> entry = fields.entrySet().iterator().next();
        SpecNode value = entry.getValue();
        return switch (entry.getKey()) {
            case "setWeight" -> {
                String text = value.string().trim();
                try {
                    int percent = Integer.parseInt(text);
                    if (percent < 0 || percent > 100) {
                        throw value.error(percent + " is not a percentage (0..100)");
                    }
                    yield new CanaryStep.SetWeight(percent);
                } catch (NumberFormatException e) {
                    throw value.error("'" + text + "' is not a percentage (0..100)");
                }
            }
            case "pause" -> {
                if (value.isNull()) {
                    yield new CanaryStep.Pause(Optional.empty());
                }
                if (value.isMapping()) {
                    value.allowOnly("duration");
                    yield new CanaryStep.Pause(value.optional("duration").map(SpecNode::duration));
                }
                yield new CanaryStep.Pause(Optional.of(value.duration()));
            }
            case "analysis" -> AnalysisSpecParser.usesTemplates(value)
                    ? AnalysisSpecParser.stepAnalysis(value, templates)
                    : new CanaryStep.Analysis(analysis(value));
            case "experiment" -> AnalysisSpecParser.experiment(value, templates);
            case "setCanaryScale" -> {
                value.allowOnly("replicas", "weight", "matchTrafficWeight");
                Optional<Integer> replicas = value.optional("replicas").map(n -> n.integer(0, 100));
                Optional<Integer> percent = value.optional("weight").map(n -> n.integer(0, 100));
                if (replicas.isPresent() && percent.isPresent()) {
                    throw value.error("give replicas or weight, not both");
                }
                yield new CanaryStep.SetCanaryScale(replicas, percent);
            }
            default -> {
                value.allowOnly("header", "value");
                yield new CanaryStep.SetHeaderRoute(value.require("header").nonBlankString(),
                        value.require("value").nonBlankString());
            }
        };
    }

    private static AnalysisSpec analysis(SpecNode node) {
        node.allowOnly("errorRate", "latencyP99", "minRequests", "window");
        double errorRateMax = node.optional("errorRate")
                .map(n -> n.allowOnly("max").require("max").number(0, 1)).orElse(0.01);
        Optional<Duration> latency = node.optional("latencyP99")
                .map(n -> n.allowOnly("max").require("max").duration());
        long minRequests = node.optional("minRequests").map(n -> (long) n.integer(1, Integer.MAX_VALUE)).orElse(50L);
        Duration window = node.optional("window").map(SpecNode::duration).orElse(Duration.ofSeconds(60));
        return new AnalysisSpec(errorRateMax, latency, minRequests, window);
    }
}
