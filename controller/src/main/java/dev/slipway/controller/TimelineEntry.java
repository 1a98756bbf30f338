package dev.slipway.controller;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;

/**
 * One step of what Slipway did, with the picture right after it: traffic weights per version, the schema
 * state, and the binary versions running.
 */
public record TimelineEntry(Instant at, String event, Map<String, Integer> weights, SortedSet<Integer> schemaState,
                            List<String> runningVersions) {
}
