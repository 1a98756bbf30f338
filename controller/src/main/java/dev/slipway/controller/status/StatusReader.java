package dev.slipway.controller.status;

import dev.slipway.controller.analysis.RolloutAnalyses;
import dev.slipway.analysis.MetricProvider;
import dev.slipway.analysis.MetricSample;
import dev.slipway.controller.SchemaCoordinator;
import dev.slipway.controller.ServiceStatus;
import dev.slipway.controller.StableSnapshot;
import dev.slipway.controller.event.RolloutEvents;
import dev.slipway.controller.guard.CompatibilityGuard;
import dev.slipway.controller.guard.GuardDecision;
import dev.slipway.controller.guard.GuardGate;
import dev.slipway.controller.loop.RolloutLoop;
import dev.slipway.controller.replica.ReplicaFleet;
import dev.slipway.controller.rollout.ContractAfter;
import dev.slipway.controller.rollout.KnownReleases;
import dev.slipway.controller.rollout.RolloutCommands;
import dev.slipway.controller.state.Revision;
import dev.slipway.controller.state.ServiceState;
import dev.slipway.controller.store.DatabaseOutage;
import dev.slipway.controller.store.RolloutPhase;
import dev.slipway.controller.store.RolloutRecord;
import dev.slipway.controller.store.Store;
import dev.slipway.model.ReleaseSpec;
import dev.slipway.model.StrategySpec;
import dev.slipway.schema.InFlight;
import dev.slipway.schema.SchemaStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Builds what {@code status} shows, in one place, from one snapshot of the service, one read of the schema and one of
 * the latest rollout: both sides (binaries and schema), the rollout, and what the guard would allow now.
 */
public final class StatusReader {
    private static final Logger log = LoggerFactory.getLogger(StatusReader.class);
    private static final int RECENT_EVENTS = 20;

    private final String service;
    private final RolloutLoop loop;
    private final SchemaCoordinator schema;
    private final GuardGate gate;
    private final RolloutCommands commands;
    private final ReplicaFleet fleet;
    private final KnownReleases releases;
    private final ContractAfter contractAfter;
    private final MetricProvider metrics;
    private final Store store;
    private final Clock clock;
    private final RolloutEvents events;
    private final RolloutAnalyses analyses;

    public StatusReader(String service, RolloutLoop loop, SchemaCoordinator schema, GuardGate gate,
                        RolloutCommands commands, ReplicaFleet fleet, KnownReleases releases,
                        ContractAfter contractAfter, MetricProvider metrics, Store store, Clock clock,
                        RolloutEvents events, RolloutAnalyses analyses) {
        this.analyses = analyses;
        this.service = service;
        this.loop = loop;
        this.schema = schema;
        this.gate = gate;
        this.commands = commands;
        this.fleet = fleet;
        this.releases = releases;
        this.contractAfter = contractAfter;
        this.metrics = metrics;
        this.store = store;
        this.clock = clock;
        this.events = events;
    }

    /** What runs now, what the schema reads, the rollout in progress (or the last one), and what is allowed. */
    public ServiceStatus status() {
        ServiceState state = loop.current();
        SchemaStatus schemaStatus;
        Optional<RolloutRecord> latest;
        try {
            schemaStatus = schema.status();
            latest = store.latestRollout(service);
        } catch (RuntimeException e) {
            Optional<String> outage = DatabaseOutage.of(e);
            if (outage.isEmpty()) {
                throw e;
            }
            return withoutDatabase(state, outage.get());
        }
        SortedSet<Integer> schemaState = new TreeSet<>(schemaStatus.state());
        Optional<ServiceStatus.MigrationStatus> migration = schemaStatus.inFlight()
                .map(inFlight -> new ServiceStatus.MigrationStatus(inFlight.version(), inFlight.name(), inFlight.phase()));
        boolean pending = migration.filter(m -> m.phase().equals(InFlight.EXPANDED)).isPresent();
        return new ServiceStatus(service, state.stable().map(this::revisionStatus), state.canary().map(this::revisionStatus),
                state.rolling() ? state.canaryWeight() : 0, schemaState, migration, pending,
                pending ? contractAfter.dueAt(state) : Optional.empty(), state.desiredVersion(), latest,
                actionChecks(state, schemaStatus, latest), events.recent(RECENT_EVENTS), canarySteps(state),
                analyses.statuses());
    }

    /**
     * While the database is away: what runs and the recent events, but no schema state or rollout record (the last
     * ones read might be stale by the time it is back), and every action refused with the reason.
     */
    private ServiceStatus withoutDatabase(ServiceState state, String outage) {
        String reason = "the database is unavailable (" + outage + ")";
        List<ServiceStatus.ActionCheck> refused = List.of("rollout promote", "rollout abort", "rollout undo",
                "schema complete", "schema rollback").stream()
                .map(action -> new ServiceStatus.ActionCheck(action, false, reason)).toList();
        return new ServiceStatus(service, state.stable().map(this::revisionStatus), state.canary().map(this::revisionStatus),
                state.rolling() ? state.canaryWeight() : 0, new TreeSet<>(), Optional.empty(), false, Optional.empty(),
                state.desiredVersion(), Optional.empty(), refused, events.recent(RECENT_EVENTS), canarySteps(state),
                analyses.statuses(), Optional.of(outage));
    }

