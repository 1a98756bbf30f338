package dev.slipway.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.controller.ServiceStatus;
import dev.slipway.controller.StableSnapshot;
import dev.slipway.controller.TimelineEntry;
import dev.slipway.controller.guard.GuardDecision;
import dev.slipway.controller.guard.RevisionRef;
import dev.slipway.controller.store.AuditEntry;
import dev.slipway.controller.store.RolloutRecord;
import dev.slipway.model.SchemaRange;
import dev.slipway.model.SpecWriter;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeSet;

/**
 * The API's JSON shapes, written out field by field so that they stay stable when the controller's records
 * change: a renamed record component must not silently rename a field clients read.
 */
final class JsonViews {
    static final ObjectMapper JSON = new ObjectMapper();
    /** The {@code kind} of a failed request; clients choose how to show it by this, not by the message. */
    static final String BAD_INPUT = "bad-input";
    static final String CONFLICT = "conflict";
    static final String NOT_FOUND = "not-found";
    static final String REFUSED = "refused";
    static final String TOO_LARGE = "too-large";

    private JsonViews() {
    }

    /** The service status; a running canary's rollout carries its number of steps, so clients can show "step 2/5". */
    static ObjectNode status(ServiceStatus status) {
        OptionalInt canarySteps = status.canarySteps();
        ObjectNode node = JSON.createObjectNode();
        node.put("service", status.service());
        node.set("stable", status.stable().map(JsonViews::revision).orElse(null));
        node.set("canary", status.canary().map(JsonViews::revision).orElse(null));
        node.put("canaryWeight", status.canaryWeight());
        node.set("schemaState", integers(status.schemaState()));
        node.set("migration", status.migration().map(migration -> {
            ObjectNode m = JSON.createObjectNode();
            m.put("version", migration.version());
            m.put("name", migration.name());
            m.put("phase", migration.phase());
            return m;
        }).orElse(null));
        node.put("schemaUpdatePending", status.schemaUpdatePending());
        putInstant(node, "contractAt", status.contractAt());
        node.put("desiredVersion", status.desiredVersion().orElse(null));
        node.set("rollout", status.rollout().map(rollout -> {
            ObjectNode r = rollout(rollout);
            if (canarySteps.isPresent() && !rollout.phase().finished()) {
                r.put("steps", canarySteps.getAsInt());
            }
            return r;
        }).orElse(null));
        ArrayNode actions = node.putArray("actions");
        for (ServiceStatus.ActionCheck check : status.actions()) {
            ObjectNode a = actions.addObject();
            a.put("action", check.action());
            a.put("allowed", check.allowed());
            a.put("reason", check.reason());
        }
        ArrayNode events = node.putArray("recentEvents");
        for (TimelineEntry entry : status.recentEvents()) {
            events.add(event(entry));
        }
        node.set("analyses", analyses(status.analyses()));
        ObjectNode database = node.putObject("database");
        database.put("status", status.databaseUnavailable().isPresent() ? "unavailable" : "available");
        status.databaseUnavailable().ifPresent(problem -> database.put("problem", problem));
        return node;
    }

    /** Every analysis with each metric's counts and latest measurements (value, phase, reason, times). */
    static ArrayNode analyses(java.util.List<dev.slipway.analysis.run.AnalysisStatus> analyses) {
        ArrayNode array = JSON.createArrayNode();
        analyses.forEach(analysis -> array.add(dev.slipway.analysis.run.AnalysisStatusJson.toTree(analysis)));
        return array;
    }

    static ObjectNode revision(ServiceStatus.RevisionStatus revision) {
        ObjectNode node = JSON.createObjectNode();
        node.put("version", revision.version());
        node.set("schema", range(revision.schema()));
        node.put("replicas", revision.replicas());
        node.put("readyReplicas", revision.readyReplicas());
        return node;
    }

    static ObjectNode rollout(RolloutRecord rollout) {
        ObjectNode node = JSON.createObjectNode();
        node.put("id", rollout.id());
        node.put("from", rollout.fromVersion());
        node.put("to", rollout.toVersion());
        node.put("phase", rollout.phase().name());
        node.put("step", rollout.stepIndex());
        node.put("weight", rollout.canaryWeight());
        node.put("message", rollout.message());
        putInstant(node, "startedAt", Optional.ofNullable(rollout.startedAt()));
        putInstant(node, "updatedAt", Optional.ofNullable(rollout.updatedAt()));
        return node;
    }

