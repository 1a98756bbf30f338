package dev.slipway.cli;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/** The human form of the API's status JSON: compact lines for {@code slipway status} and {@code rollout status}. */
final class StatusView {
    private StatusView() {
    }

    /**
     * One line: {@code orders  stable 2.0.0 [2, 2] 3/3 ready | canary 3.0.0 [2, 2] 2/2 ready 20% | schema {2} |
     * rollout 3.0.0 PAUSED step 2/5: pause 30s}.
     */
    static String line(JsonNode status) {
        List<String> parts = new ArrayList<>();
        parts.add(revisions(status));
        parts.add(schema(status));
        JsonNode rollout = status.path("rollout");
        if (rollout.isObject()) {
            parts.add("rollout " + rollout.path("to").asText() + " " + rollout.path("phase").asText()
                    + (finished(rollout) ? "" : " " + step(rollout)) + message(rollout));
        }
        if (status.path("database").path("status").asText().equals("unavailable")) {
            parts.add("database unavailable: " + status.path("database").path("problem").asText());
        }
        return status.path("service").asText() + "  " + String.join(" | ", parts);
    }

    /** Two lines: the rollout (or that there is none), then what runs and the schema state. */
    static String rollout(JsonNode status) {
        JsonNode rollout = status.path("rollout");
        String first;
        if (!rollout.isObject()) {
            first = status.path("service").asText() + ": no rollout yet";
        } else {
            String from = rollout.path("from").isNull() ? "(first deploy)" : rollout.path("from").asText();
            first = status.path("service").asText() + " " + from + " -> " + rollout.path("to").asText() + "  "
                    + rollout.path("phase").asText()
                    + (finished(rollout) ? "" : " " + step(rollout) + ", canary " + rollout.path("weight").asInt() + "%")
                    + message(rollout);
        }
        StringBuilder text = new StringBuilder(first).append(System.lineSeparator()).append("  ")
                .append(revisions(status)).append(" | ").append(schema(status));
        for (JsonNode analysis : status.path("analyses")) {
            text.append(System.lineSeparator()).append("  analysis ").append(analysis.path("name").asText()).append(": ")
                    .append(analysis.path("phase").asText());
            for (JsonNode metric : analysis.path("metrics")) {
                JsonNode last = metric.path("measurements").path(metric.path("measurements").size() - 1);
                text.append(System.lineSeparator()).append("    ").append(metric.path("name").asText())
                        .append(metric.path("dryRun").asBoolean() ? " (dry run)" : "").append(" ")
                        .append(metric.path("phase").asText()).append(", ")
                        .append(metric.path("successful").asInt()).append(" ok/").append(metric.path("failed").asInt())
                        .append(" failed/").append(metric.path("inconclusive").asInt()).append(" inconclusive/")
                        .append(metric.path("errors").asInt()).append(" errors")
                        .append(last.isObject() ? ", last " + last.path("phase").asText()
                                + (last.path("value").asText().isEmpty() ? "" : " " + last.path("value").asText()) : "");
            }
        }
        return text.toString();
    }

    /** True when the rollout in the status has ended (promoted or aborted), or there is none. */
    static boolean rolloutFinished(JsonNode status) {
        JsonNode rollout = status.path("rollout");
        return !rollout.isObject() || finished(rollout);
    }

    private static boolean finished(JsonNode rollout) {
        String phase = rollout.path("phase").asText();
        return phase.equals("PROMOTED") || phase.equals("ABORTED");
    }

    private static String step(JsonNode rollout) {
        return "step " + rollout.path("step").asInt() + (rollout.has("steps") ? "/" + rollout.path("steps").asInt() : "");
    }

    private static String message(JsonNode rollout) {
        String message = rollout.path("message").asText("");
        return message.isEmpty() ? "" : ": " + message;
    }

    private static String revisions(JsonNode status) {
        String stable = status.path("stable").isObject() ? "stable " + revision(status.path("stable")) : "stable none";
        JsonNode canary = status.path("canary");
        if (!canary.isObject()) {
            return stable;
        }
        return stable + " | canary " + revision(canary) + " " + status.path("canaryWeight").asInt() + "%";
    }

    private static String revision(JsonNode revision) {
        JsonNode schema = revision.path("schema");
        return revision.path("version").asText() + " [" + schema.path(0).asInt() + ", " + schema.path(1).asInt() + "] "
                + revision.path("readyReplicas").asInt() + "/" + revision.path("replicas").asInt() + " ready";
    }

    private static String schema(JsonNode status) {
        List<String> versions = new ArrayList<>();
        status.path("schemaState").forEach(version -> versions.add(version.asText()));
        StringBuilder text = new StringBuilder("schema {").append(String.join(", ", versions)).append('}');
        JsonNode migration = status.path("migration");
        if (migration.isObject()) {
            text.append(" (migration ").append(migration.path("version").asInt()).append(' ')
                    .append(migration.path("phase").asText()).append(')');
        }
        if (status.path("schemaUpdatePending").asBoolean()) {
            text.append(" update pending");
        }
        return text.toString();
    }
}
