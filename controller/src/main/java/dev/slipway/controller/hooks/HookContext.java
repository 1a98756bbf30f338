package dev.slipway.controller.hooks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.stream.Collectors;

/**
 * What a hook is told about the rollout it runs for: the service, the versions it moves between, the schema
 * state, and — for on-abort hooks — why it was aborted. Commands get it as {@code SLIPWAY_*} environment
 * variables and as JSON on standard input; HTTP hooks as the JSON body.
 *
 * @param fromVersion empty for a service's first deploy
 * @param reason      why the rollout was aborted (on-abort hooks), else empty
 */
public record HookContext(String service, long rolloutId, Optional<String> fromVersion, String toVersion,
                          SortedSet<Integer> schemaState, Optional<String> reason) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The JSON a hook receives, with the hook's name and moment. */
    public ObjectNode json(String hook, String moment) {
        ObjectNode node = JSON.createObjectNode();
        node.put("hook", hook);
        node.put("moment", moment);
        node.put("service", service);
        ObjectNode rollout = node.putObject("rollout");
        rollout.put("id", rolloutId);
        rollout.put("from", fromVersion.orElse(null));
        rollout.put("to", toVersion);
        schemaState.forEach(node.putArray("schemaState")::add);
        node.put("reason", reason.orElse(null));
        return node;
    }

    /** The environment variables a command hook gets on top of its own. */
    public Map<String, String> environment(String hook, String moment) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("SLIPWAY_HOOK", hook);
        env.put("SLIPWAY_MOMENT", moment);
        env.put("SLIPWAY_SERVICE", service);
        env.put("SLIPWAY_ROLLOUT_ID", Long.toString(rolloutId));
        env.put("SLIPWAY_FROM_VERSION", fromVersion.orElse(""));
        env.put("SLIPWAY_TO_VERSION", toVersion);
        env.put("SLIPWAY_SCHEMA_STATE", schemaState.stream().map(String::valueOf).collect(Collectors.joining(",")));
        env.put("SLIPWAY_REASON", reason.orElse(""));
        return env;
    }
}
