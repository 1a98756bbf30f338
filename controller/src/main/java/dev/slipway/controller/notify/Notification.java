package dev.slipway.controller.notify;

import java.time.Instant;
import java.util.Optional;
import java.util.SortedSet;

/**
 * One thing that happened to a service that webhooks may hear about: the event name (one of
 * {@link dev.slipway.model.NotificationSpec#EVENTS}), a human message, the rollout it concerns and the schema
 * state right after it.
 */
public record Notification(String event, String service, Instant at, String message, Optional<Rollout> rollout,
                           SortedSet<Integer> schemaState) {

    /** The rollout an event concerns; {@code from} is empty for a first deploy. */
    public record Rollout(long id, Optional<String> from, String to, String phase, int step, int weight) {
    }
}
