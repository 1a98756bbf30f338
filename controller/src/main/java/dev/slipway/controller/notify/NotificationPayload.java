package dev.slipway.controller.notify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.model.NotificationSpec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The body a webhook receives. {@code json} (documented in the README, {@code "version": 1}):
 * <pre>{"version": 1, "event": "rollout.aborted", "service": "orders", "at": "2026-12-06T12:00:00Z",
 *  "message": "...", "rollout": {"id": 7, "from": "2.0.0", "to": "3.0.0", "phase": "ABORTED", "step": 2,
 *  "weight": 0}, "schemaState": [2]}</pre>
 * {@code slack}: a Slack incoming-webhook message, {@code {"text": "..."}}, which Mattermost, Rocket.Chat and
 * Teams' Slack-compatible connectors accept too.
 */
final class NotificationPayload {
    static final int VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> ICONS = Map.of("rollout.aborted", ":x:", "analysis.failed", ":x:",
            "rollout.promoted", ":white_check_mark:", "guard.refused", ":no_entry:", "hook.failed", ":warning:",
            "progress.deadline", ":hourglass:", "rollout.paused", ":double_vertical_bar:");

    private NotificationPayload() {
    }

    static byte[] body(Notification notification, NotificationSpec.Format format) {
        ObjectNode node = format == NotificationSpec.Format.SLACK ? slack(notification) : json(notification);
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ObjectNode json(Notification notification) {
        ObjectNode node = JSON.createObjectNode();
        node.put("version", VERSION);
        node.put("event", notification.event());
        node.put("service", notification.service());
        node.put("at", notification.at().toString());
        node.put("message", notification.message());
        if (notification.rollout().isPresent()) {
            Notification.Rollout rollout = notification.rollout().get();
            ObjectNode r = node.putObject("rollout");
            r.put("id", rollout.id());
            r.put("from", rollout.from().orElse(null));
            r.put("to", rollout.to());
            r.put("phase", rollout.phase());
            r.put("step", rollout.step());
            r.put("weight", rollout.weight());
        } else {
            node.putNull("rollout");
        }
        notification.schemaState().forEach(node.putArray("schemaState")::add);
        return node;
    }

    private static ObjectNode slack(Notification notification) {
        String rollout = notification.rollout().map(r -> " " + r.from().map(from -> from + " → ").orElse("") + r.to())
                .orElse("");
        String schema = notification.schemaState().stream().map(String::valueOf).collect(Collectors.joining(", ", "{", "}"));
        ObjectNode node = JSON.createObjectNode();
        node.put("text", ICONS.getOrDefault(notification.event(), ":information_source:") + " *" + notification.service()
                + "*" + rollout + " — " + notification.event() + ": " + notification.message() + " (schema " + schema + ")");
        return node;
    }
}
