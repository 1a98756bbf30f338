package dev.slipway.analysis.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@link AnalysisStatus} as JSON, the form the store keeps and {@code status --json} and the API show. Phases are
 * lowercase words, instants ISO-8601.
 */
public final class AnalysisStatusJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AnalysisStatusJson() {
    }

    public static ObjectNode toTree(AnalysisStatus status) {
        ObjectNode node = JSON.createObjectNode();
        node.put("name", status.name());
        node.put("phase", phase(status.phase()));
        node.put("message", status.message());
        node.put("startedAt", status.startedAt().toString());
        status.finishedAt().ifPresent(at -> node.put("finishedAt", at.toString()));
        ArrayNode metrics = node.putArray("metrics");
        for (MetricStatus metric : status.metrics()) {
            ObjectNode m = metrics.addObject();
            m.put("name", metric.name());
            m.put("provider", metric.provider());
            m.put("phase", phase(metric.phase()));
            m.put("dryRun", metric.dryRun());
            m.put("successful", metric.successful());
            m.put("failed", metric.failed());
            m.put("inconclusive", metric.inconclusive());
            m.put("errors", metric.errors());
            m.put("consecutiveErrors", metric.consecutiveErrors());
            m.put("message", metric.message());
            metric.lastStartedAt().ifPresent(at -> m.put("lastStartedAt", at.toString()));
            ArrayNode measurements = m.putArray("measurements");
            for (Measurement measurement : metric.measurements()) {
                ObjectNode x = measurements.addObject();
                x.put("phase", phase(measurement.phase()));
                x.put("startedAt", measurement.startedAt().toString());
                x.put("finishedAt", measurement.finishedAt().toString());
                x.put("value", measurement.value());
                x.put("message", measurement.message());
            }
        }
        return node;
    }

    public static String write(AnalysisStatus status) {
        return toTree(status).toString();
    }

    public static String writeAll(List<AnalysisStatus> statuses) {
        ArrayNode array = JSON.createArrayNode();
        statuses.forEach(status -> array.add(toTree(status)));
        return array.toString();
    }

    public static AnalysisStatus read(String json) {
        return fromTree(tree(json));
    }

    public static List<AnalysisStatus> readAll(String json) {
        List<AnalysisStatus> statuses = new ArrayList<>();
        for (JsonNode node : tree(json)) {
            statuses.add(fromTree(node));
        }
        return statuses;
    }

    public static AnalysisStatus fromTree(JsonNode node) {
        List<MetricStatus> metrics = new ArrayList<>();
        for (JsonNode m : node.path("metrics")) {
            List<Measurement> measurements = new ArrayList<>();
            for (JsonNode x : m.path("measurements")) {
                measurements.add(new Measurement(phase(x.path("phase").asText()), Instant.parse(x.path("startedAt").asText()),
                        Instant.parse(x.path("finishedAt").asText()), x.path("value").asText(), x.path("message").asText()));
            }
            metrics.add(new MetricStatus(m.path("name").asText(), m.path("provider").asText(), phase(m.path("phase").asText()),
                    m.path("dryRun").asBoolean(), m.path("successful").asInt(), m.path("failed").asInt(),
                    m.path("inconclusive").asInt(), m.path("errors").asInt(), m.path("consecutiveErrors").asInt(),
                    m.path("message").asText(), instant(m, "lastStartedAt"), measurements));
        }
        return new AnalysisStatus(node.path("name").asText(), phase(node.path("phase").asText()),
                node.path("message").asText(), Instant.parse(node.path("startedAt").asText()),
                instant(node, "finishedAt"), metrics);
    }

    private static JsonNode tree(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not an analysis status: " + e.getOriginalMessage(), e);
        }
    }

    private static Optional<Instant> instant(JsonNode node, String field) {
        return node.hasNonNull(field) ? Optional.of(Instant.parse(node.get(field).asText())) : Optional.empty();
    }

    private static String phase(Phase phase) {
        return phase.name().toLowerCase();
    }

    private static Phase phase(String text) {
        return Phase.valueOf(text.toUpperCase());
    }
}
