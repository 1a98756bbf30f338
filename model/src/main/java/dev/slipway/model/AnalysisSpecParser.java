package dev.slipway.model;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads the analysis part of a spec: the {@code analysisTemplates} list and the places that use templates
 * (an {@code analysis} step with {@code templates}, the canary's background {@code analysis}, an
 * {@code experiment} step). Every field is checked where it is written; a template reference is resolved and
 * its arguments checked at the step that makes it.
 */
final class AnalysisSpecParser {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");
    private static final Pattern ARG_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]*");
    private static final String PROVIDERS = "prometheus, web, job, router, database, statistical";

    private AnalysisSpecParser() {
    }

    /** True for an {@code analysis} step that uses templates rather than the router thresholds. */
    static boolean usesTemplates(SpecNode analysis) {
        return analysis.isMapping() && analysis.fields().containsKey("templates");
    }

    // ------------------------------------------------------------------ templates

    static Map<String, AnalysisTemplate> templates(SpecNode list) {
        Map<String, AnalysisTemplate> templates = new LinkedHashMap<>();
        for (SpecNode node : list.items()) {
            AnalysisTemplate template = template(node);
            if (templates.containsKey(template.name())) {
                throw node.require("name").error("a template named '" + template.name() + "' is defined already");
            }
            templates.put(template.name(), template);
        }
        return templates;
    }

    private static AnalysisTemplate template(SpecNode node) {
        node.allowOnly("name", "args", "metrics");
        String name = name(node.require("name"));
        List<AnalysisTemplate.Arg> args = new ArrayList<>();
        Set<String> declared = new HashSet<>();
        for (SpecNode argNode : node.optional("args").map(SpecNode::items).orElse(List.of())) {
            argNode.allowOnly("name", "value");
            SpecNode argName = argNode.require("name");
            String arg = argName(argName);
            if (AnalysisArgs.BUILT_IN.contains(arg)) {
                throw argName.error("'" + arg + "' is filled in by Slipway (built-in arguments: "
                        + String.join(", ", AnalysisArgs.BUILT_IN) + "); use {{args." + arg + "}} without declaring it");
            }
            if (!declared.add(arg)) {
                throw argName.error("argument '" + arg + "' is declared twice");
            }
            args.add(new AnalysisTemplate.Arg(arg, argNode.optional("value").map(SpecNode::string)));
        }
        Set<String> known = new HashSet<>(declared);
        known.addAll(AnalysisArgs.BUILT_IN);
        List<MetricSpec> metrics = new ArrayList<>();
        Set<String> metricNames = new HashSet<>();
        SpecNode metricList = node.require("metrics");
        for (SpecNode metricNode : metricList.items()) {
            MetricSpec metric = metric(metricNode, known);
            if (!metricNames.add(metric.name())) {
                throw metricNode.require("name").error("a metric named '" + metric.name() + "' is in this template already");
            }
            metrics.add(metric);
        }
        if (metrics.isEmpty()) {
            throw metricList.error("a template needs at least one metric");
        }
        return new AnalysisTemplate(name, args, metrics);
    }

    private static MetricSpec metric(SpecNode node, Set<String> knownArgs) {
        node.allowOnly("name", "provider", "interval", "count", "initialDelay", "failureLimit", "consecutiveErrorLimit",
                "inconclusiveLimit", "successCondition", "failureCondition", "dryRun");
        String name = name(node.require("name"));
        Optional<Duration> interval = node.optional("interval").map(AnalysisSpecParser::positive);
        Optional<Integer> count = node.optional("count").map(n -> n.integer(1, 1_000_000));
        Duration initialDelay = node.optional("initialDelay").map(SpecNode::duration).orElse(Duration.ZERO);
        int failureLimit = node.optional("failureLimit").map(n -> n.integer(0, 1_000_000))
                .orElse(MetricSpec.DEFAULT_FAILURE_LIMIT);
        int errorLimit = node.optional("consecutiveErrorLimit").map(n -> n.integer(0, 1_000_000))
                .orElse(MetricSpec.DEFAULT_CONSECUTIVE_ERROR_LIMIT);
        int inconclusiveLimit = node.optional("inconclusiveLimit").map(n -> n.integer(0, 1_000_000))
                .orElse(MetricSpec.DEFAULT_INCONCLUSIVE_LIMIT);
        if (count.isPresent() && count.get() > 1 && interval.isEmpty()) {
            throw node.require("count").error(count.get() + " measurements need an interval between them");
        }
        Optional<String> success = node.optional("successCondition").map(n -> condition(n, knownArgs));
        Optional<String> failure = node.optional("failureCondition").map(n -> condition(n, knownArgs));
        boolean dryRun = node.optional("dryRun").map(SpecNode::bool).orElse(false);
        SpecNode providerNode = node.require("provider");
        ProviderSpec provider = provider(providerNode, knownArgs);
        boolean conditions = success.isPresent() || failure.isPresent();
        boolean decidesItself = provider instanceof ProviderSpec.Job || provider instanceof ProviderSpec.Statistical;
        if (decidesItself && conditions) {
            throw node.optional("successCondition").orElseGet(() -> node.require("failureCondition"))
                    .error("a " + provider.kind() + " metric decides by itself ("
                            + (provider instanceof ProviderSpec.Job ? "exit status" : "score thresholds")
                            + "); remove the condition");
        }
        if (!decidesItself && !conditions) {
            throw node.error("metric '" + name + "' needs a successCondition or a failureCondition"
                    + " (e.g. successCondition: result < 0.01): without one no measurement could ever fail");
        }
        if (provider.windowed() && interval.isEmpty() && initialDelay.isZero()) {
            throw node.error("metric '" + name + "' measures the traffic since the analysis began; give it an"
                    + " interval (its first measurement comes one interval after the start) or an initialDelay");
        }
        if (provider instanceof ProviderSpec.Database database && database.measure().sampled() && interval.isPresent()
                && database.window().compareTo(interval.get()) > 0) {
            throw providerNode.error("the database window " + Durations.format(database.window())
                    + " is longer than the metric's interval " + Durations.format(interval.get()));
        }
        return new MetricSpec(name, provider, interval, count, initialDelay, failureLimit, errorLimit, inconclusiveLimit,
                success, failure, dryRun);
    }

    private static String condition(SpecNode node, Set<String> knownArgs) {
        String text = withArgs(node, knownArgs);
        try {
            // Arguments are filled in when the analysis starts; a number stands in for them here.
            Map<String, String> placeholders = new LinkedHashMap<>();
            AnalysisArgs.referenced(text).forEach(arg -> placeholders.put(arg, "0"));
            Condition.parse(AnalysisArgs.substitute(text, placeholders));
        } catch (IllegalArgumentException e) {
            throw node.error(e.getMessage());
        }
        return text;
    }

    /** A text field that may use placeholders: each must name a declared or built-in argument. */
    private static String withArgs(SpecNode node, Set<String> knownArgs) {
        String text = node.nonBlankString();
        Set<String> used;
        try {
            used = AnalysisArgs.referenced(text);
        } catch (IllegalArgumentException e) {
            throw node.error(e.getMessage());
        }
        for (String arg : used) {
            if (!knownArgs.contains(arg)) {
                throw node.error("{{args." + arg + "}} is not an argument of this template (arguments: "
                        + knownArgs.stream().sorted().toList() + ")");
            }
        }
        return text;
    }

    // ------------------------------------------------------------------ providers

    private static ProviderSpec provider(SpecNode node, Set<String> knownArgs) {
        Map<String, SpecNode> fields = node.fields();
        if (fields.size() != 1) {
            throw node.error("expected exactly one provider: " + PROVIDERS);
        }
        node.allowOnly("prometheus", "web", "job", "router", "database", "statistical");
        Map.Entry<String, SpecNode> entry = fields.entrySet().iterator().next();
        SpecNode value = entry.getValue();
        return switch (entry.getKey()) {
            case "prometheus" -> {
                value.allowOnly("address", "query", "timeout");
                yield new ProviderSpec.Prometheus(url(value.require("address"), knownArgs),
                        withArgs(value.require("query"), knownArgs),
                        value.optional("timeout").map(AnalysisSpecParser::positive).orElse(ProviderSpec.Prometheus.DEFAULT_TIMEOUT));
            }
            case "web" -> web(value, knownArgs);
            case "job" -> job(value, knownArgs);
            case "router" -> {
                value.allowOnly("metric", "revision", "minRequests");
                SpecNode metricNode = value.require("metric");
                String metricName = metricNode.nonBlankString();
                ProviderSpec.RouterMetric metric = ProviderSpec.RouterMetric.of(metricName).orElseThrow(() ->
                        metricNode.error("unknown router metric '" + metricName + "' (known: " + java.util.Arrays
                                .stream(ProviderSpec.RouterMetric.values()).map(ProviderSpec.RouterMetric::spec).toList() + ")"));
                yield new ProviderSpec.Router(metric, revision(value, knownArgs),
                        value.optional("minRequests").map(n -> (long) n.integer(1, Integer.MAX_VALUE))
                                .orElse(ProviderSpec.Router.DEFAULT_MIN_REQUESTS));
            }
            case "database" -> database(value, knownArgs);
            default -> statistical(value, knownArgs);
        };
    }

    private static ProviderSpec.Web web(SpecNode node, Set<String> knownArgs) {
        node.allowOnly("url", "method", "headers", "body", "jsonPath", "timeout");
        String url = url(node.require("url"), knownArgs);
        String method = "GET";
        Optional<SpecNode> methodNode = node.optional("method");
        if (methodNode.isPresent()) {
            method = methodNode.get().nonBlankString();
            if (!method.equals("GET") && !method.equals("POST")) {
                throw methodNode.get().error("'" + method + "' is not GET or POST");
            }
        }
        Map<String, String> headers = new LinkedHashMap<>();
        Optional<SpecNode> headerNode = node.optional("headers");
        if (headerNode.isPresent()) {
            for (Map.Entry<String, SpecNode> header : headerNode.get().fields().entrySet()) {
                if (!header.getKey().matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
                    throw header.getValue().error("'" + header.getKey() + "' is not an HTTP header name");
                }
                headers.put(header.getKey(), withArgs(header.getValue(), knownArgs));
            }
        }
        Optional<String> body = node.optional("body").map(n -> withArgs(n, knownArgs));
        if (body.isPresent() && method.equals("GET")) {
            throw node.require("body").error("a GET sends no body; set method: POST");
        }
        Optional<String> jsonPath = Optional.empty();
        Optional<SpecNode> pathNode = node.optional("jsonPath");
        if (pathNode.isPresent()) {
            String path = withArgs(pathNode.get(), knownArgs).strip();
            String bare = path.startsWith("{") && path.endsWith("}") ? path.substring(1, path.length() - 1).strip() : path;
            if (!bare.startsWith("$")) {
                throw pathNode.get().error("'" + path + "' is not a JSONPath (it starts at the root: $.field)");
            }
            jsonPath = Optional.of(bare);
        }
        return new ProviderSpec.Web(url, method, headers, body, jsonPath,
                node.optional("timeout").map(AnalysisSpecParser::positive).orElse(ProviderSpec.Web.DEFAULT_TIMEOUT));
    }

    private static ProviderSpec.Job job(SpecNode node, Set<String> knownArgs) {
        node.allowOnly("command", "env", "timeout");
        return new ProviderSpec.Job(SpecParser.command(node.require("command"), part -> withArgs(part, knownArgs)),
                SpecParser.environment(node.optional("env"), value -> withArgs(value, knownArgs)),
                node.optional("timeout").map(AnalysisSpecParser::positive).orElse(ProviderSpec.Job.DEFAULT_TIMEOUT));
    }

    private static ProviderSpec.Database database(SpecNode node, Set<String> knownArgs) {
        node.allowOnly("measure", "revision", "quantile", "window", "sampleEvery");
        SpecNode measureNode = node.require("measure");
        String measureName = measureNode.nonBlankString();
        ProviderSpec.DatabaseMeasure measure = ProviderSpec.DatabaseMeasure.of(measureName).orElseThrow(() ->
                measureNode.error("unknown database measure '" + measureName + "' (known: " + java.util.Arrays
                        .stream(ProviderSpec.DatabaseMeasure.values()).map(ProviderSpec.DatabaseMeasure::spec).toList() + ")"));
        double quantile = node.optional("quantile").map(n -> n.number(0, 1)).orElse(ProviderSpec.Database.DEFAULT_QUANTILE);
        Duration window = node.optional("window").map(AnalysisSpecParser::positive).orElse(ProviderSpec.Database.DEFAULT_WINDOW);
        Duration every = node.optional("sampleEvery").map(AnalysisSpecParser::positive)
                .orElse(ProviderSpec.Database.DEFAULT_SAMPLE_EVERY);
        if (every.compareTo(window) > 0) {
            throw node.require("sampleEvery").error(Durations.format(every) + " is longer than the window "
                    + Durations.format(window));
        }
        return new ProviderSpec.Database(measure, revision(node, knownArgs), quantile, window, every);
    }

    private static ProviderSpec.Statistical statistical(SpecNode node, Set<String> knownArgs) {
        node.allowOnly("baseline", "canary", "confidence", "thresholds", "groups");
        String baseline = node.optional("baseline").map(n -> withArgs(n, knownArgs)).orElse("{{args.baseline}}");
        String canary = node.optional("canary").map(n -> withArgs(n, knownArgs)).orElse("{{args.canary}}");
        double confidence = node.optional("confidence").map(n -> n.number(0.5, 0.999999))
                .orElse(ProviderSpec.Statistical.DEFAULT_CONFIDENCE);
        double marginal = ProviderSpec.Statistical.DEFAULT_MARGINAL;
        double pass = ProviderSpec.Statistical.DEFAULT_PASS;
        Optional<SpecNode> thresholds = node.optional("thresholds");
        if (thresholds.isPresent()) {
            thresholds.get().allowOnly("marginal", "pass");
            marginal = thresholds.get().optional("marginal").map(n -> n.number(0, 100)).orElse(marginal);
            pass = thresholds.get().optional("pass").map(n -> n.number(0, 100)).orElse(pass);
            if (marginal > pass) {
                throw thresholds.get().error("marginal " + marginal + " is above pass " + pass);
            }
        }
        List<ProviderSpec.MetricGroup> groups = new ArrayList<>();
        Set<String> names = new HashSet<>();
        SpecNode groupList = node.require("groups");
        for (SpecNode groupNode : groupList.items()) {
            groupNode.allowOnly("name", "weight", "metrics");
            String groupName = name(groupNode.require("name"));
            double weight = groupNode.optional("weight").map(n -> n.number(0, 1_000_000)).orElse(1.0);
            if (weight == 0) {
                throw groupNode.require("weight").error("a group with weight 0 counts for nothing; remove it instead");
            }
            List<ProviderSpec.ComparedMetric> metrics = new ArrayList<>();
            SpecNode metricList = groupNode.require("metrics");
            for (SpecNode metricNode : metricList.items()) {
                ProviderSpec.ComparedMetric metric = compared(metricNode, knownArgs);
                if (!names.add(metric.name())) {
                    throw metricNode.require("name").error("a compared metric named '" + metric.name() + "' exists already");
                }
                metrics.add(metric);
            }
            if (metrics.isEmpty()) {
                throw metricList.error("a group needs at least one metric");
            }
            groups.add(new ProviderSpec.MetricGroup(groupName, weight, metrics));
        }
        if (groups.isEmpty()) {
            throw groupList.error("the judge needs at least one group");
        }
        return new ProviderSpec.Statistical(baseline, canary, confidence, marginal, pass, groups);
    }

    private static ProviderSpec.ComparedMetric compared(SpecNode node, Set<String> knownArgs) {
        node.allowOnly("name", "source", "direction", "effectSize", "critical", "noData", "minSamples");
        String name = name(node.require("name"));
        SpecNode sourceNode = node.require("source");
        ProviderSpec.Source source;
        if (sourceNode.isScalar()) {
            String text = sourceNode.string().strip();
            source = switch (text) {
                case "router.latency" -> new ProviderSpec.RouterLatency();
                case "router.errors" -> new ProviderSpec.RouterErrors();
                default -> throw sourceNode.error("unknown source '" + text
                        + "' (known: router.latency, router.errors, {prometheus: {address, query}})");
            };
        } else {
            sourceNode.allowOnly("prometheus");
            SpecNode prometheus = sourceNode.require("prometheus").allowOnly("address", "query", "step");
            SpecNode queryNode = prometheus.require("query");
            String query = withArgs(queryNode, knownArgs);
            if (!query.contains("{{revision}}")) {
                throw queryNode.error("the query must select one revision with {{revision}} (it runs once for the"
                        + " canary and once for the baseline), e.g. rate(x{revision=\"{{revision}}\"}[30s])");
            }
            source = new ProviderSpec.PrometheusSeries(url(prometheus.require("address"), knownArgs), query,
                    prometheus.optional("step").map(AnalysisSpecParser::positive).orElse(ProviderSpec.PrometheusSeries.DEFAULT_STEP));
        }
        ProviderSpec.Direction direction = ProviderSpec.Direction.INCREASE;
        Optional<SpecNode> directionNode = node.optional("direction");
        if (directionNode.isPresent()) {
            String text = directionNode.get().nonBlankString();
            direction = ProviderSpec.Direction.of(text).orElseThrow(() ->
                    directionNode.get().error("'" + text + "' is not increase, decrease or either"));
        }
        boolean errors = source instanceof ProviderSpec.RouterErrors;
        double effectSize;
        Optional<SpecNode> effectNode = node.optional("effectSize");
        if (errors) {
            effectSize = effectNode.map(n -> n.number(0, 1)).orElse(ProviderSpec.RouterErrors.DEFAULT_EFFECT_SIZE);
        } else {
            effectSize = effectNode.map(n -> n.number(1, 1000)).orElse(ProviderSpec.RouterLatency.DEFAULT_EFFECT_SIZE);
        }
        boolean critical = node.optional("critical").map(SpecNode::bool).orElse(false);
        ProviderSpec.NoData noData = ProviderSpec.NoData.INCONCLUSIVE;
        Optional<SpecNode> noDataNode = node.optional("noData");
        if (noDataNode.isPresent()) {
            String text = noDataNode.get().nonBlankString();
            noData = ProviderSpec.NoData.of(text).orElseThrow(() ->
                    noDataNode.get().error("'" + text + "' is not inconclusive or ignore"));
            if (critical && noData == ProviderSpec.NoData.IGNORE) {
                throw noDataNode.get().error("a critical metric cannot be ignored without data");
            }
        }
        int defaultMinimum = source instanceof ProviderSpec.PrometheusSeries ? 5 : 50;
        int minSamples = node.optional("minSamples").map(n -> n.integer(2, 10_000_000)).orElse(defaultMinimum);
        return new ProviderSpec.ComparedMetric(name, source, direction, effectSize, critical, noData, minSamples);
    }

    private static String revision(SpecNode node, Set<String> knownArgs) {
        return node.optional("revision").map(n -> withArgs(n, knownArgs)).orElse("{{args.canary}}");
    }

    private static String url(SpecNode node, Set<String> knownArgs) {
        String url = withArgs(node, knownArgs);
        if (!url.startsWith("http://") && !url.startsWith("https://") && !url.startsWith("{{")) {
            throw node.error("'" + url + "' is not an http:// or https:// URL");
        }
        return url;
    }

    // ------------------------------------------------------------------ references

    /** {@code {templates: [...], args: ..., dryRun: false}} with every template and argument checked. */
    static AnalysisRunSpec reference(SpecNode node, Map<String, AnalysisTemplate> known, String... extraFields) {
        List<String> allowed = new ArrayList<>(List.of("templates", "args", "dryRun"));
        allowed.addAll(List.of(extraFields));
        node.allowOnly(allowed.toArray(String[]::new));
        List<AnalysisTemplate> templates = new ArrayList<>();
        SpecNode templateList = node.require("templates");
        for (SpecNode item : templateList.items()) {
            SpecNode nameNode = item;
            if (item.isMapping()) {
                nameNode = item.allowOnly("templateName").require("templateName");
            }
            String name = nameNode.nonBlankString();
            AnalysisTemplate template = known.get(name);
            if (template == null) {
                throw nameNode.error(known.isEmpty()
                        ? "no analysis template '" + name + "': the spec defines none (add analysisTemplates)"
                        : "no analysis template '" + name + "' (defined: " + List.copyOf(known.keySet()) + ")");
            }
            if (templates.contains(template)) {
                throw nameNode.error("template '" + name + "' is listed twice");
            }
            templates.add(template);
        }
        if (templates.isEmpty()) {
            throw templateList.error("name at least one template");
        }
        Set<String> metricNames = new HashSet<>();
        for (AnalysisTemplate template : templates) {
            for (MetricSpec metric : template.metrics()) {
                if (!metricNames.add(metric.name())) {
                    throw templateList.error("metric '" + metric.name() + "' is in more than one of these templates;"
                            + " metric names must be unique within an analysis");
                }
            }
        }
        Map<String, String> args = new LinkedHashMap<>();
        Optional<SpecNode> argsNode = node.optional("args");
        if (argsNode.isPresent()) {
            Map<String, SpecNode> given = new LinkedHashMap<>();
            if (argsNode.get().isSequence()) {
                for (SpecNode item : argsNode.get().items()) {
                    item.allowOnly("name", "value");
                    String name = item.require("name").nonBlankString();
                    if (given.containsKey(name)) {
                        throw item.require("name").error("argument '" + name + "' is given twice");
                    }
                    given.put(name, item.require("value"));
                }
            } else {
                given.putAll(argsNode.get().fields());
            }
            Set<String> declared = new HashSet<>();
            templates.forEach(template -> template.args().forEach(arg -> declared.add(arg.name())));
            for (Map.Entry<String, SpecNode> entry : given.entrySet()) {
                if (AnalysisArgs.BUILT_IN.contains(entry.getKey())) {
                    throw entry.getValue().error("'" + entry.getKey() + "' is filled in by Slipway and cannot be given");
                }
                if (!declared.contains(entry.getKey())) {
                    throw entry.getValue().error("no template here takes an argument '" + entry.getKey()
                            + "' (arguments: " + declared.stream().sorted().toList() + ")");
                }
                args.put(entry.getKey(), entry.getValue().string());
            }
        }
        AnalysisRunSpec run = new AnalysisRunSpec(templates, args, node.optional("dryRun").map(SpecNode::bool).orElse(false));
        for (AnalysisTemplate template : templates) {
            for (AnalysisTemplate.Arg arg : template.args()) {
                if (run.arg(arg.name()).isEmpty()) {
                    throw node.error("template '" + template.name() + "' needs argument '" + arg.name()
                            + "' (give it under args)");
                }
            }
        }
        return run;
    }

    static BackgroundAnalysis background(SpecNode node, Map<String, AnalysisTemplate> known, int steps) {
        AnalysisRunSpec run = reference(node, known, "startingStep");
        int startingStep = node.optional("startingStep").map(n -> n.integer(0, Math.max(0, steps - 1))).orElse(0);
        return new BackgroundAnalysis(run, startingStep);
    }

    static CanaryStep.Experiment experiment(SpecNode node, Map<String, AnalysisTemplate> known) {
        node.requireMapping().allowOnly("replicas", "duration", "analyses");
        Optional<Integer> replicas = node.optional("replicas").map(n -> n.integer(1, 100));
        Optional<Duration> duration = node.optional("duration").map(AnalysisSpecParser::positive);
        List<AnalysisRunSpec> analyses = new ArrayList<>();
        for (SpecNode item : node.optional("analyses").map(SpecNode::items).orElse(List.of())) {
            analyses.add(reference(item, known));
        }
        if (analyses.isEmpty() && duration.isEmpty()) {
            throw node.error("an experiment needs analyses or a duration, or it would never end");
        }
        for (AnalysisRunSpec run : analyses) {
            for (MetricSpec metric : run.metrics()) {
                if (metric.unbounded() && duration.isEmpty()) {
                    throw node.error("metric '" + metric.name() + "' has an interval but no count, so it never ends;"
                            + " give it a count or give the experiment a duration");
                }
            }
        }
        return new CanaryStep.Experiment(replicas, duration, analyses);
    }

    /** A step analysis must end: every metric needs a count or no interval. */
    static CanaryStep.TemplateAnalysis stepAnalysis(SpecNode node, Map<String, AnalysisTemplate> known) {
        AnalysisRunSpec run = reference(node, known);
        for (MetricSpec metric : run.metrics()) {
            if (metric.unbounded()) {
                throw node.error("metric '" + metric.name() + "' has an interval but no count, so this step would never"
                        + " end; give it a count, or run the template as the canary's background analysis");
            }
        }
        return new CanaryStep.TemplateAnalysis(run);
    }

    // ------------------------------------------------------------------ small values

    private static String name(SpecNode node) {
        String name = node.nonBlankString();
        if (!NAME.matcher(name).matches()) {
            throw node.error("'" + name + "' is not a name (letters, digits, '-', '_', '.'; at most 63)");
        }
        return name;
    }

    private static String argName(SpecNode node) {
        String name = node.nonBlankString();
        if (!ARG_NAME.matcher(name).matches()) {
            throw node.error("'" + name + "' is not an argument name (a letter, then letters, digits, '_', '-')");
        }
        return name;
    }

    private static Duration positive(SpecNode node) {
        Duration value = node.duration();
        if (value.isZero()) {
            throw node.error("must be longer than 0");
        }
        return value;
    }
}
