package dev.slipway.controller;

import dev.slipway.controller.store.RolloutRecord;
import dev.slipway.model.SchemaRange;

import java.util.List;
import java.util.Optional;
import java.util.SortedSet;

/**
 * Everything {@code slipway status} and {@code slipway rollout status} show for one service: the binaries
 * running with the schema versions they read, the schema state, and the rollout in progress (or the last one).
 *
 * @param desiredVersion the release last applied; differs from the stable one while a rollout runs or after
 *                       an abort
 */
public record ServiceStatus(String service, Optional<RevisionStatus> stable, Optional<RevisionStatus> canary,
                            int canaryWeight, SortedSet<Integer> schemaState, Optional<String> desiredVersion,
                            Optional<RolloutRecord> rollout, List<TimelineEntry> recentEvents) {

    /** One revision as seen now. */
    public record RevisionStatus(String version, SchemaRange schema, int replicas, int readyReplicas) {
    }
}