    static ObjectNode event(TimelineEntry entry) {
        ObjectNode node = JSON.createObjectNode();
        putInstant(node, "at", Optional.ofNullable(entry.at()));
        node.put("event", entry.event());
        ObjectNode weights = node.putObject("weights");
        for (Map.Entry<String, Integer> weight : entry.weights().entrySet()) {
            weights.put(weight.getKey(), weight.getValue());
        }
        node.set("schemaState", integers(entry.schemaState()));
        ArrayNode running = node.putArray("runningVersions");
        entry.runningVersions().forEach(running::add);
        return node;
    }

    static ObjectNode history(List<AuditEntry> entries) {
        ObjectNode node = JSON.createObjectNode();
        ArrayNode array = node.putArray("entries");
        for (AuditEntry entry : entries) {
            ObjectNode e = array.addObject();
            putInstant(e, "at", Optional.ofNullable(entry.at()));
            e.put("actor", entry.actor());
            e.put("action", entry.action());
            e.put("outcome", entry.outcome());
            e.put("detail", entry.detail());
        }
        return node;
    }

    /**
     * The stable release for {@code slipway env}: version, since, health, the router's counters ({@code null}
     * when unreadable) and the release as YAML, which a promotion applies to the next environment.
     */
    static ObjectNode stable(String service, StableSnapshot stable) {
        ObjectNode node = JSON.createObjectNode();
        node.put("service", service);
        node.put("version", stable.release().version());
        node.put("since", stable.since().toString());
        node.put("replicas", stable.replicas());
        node.put("readyReplicas", stable.readyReplicas());
        if (stable.counters().isPresent()) {
            node.put("requests", stable.counters().get().requests());
            node.put("errors", stable.counters().get().errors());
        } else {
            node.putNull("requests");
            node.putNull("errors");
        }
        if (stable.rollingTo().isPresent()) {
            node.put("rollingTo", stable.rollingTo().get());
        } else {
            node.putNull("rollingTo");
        }
        node.put("release", SpecWriter.release(stable.release()));
        return node;
    }

    static ObjectNode schemaState(Collection<Integer> state) {
        ObjectNode node = JSON.createObjectNode();
        node.set("schemaState", integers(state));
        return node;
    }

    /** A failed request: the message for the user and the kind of failure. */
    static ObjectNode error(String kind, String message) {
        ObjectNode node = JSON.createObjectNode();
        node.put("error", message);
        node.put("kind", kind);
        return node;
    }

    /** A guard refusal: the message, and the decision (what would break) for clients that show more. */
    static ObjectNode refused(GuardDecision decision) {
        ObjectNode node = error(REFUSED, decision.message());
        ObjectNode refusal = node.putObject("refusal");
        refusal.put("action", decision.action());
        refusal.set("resultingState", integers(new TreeSet<>(decision.resultingState())));
        ArrayNode broken = refusal.putArray("broken");
        for (RevisionRef revision : decision.broken()) {
            ObjectNode b = broken.addObject();
            b.put("role", revision.role().label());
            b.put("version", revision.version());
            b.set("schema", range(revision.schema()));
        }
        ArrayNode ways = refusal.putArray("waysForward");
        decision.waysForward().forEach(ways::add);
        return node;
    }

    static ObjectNode accepted() {
        ObjectNode node = JSON.createObjectNode();
        node.put("accepted", true);
        return node;
    }

    /** An accepted rollout action: the rollout as it was recorded, which status shows from now on. */
    static ObjectNode started(RolloutRecord recorded) {
        ObjectNode node = accepted();
        node.put("version", recorded.toVersion());
        node.set("rollout", rollout(recorded));
        return node;
    }

    private static ArrayNode range(SchemaRange range) {
        ArrayNode array = JSON.createArrayNode();
        array.add(range.min());
        array.add(range.max());
        return array;
    }

    private static ArrayNode integers(Collection<Integer> values) {
        ArrayNode array = JSON.createArrayNode();
        values.forEach(array::add);
        return array;
    }

    private static void putInstant(ObjectNode node, String field, Optional<Instant> instant) {
        node.put(field, instant.map(Instant::toString).orElse(null));
    }
}