    /**
     * The stable release for a promotion to another environment ({@code slipway env promote}); empty before the first
     * deploy. Its soak counts from its latest promotion.
     */
    public Optional<StableSnapshot> stableSnapshot() {
        ServiceState state = loop.current();
        if (state.stable().isEmpty()) {
            return Optional.empty();
        }
        Revision stable = state.stable().get();
        Instant since = store.latestPromotion(service, stable.version()).map(RolloutRecord::updatedAt)
                .orElse(clock.instant());
        Optional<MetricSample> counters;
        try {
            counters = Optional.of(metrics.sample(stable.version()));
        } catch (RuntimeException e) {
            log.warn("cannot read the router's counters for {}: {}", stable.version(), e.getMessage());
            counters = Optional.empty();
        }
        return Optional.of(new StableSnapshot(stable.release(), since, stable.release().replicas(),
                revisionStatus(stable).readyReplicas(), counters, state.canary().map(Revision::version)));
    }

    private ServiceStatus.RevisionStatus revisionStatus(Revision revision) {
        return new ServiceStatus.RevisionStatus(revision.version(), revision.release().schema(),
                revision.replicas().size(), fleet.readyCount(Optional.of(revision)));
    }

    /** The number of steps of the canary's strategy, so clients can show "step 2/5". */
    private static OptionalInt canarySteps(ServiceState state) {
        return state.canary().map(Revision::release).map(ReleaseSpec::strategy)
                .filter(StrategySpec.Canary.class::isInstance)
                .map(strategy -> OptionalInt.of(((StrategySpec.Canary) strategy).steps().size()))
                .orElse(OptionalInt.empty());
    }

    /** Each action a user may try now, with the guard's (or the rollout state's) answer. */
    private List<ServiceStatus.ActionCheck> actionChecks(ServiceState state, SchemaStatus schemaStatus,
                                                         Optional<RolloutRecord> latest) {
        List<ServiceStatus.ActionCheck> checks = new ArrayList<>();
        boolean rolling = state.rolling();
        String canary = state.canary().map(Revision::version).orElse("");
        checks.add(new ServiceStatus.ActionCheck("rollout promote", rolling,
                rolling ? "a rollout of " + canary + " is in progress" : "no rollout is in progress"));
        checks.add(new ServiceStatus.ActionCheck("rollout abort", rolling, rolling ? "traffic would go back to "
                + state.stable().map(Revision::version).orElse("nothing") : "no rollout is in progress"));
        Optional<String> undoTarget = latest.filter(r -> r.phase() == RolloutPhase.PROMOTED && r.fromVersion() != null)
                .map(RolloutRecord::fromVersion);
        if (rolling) {
            checks.add(new ServiceStatus.ActionCheck("rollout undo", false, "finish or abort the rollout first"));
        } else if (undoTarget.isEmpty()) {
            checks.add(new ServiceStatus.ActionCheck("rollout undo", false, "no promoted rollout to go back from"));
        } else {
            SortedSet<Integer> schemaState = new TreeSet<>(schemaStatus.state());
            Optional<ReleaseSpec> target = releases.find(undoTarget.get());
            checks.add(target.map(release -> {
                GuardDecision decision = gate.wouldAllow(commands.undoQuestion(release, schemaState));
                return new ServiceStatus.ActionCheck("rollout undo --to " + release.version(), decision.allowed(),
                        decision.allowed() ? "schema " + CompatibilityGuard.formatState(schemaState) + " is readable by "
                                + release.version() : decision.message());
            }).orElse(new ServiceStatus.ActionCheck("rollout undo", false, "release " + undoTarget.get() + " is unknown")));
        }
        if (schemaStatus.inFlight().isPresent()) {
            GuardDecision complete = schema.checkComplete(schemaStatus);
            checks.add(new ServiceStatus.ActionCheck("schema complete", complete.allowed(),
                    complete.allowed() ? "every running binary reads the new version" : complete.message()));
            GuardDecision rollback = schema.checkRollback(schemaStatus);
            checks.add(new ServiceStatus.ActionCheck("schema rollback", rollback.allowed(),
                    rollback.allowed() ? "every running binary reads the old version" : rollback.message()));
        } else {
            checks.add(new ServiceStatus.ActionCheck("schema complete", false, "no migration is in flight"));
            checks.add(new ServiceStatus.ActionCheck("schema rollback", false, "no migration is in flight"));
        }
        return checks;
    }
}
