package dev.slipway.controller;

import dev.slipway.analysis.run.AnalysisStatus;
import dev.slipway.controller.store.RolloutRecord;
import dev.slipway.model.SchemaRange;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.SortedSet;

/**
 * Everything {@code slipway status} and {@code slipway rollout status} show for one service: the binaries
 * running with the schema versions they read, the schema state and any migration in flight, the rollout in
 * progress (or the last one), and which actions the guard allows right now.
 *
 * @param desiredVersion       the release last applied; differs from stable while a rollout runs or after an abort
 * @param schemaUpdatePending  a migration is expanded and waits for its contract (automatic with contractAfter)
 * @param contractAt           when the automatic contract will run, if the stable release has contractAfter
 * @param canarySteps          how many steps the canary's strategy has (canary strategies only), for "step 2/5"
 * @param analyses             the analyses of the rollout in progress (or the last one), with their measurements
 * @param databaseUnavailable  why the service's database cannot be reached now; while it is away the status shows
 *                             what runs, but no schema state, migration or rollout record, and allows no action
 */
public record ServiceStatus(String service, Optional<RevisionStatus> stable, Optional<RevisionStatus> canary,
                            int canaryWeight, SortedSet<Integer> schemaState, Optional<MigrationStatus> migration,
                            boolean schemaUpdatePending, Optional<Instant> contractAt, Optional<String> desiredVersion,
                            Optional<RolloutRecord> rollout, List<ActionCheck> actions,
                            List<TimelineEntry> recentEvents, OptionalInt canarySteps, List<AnalysisStatus> analyses,
                            Optional<String> databaseUnavailable) {
    public ServiceStatus {
        analyses = List.copyOf(analyses);
    }

    /** A status read while the database answered. */
    public ServiceStatus(String service, Optional<RevisionStatus> stable, Optional<RevisionStatus> canary,
                         int canaryWeight, SortedSet<Integer> schemaState, Optional<MigrationStatus> migration,
                         boolean schemaUpdatePending, Optional<Instant> contractAt, Optional<String> desiredVersion,
                         Optional<RolloutRecord> rollout, List<ActionCheck> actions, List<TimelineEntry> recentEvents,
                         OptionalInt canarySteps, List<AnalysisStatus> analyses) {
        this(service, stable, canary, canaryWeight, schemaState, migration, schemaUpdatePending, contractAt,
                desiredVersion, rollout, actions, recentEvents, canarySteps, analyses, Optional.empty());
    }

    /** A status without analyses (no analysis template ran in this rollout). */
    public ServiceStatus(String service, Optional<RevisionStatus> stable, Optional<RevisionStatus> canary,
                         int canaryWeight, SortedSet<Integer> schemaState, Optional<MigrationStatus> migration,
                         boolean schemaUpdatePending, Optional<Instant> contractAt, Optional<String> desiredVersion,
                         Optional<RolloutRecord> rollout, List<ActionCheck> actions, List<TimelineEntry> recentEvents,
                         OptionalInt canarySteps) {
        this(service, stable, canary, canaryWeight, schemaState, migration, schemaUpdatePending, contractAt,
                desiredVersion, rollout, actions, recentEvents, canarySteps, List.of());
    }

    /** One revision as seen now. */
    public record RevisionStatus(String version, SchemaRange schema, int replicas, int readyReplicas) {
    }

    /** The migration in flight: its version and phase (expanding, backfilling, expanded). */
    public record MigrationStatus(int version, String name, String phase) {
    }

    /** Whether an action would be allowed now, and if not, the guard's or the state's reason. */
    public record ActionCheck(String action, boolean allowed, String reason) {
    }
}
