package dev.slipway.model;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * A webhook that hears about rollouts: which events, where to (URL and headers may read secrets from the
 * environment), in which shape, and how hard to try. Notifications never block or fail a rollout.
 *
 * @param events  the event names it wants ({@link #EVENTS}); all of them when the spec lists none
 * @param retries attempts after the first one, with exponential backoff
 */
public record NotificationSpec(String name, SecretText url, Format format, Set<String> events,
                               Map<String, SecretText> headers, Duration timeout, int retries) {

    /** Every event a notification may ask for. */
    public static final Set<String> EVENTS = Set.of("rollout.started", "rollout.step", "rollout.paused",
            "analysis.failed", "rollout.aborted", "rollout.promoted", "guard.refused", "schema.started",
            "schema.completed", "schema.rolledBack", "schema.contractDue", "hook.failed", "progress.deadline");

    /** The body's shape: Slipway's own JSON, or a Slack incoming-webhook message ({@code {"text": ...}}). */
    public enum Format { JSON, SLACK }

    public NotificationSpec {
        events = Set.copyOf(events);
        headers = Map.copyOf(headers);
    }

    public boolean wants(String event) {
        return events.isEmpty() || events.contains(event);
    }
}
