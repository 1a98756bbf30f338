package dev.slipway.controller;

import dev.slipway.analysis.Judge;
import dev.slipway.analysis.MetricProvider;
import dev.slipway.analysis.MetricSample;
import dev.slipway.analysis.Verdict;
import dev.slipway.controller.guard.CompatibilityGuard;
import dev.slipway.controller.guard.ForceOverride;
import dev.slipway.controller.guard.GuardDecision;
import dev.slipway.controller.guard.GuardRefusedException;
import dev.slipway.controller.guard.RevisionRef;
import dev.slipway.controller.store.AuditEntry;
import dev.slipway.controller.store.RolloutPhase;
import dev.slipway.controller.store.RolloutRecord;
import dev.slipway.controller.store.Store;
import dev.slipway.controller.strategy.RolloutActions;
import dev.slipway.controller.strategy.Strategy;
import dev.slipway.model.AnalysisSpec;
import dev.slipway.model.CanaryStep;
import dev.slipway.model.ReleaseSpec;
import dev.slipway.model.RunSpec;
import dev.slipway.model.SpecParser;
import dev.slipway.model.SpecWriter;
import dev.slipway.model.StrategySpec;
import dev.slipway.router.Endpoint;
import dev.slipway.router.HeaderRoute;
import dev.slipway.router.RouteTable;
import dev.slipway.router.TrafficRouter;
import dev.slipway.runtime.Replica;
import dev.slipway.runtime.ReplicaRequest;
import dev.slipway.runtime.ReplicaState;
import dev.slipway.runtime.Runtime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Moves one service's binary: deploys the first release, runs rollouts with their strategy, promotes, aborts
 * and undoes them, and resumes a rollout after a crash. Every action is checked by the
 * {@link CompatibilityGuard} against the schema state first; every transition is persisted in the
 * {@link Store} before the next one starts, so a restarted controller continues where the store says.
 */
public final class RolloutController implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RolloutController.class);
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);
    private static final Duration POLL = Duration.ofMillis(100);

    private final String service;
    private final Runtime runtime;
    private final TrafficRouter router;
    private final MetricProvider metrics;
    private final Judge judge;
    private final Store store;
    private final SchemaCoordinator schema;
    private final DatabaseTarget database;
    private final Clock clock;
    private final Consumer<TimelineEntry> timelineListener;
    private final CompatibilityGuard guard = new CompatibilityGuard();
    private final List<TimelineEntry> timeline = new CopyOnWriteArrayList<>();
    private final Map<String, ReleaseSpec> knownReleases = new ConcurrentHashMap<>();
    /**
     * The schema version each replica this controller started reads: its {@code DATABASE_SCHEMA} names that
     * version's view schema for the whole life of the process. Unknown for replicas adopted after a restart.
     */
    private final Map<String, Integer> boundVersions = new ConcurrentHashMap<>();
    /** Replicas taken out of the routes before they stop; they get no new requests. */
    private final Set<String> draining = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService monitor = Executors.newSingleThreadScheduledExecutor(daemon("slipway-monitor"));
    private final ExecutorService worker = Executors.newSingleThreadExecutor(daemon("slipway-rollout-worker"));

    private volatile Revision stable;
    private volatile Revision canary;
    /** Blue-green: the release just replaced, kept running (without traffic) for its scale-down delay. */
    private volatile Revision previous;
    private volatile ScheduledFuture<?> previousScaleDown;
    private volatile int canaryWeight;
    private volatile List<HeaderRoute> headerRoutes = List.of();
    /** Blue-green: the new release is the route table's preview revision until the rollout ends. */
    private volatile boolean previewCanary;
    private volatile String stopReason;
    private volatile boolean promoteRequested;
    private volatile boolean fullPromotionRequested;
    private volatile String desiredVersion;
    private volatile RouteTable lastTable = new RouteTable(List.of(), List.of());
    private final PanicRouting panicRouting = new PanicRouting(this::recordLater);
    /** Set by {@link #detach}: this controller is dead and must not touch the router or the store again. */
    private volatile boolean detached;

    public RolloutController(String service, Runtime runtime, TrafficRouter router, MetricProvider metrics, Judge judge,
                             Store store, SchemaCoordinator schema, DatabaseTarget database, Clock clock,
                             Consumer<TimelineEntry> timelineListener) {
        this.service = service;
        this.runtime = runtime;
        this.router = router;
        this.metrics = metrics;
        this.judge = judge;
        this.store = store;
        this.schema = schema;
        this.database = database;
        this.clock = clock;
        this.timelineListener = timelineListener;
        schema.watch(this::mustKeepWorking, this::record);
        schema.beforeViewsDrop(this::rebindReplicas);
        schema.beforeOpaqueMigration(this::prepareForOpaqueMigration);
        // Liveness restarts: within the release's budget, each replica out of routing and drained first.
        runtime.useRestartPolicy(new RoutedRestarts(this::releaseSpec, this::refreshRoutes, router, DRAIN_TIMEOUT,
                this::recordLater));
        // Readiness gates traffic: a replica that stops being ready leaves the table, and comes back.
        monitor.scheduleWithFixedDelay(this::refreshRoutesQuietly, 250, 250, TimeUnit.MILLISECONDS);
        monitor.scheduleWithFixedDelay(() -> {
            try {
                contractWhenDue();
            } catch (RuntimeException e) {
                log.warn("automatic contract failed: {}", e.getMessage());
            }
        }, 1, 1, TimeUnit.SECONDS);
    }

    // ------------------------------------------------------------------ actions

    /** Runs the first release of the service at full size and sends it all traffic. */
    public void deploy(ReleaseSpec release, String actor) {
        Revision revision;
        synchronized (this) {
            if (stable != null) {
                throw new IllegalStateException(service + " already runs " + stable.version() + ": use a rollout");
            }
            RevisionRef incoming = new RevisionRef(service, release.version(), release.schema(), RevisionRef.Role.STABLE);
            requireAllowed("deploy of " + service + " " + release.version(), schema.state(), List.of(incoming),
                    List.of("Migrate the schema to a version " + release.version() + " reads first."), actor);
            remember(release);
            desiredVersion = release.version();
            revision = new Revision(release);
            canary = revision;
        }
        Instant now = clock.instant();
        RolloutRecord rollout = store.save(new RolloutRecord(0, service, null, release.version(),
                RolloutPhase.PROGRESSING, 0, 100, "first deploy", now, now));
        finishDeploy(rollout, revision, actor);
    }

    private void finishDeploy(RolloutRecord rollout, Revision revision, String actor) {
        Optional<String> failure = ensureReplicas(revision, revision.release().replicas());
        if (failure.isPresent()) {
            synchronized (this) {
                canary = null;
            }
            stopRevision(revision);
            store.save(rollout.withProgress(RolloutPhase.ABORTED, 0, 0, failure.get(), clock.instant()));
            audit(actor, "deploy " + revision.version(), "failed", failure.get());
            throw new IllegalStateException("deploy of " + revision.version() + " failed: " + failure.get());
        }
        synchronized (this) {
            stable = revision;
            canary = null;
            canaryWeight = 0;
        }
        refreshRoutes();
        store.save(rollout.withProgress(RolloutPhase.PROMOTED, 0, 100, "deployed", clock.instant()));
        audit(actor, "deploy " + revision.version(), "done", "");
        record("deployed " + revision.version() + " (" + revision.release().replicas() + " replicas)");
    }

    /**
     * Rolls {@code release} out from the current stable one with the release's strategy; blocks until the
     * rollout is promoted or aborted, and returns how it ended.
     */
    public RolloutRecord rollout(ReleaseSpec release, String actor) {
        return rollout(release, actor, Optional.empty());
    }

    /** As {@link #rollout(ReleaseSpec, String)}, running over a guard refusal when {@code force} is given. */
    public RolloutRecord rollout(ReleaseSpec release, String actor, Optional<ForceOverride> force) {
        RolloutRecord rollout;
        synchronized (this) {
            if (stable == null) {
                throw new IllegalStateException(service + " runs nothing yet: deploy a first release");
            }
            if (canary != null) {
                throw new IllegalStateException("a rollout of " + canary.version() + " is in progress: "
                        + "promote or abort it first");
            }
            List<RevisionRef> after = new ArrayList<>(mustKeepWorking());
            after.add(new RevisionRef(service, release.version(), release.schema(), RevisionRef.Role.CANARY));
            requireAllowed("rollout of " + service + " " + release.version(), schema.state(), after,
                    List.of("Roll the schema forward first (slipway schema start) so that " + release.version()
                            + " finds a version it reads, or build " + release.version() + " for the current schema."),
                    actor, force);
            remember(release);
            desiredVersion = release.version();
            canary = new Revision(release);
            resetRolloutFlags();
            Instant now = clock.instant();
            rollout = store.save(new RolloutRecord(0, service, stable.version(), release.version(),
                    RolloutPhase.PROGRESSING, 0, 0, "starting", now, now));
        }
        audit(actor, "rollout " + rollout.fromVersion() + " -> " + release.version(), "started",
                strategyName(release.strategy()));
        record("rollout " + release.version() + " (" + strategyName(release.strategy()) + ")");
        return drive(rollout, actor);
    }

    /** Runs the strategy from where the record stands, then promotes or aborts. */
    private RolloutRecord drive(RolloutRecord rollout, String actor) {
        ReleaseSpec release = canary.release();
        RolloutRecord ended;
        try {
            ended = Strategy.of(release.strategy(), release.replicas(), clock).run(rollout, new Actions());
        } catch (RuntimeException e) {
            if (detached) {
                throw e;
            }
            // A rollout that cannot go on must end, or it would hold the service forever.
            return finishAborted(rollout, "failed: " + e.getMessage(), actor);
        }
        if (ended.phase() == RolloutPhase.PROMOTED) {
            return finishPromoted(ended, actor);
        }
        return finishAborted(ended, ended.message(), actor);
    }

    /**
     * Makes {@code release} the desired one and returns at once: the controller's worker deploys it (first
     * release) or rolls it out from stable. Refused at once by the guard when it could not read the schema.
     */
    public void apply(ReleaseSpec release, String actor) {
        synchronized (this) {
            if (canary != null) {
                throw new IllegalStateException("a rollout of " + canary.version() + " is in progress: "
                        + "promote or abort it first");
            }
            if (stable != null && stable.version().equals(release.version())) {
                throw new IllegalStateException(service + " " + release.version() + " is already stable");
            }
            List<RevisionRef> after = new ArrayList<>(mustKeepWorking());
            after.add(new RevisionRef(service, release.version(), release.schema(),
                    stable == null ? RevisionRef.Role.STABLE : RevisionRef.Role.CANARY));
            requireAllowed("apply of " + service + " " + release.version(), schema.state(), after,
                    List.of("Roll the schema forward first so that " + release.version() + " finds a version it reads."),
                    actor);
            desiredVersion = release.version();
            remember(release);
        }
        worker.submit(() -> {
            try {
                if (stable == null) {
                    deploy(release, actor);
                } else {
                    rollout(release, actor);
                }
            } catch (RuntimeException e) {
                log.warn("apply of {} failed: {}", release.version(), e.getMessage());
                record("apply of " + release.version() + " failed: " + e.getMessage());
            }
        });
    }

    /** Runs the last aborted rollout again from its first step. */
    public void retry(String actor) {
        RolloutRecord last = store.latestRollout(service).orElseThrow(() ->
                new IllegalStateException("nothing to retry: " + service + " has had no rollout"));
        if (last.phase() != RolloutPhase.ABORTED) {
            throw new IllegalStateException("nothing to retry: the last rollout (" + last.toVersion() + ") is "
                    + last.phase());
        }
        ReleaseSpec release = releaseSpec(last.toVersion()).orElseThrow(() ->
                new IllegalStateException("the release " + last.toVersion() + " is no longer known: apply it again"));
        audit(actor, "retry " + last.toVersion(), "requested", "");
        apply(release, actor);
    }

    /**
     * Ends the current pause (timed, indefinite, or after an inconclusive analysis) so the rollout goes on;
     * with {@code full}, skips every remaining step and promotes now.
     */
    public void promote(String actor, boolean full) {
        if (canary == null) {
            throw new IllegalStateException("no rollout is in progress for " + service);
        }
        if (full) {
            fullPromotionRequested = true;
        }
        promoteRequested = true;
        audit(actor, full ? "promote --full" : "promote", "requested", "");
    }

    /** Asks the running rollout to stop: all traffic goes back to stable and the new release is removed. */
    public void abort(String actor, String why) {
        if (canary == null) {
            throw new IllegalStateException("no rollout is in progress for " + service);
        }
        stopReason = "aborted by " + actor + (why == null || why.isBlank() ? "" : ": " + why);
        audit(actor, "abort", "requested", why == null ? "" : why);
    }

    /**
     * Goes back to an earlier release (by default the one the last rollout replaced), which must still read
     * the schema state; refused otherwise, naming the versions. Instant when that release still runs
     * (blue-green scale-down delay); otherwise a rollout that switches all traffic at once.
     */
    public RolloutRecord undo(String toVersion, String actor) {
        return undo(toVersion, actor, Optional.empty());
    }

    /** As {@link #undo(String, String)}, running over a guard refusal when {@code force} is given. */
    public RolloutRecord undo(String toVersion, String actor, Optional<ForceOverride> force) {
        String target = toVersion;
        if (target == null) {
            target = store.latestRollout(service).filter(r -> r.phase() == RolloutPhase.PROMOTED && r.fromVersion() != null)
                    .map(RolloutRecord::fromVersion).orElseThrow(() -> new IllegalStateException(
                            "nothing to undo: " + service + " has no promoted rollout to go back from"));
        }
        String version = target;
        ReleaseSpec release = releaseSpec(version).orElseThrow(() -> new IllegalArgumentException(
                "no release " + version + " of " + service + " is known; known: " + new TreeSet<>(knownReleases.keySet())));
        List<RevisionRef> after = new ArrayList<>();
        after.add(new RevisionRef(service, version, release.schema(), RevisionRef.Role.STABLE));
        requireAllowed("undo to " + service + " " + version, schema.state(), after, List.of(
                "Roll forward instead: ship a release that reads schema " + CompatibilityGuard.formatState(schema.state()) + ".",
                "Or write a reverse migration back to a version " + version + " reads (" + release.schema()
                        + ") and start it first."), actor, force);
        Revision kept = previous;
        if (kept != null && kept.version().equals(version) && canary == null) {
            return switchBack(kept, actor);
        }
        ReleaseSpec immediate = release.withStrategy(new StrategySpec.Canary(List.of(new CanaryStep.SetWeight(100))));
        return rollout(immediate, actor, force);
    }

    /** Blue-green undo inside the scale-down delay: the old release still runs, so traffic just switches back. */
    private RolloutRecord switchBack(Revision kept, String actor) {
        Revision outgoing;
        synchronized (this) {
            cancelScaleDown();
            outgoing = stable;
            stable = kept;
            previous = null;
            desiredVersion = kept.version();
        }
        refreshRoutes();
        Instant now = clock.instant();
        RolloutRecord undone = store.save(new RolloutRecord(0, service, outgoing.version(), kept.version(),
                RolloutPhase.PROMOTED, 0, 100, "undo: instant switch back", now, now));
        audit(actor, "undo to " + kept.version(), "done", "instant switch back");
        record("undo: all traffic back on " + kept.version() + "; draining " + outgoing.version());
        stopRevision(outgoing);
        return undone;
    }

    /**
     * After a restart: adopts the replicas the runtime still knows, sends traffic as the store says, removes
     * what belongs to no revision, and continues a rollout that was in progress from its recorded step.
     * Returns false when the store knows no rollout of this service.
     */
    public boolean resume(String actor) {
        Optional<RolloutRecord> latest = store.latestRollout(service);
        if (latest.isEmpty()) {
            return false;
        }
        RolloutRecord rollout = latest.get();
        boolean inProgress = !rollout.phase().finished();
        boolean firstDeploy = rollout.fromVersion() == null;
        if (firstDeploy && rollout.phase() == RolloutPhase.ABORTED) {
            // The first deploy failed: nothing is stable, and whatever replicas remain belong to no revision.
            for (Replica orphan : runtime.list(service)) {
                stopReplica(orphan);
            }
            record("resumed: nothing runs (the first deploy of " + rollout.toVersion() + " had failed)");
            return true;
        }
        String stableVersion = rollout.phase() == RolloutPhase.PROMOTED || firstDeploy ? rollout.toVersion()
                : rollout.fromVersion();
        String canaryVersion = inProgress && !firstDeploy ? rollout.toVersion() : null;
        Map<String, List<Replica>> adopted = new LinkedHashMap<>();
        for (Replica replica : runtime.list(service)) {
            adopted.computeIfAbsent(replica.revision(), version -> new ArrayList<>()).add(replica);
        }
        Revision stableRevision = adopt(stableVersion, adopted);
        Revision canaryRevision = canaryVersion == null ? null : adopt(canaryVersion, adopted);
        synchronized (this) {
            stable = firstDeploy && inProgress ? null : stableRevision;
            canary = firstDeploy && inProgress ? stableRevision : canaryRevision;
            canaryWeight = canaryRevision == null ? 0 : rollout.canaryWeight();
            desiredVersion = rollout.toVersion();
            resetRolloutFlags();
        }
        refreshRoutes();
        for (List<Replica> orphans : adopted.values()) {
            for (Replica orphan : orphans) {
                log.info("stopping {}: it belongs to no current revision", orphan.id());
                stopReplica(orphan);
            }
        }
        audit(actor, "resume", "done", "rollout " + rollout.toVersion() + " " + rollout.phase());
        record("resumed: stable " + stableVersion + (canaryVersion == null ? "" : ", rollout of " + canaryVersion
                + " " + rollout.phase() + " at step " + rollout.stepIndex()));
        if (firstDeploy && inProgress) {
            worker.submit(() -> finishDeploy(rollout, stableRevision, actor));
        } else if (canaryRevision != null) {
            worker.submit(() -> drive(rollout, actor));
        } else if (stableRevision != null) {
            worker.submit(() -> ensureReplicas(stableRevision, stableRevision.release().replicas()));
        }
        return true;
    }

    private Revision adopt(String version, Map<String, List<Replica>> adopted) {
        ReleaseSpec release = releaseSpec(version).orElseThrow(() -> new IllegalStateException(
                "the store has no release " + version + " of " + service + " to resume"));
        Revision revision = new Revision(release);
        for (Replica replica : adopted.getOrDefault(version, List.of())) {
            ReplicaState state = runtime.awaitReady(replica, release.health().readiness().startPeriod().plusSeconds(5));
            if (state == ReplicaState.READY) {
                revision.replicas().add(replica);
            } else {
                log.warn("adopted replica {} is {}: replacing it", replica.id(), state);
                runtime.stop(replica, STOP_GRACE);
            }
        }
        adopted.remove(version);
        return revision;
    }

    // ------------------------------------------------------------------ reading

    /** What runs now, what the schema reads, the rollout in progress (or the last one), and what is allowed. */
    public ServiceStatus status() {
        Revision currentStable = stable;
        Revision currentCanary = canary;
        List<TimelineEntry> events = timeline;
        Optional<ServiceStatus.MigrationStatus> migration = schema.inFlight()
                .map(f -> new ServiceStatus.MigrationStatus(f.version(), f.name(), f.phase()));
        boolean pending = migration.filter(m -> m.phase().equals(dev.slipway.schema.InFlight.EXPANDED)).isPresent();
        return new ServiceStatus(service, Optional.ofNullable(currentStable).map(this::revisionStatus),
                Optional.ofNullable(currentCanary).map(this::revisionStatus), currentCanary == null ? 0 : canaryWeight,
                schema.state(), migration, pending, pending ? contractAt() : Optional.empty(),
                Optional.ofNullable(desiredVersion), store.latestRollout(service), actionChecks(),
                List.copyOf(events.subList(Math.max(0, events.size() - 20), events.size())));
    }

    /** Each action a user may try now, with the guard's (or the rollout state's) answer. */
    private List<ServiceStatus.ActionCheck> actionChecks() {
        List<ServiceStatus.ActionCheck> checks = new ArrayList<>();
        boolean rolling = canary != null;
        checks.add(new ServiceStatus.ActionCheck("rollout promote", rolling,
                rolling ? "a rollout of " + canary.version() + " is in progress" : "no rollout is in progress"));
        checks.add(new ServiceStatus.ActionCheck("rollout abort", rolling,
                rolling ? "traffic would go back to " + stableVersion().orElse("nothing") : "no rollout is in progress"));
        Optional<RolloutRecord> last = store.latestRollout(service);
        Optional<String> undoTarget = last.filter(r -> r.phase() == RolloutPhase.PROMOTED && r.fromVersion() != null)
                .map(RolloutRecord::fromVersion);
        if (rolling) {
            checks.add(new ServiceStatus.ActionCheck("rollout undo", false, "finish or abort the rollout first"));
        } else if (undoTarget.isEmpty()) {
            checks.add(new ServiceStatus.ActionCheck("rollout undo", false, "no promoted rollout to go back from"));
        } else {
            Optional<ReleaseSpec> target = releaseSpec(undoTarget.get());
            GuardDecision decision = target.map(t -> guard.check("undo to " + service + " " + t.version(), schema.state(),
                    List.of(new RevisionRef(service, t.version(), t.schema(), RevisionRef.Role.STABLE)),
                    List.of("Roll forward instead."))).orElse(null);
            checks.add(decision == null
                    ? new ServiceStatus.ActionCheck("rollout undo", false, "release " + undoTarget.get() + " is unknown")
                    : new ServiceStatus.ActionCheck("rollout undo --to " + undoTarget.get(), decision.allowed(),
                    decision.allowed() ? "schema " + CompatibilityGuard.formatState(schema.state()) + " is readable by "
                            + undoTarget.get() : decision.message()));
        }
        if (schema.inFlight().isPresent()) {
            GuardDecision complete = schema.checkComplete();
            checks.add(new ServiceStatus.ActionCheck("schema complete", complete.allowed(),
                    complete.allowed() ? "every running binary reads the new version" : complete.message()));
            GuardDecision rollback = schema.checkRollback();
            checks.add(new ServiceStatus.ActionCheck("schema rollback", rollback.allowed(),
                    rollback.allowed() ? "every running binary reads the old version" : rollback.message()));
        } else {
            checks.add(new ServiceStatus.ActionCheck("schema complete", false, "no migration is in flight"));
            checks.add(new ServiceStatus.ActionCheck("schema rollback", false, "no migration is in flight"));
        }
        return checks;
    }

    /**
     * When the stable release's {@code contractAfter} completes the pending migration: its promotion time plus
     * the delay. Empty without contractAfter or while another revision runs.
     */
    private Optional<Instant> contractAt() {
        Revision currentStable = stable;
        if (currentStable == null || currentStable.release().contractAfter().isEmpty()) {
            return Optional.empty();
        }
        Instant since = store.latestPromotion(service, currentStable.version()).map(RolloutRecord::updatedAt)
                .orElse(null);
        return since == null ? Optional.empty() : Optional.of(since.plus(currentStable.release().contractAfter().get()));
    }

    /**
     * contractAfter: completes the expanded migration once the stable release has been at 100 %, healthy and
     * alone for its delay. The guard still decides; a refusal just waits.
     */
    private void contractWhenDue() {
        Revision currentStable = stable;
        if (currentStable == null || canary != null || previous != null) {
            return;
        }
        Optional<Instant> due = contractAt();
        if (due.isEmpty() || clock.instant().isBefore(due.get())) {
            return;
        }
        Optional<dev.slipway.schema.InFlight> inFlight = schema.inFlight();
        if (inFlight.isEmpty() || !inFlight.get().phase().equals(dev.slipway.schema.InFlight.EXPANDED)) {
            return;
        }
        int ready = readyCount(currentStable);
        if (ready < currentStable.release().replicas() || !schema.checkComplete().allowed()) {
            return;
        }
        schema.complete("contractAfter of " + currentStable.version());
    }

    private ServiceStatus.RevisionStatus revisionStatus(Revision revision) {
        int ready = (int) revision.replicas().stream().filter(r -> runtime.state(r) == ReplicaState.READY).count();
        return new ServiceStatus.RevisionStatus(revision.version(), revision.release().schema(),
                revision.replicas().size(), ready);
    }

    /**
     * The stable release for a promotion to another environment ({@code slipway env promote}); empty before the
     * first deploy. Its soak counts from its latest promotion.
     */
    public Optional<StableSnapshot> stableSnapshot() {
        Revision currentStable = stable;
        Revision currentCanary = canary;
        if (currentStable == null) {
            return Optional.empty();
        }
        Instant since = store.latestPromotion(service, currentStable.version()).map(RolloutRecord::updatedAt)
                .orElse(clock.instant());
        Optional<MetricSample> counters;
        try {
            counters = Optional.of(metrics.sample(currentStable.version()));
        } catch (RuntimeException e) {
            log.warn("cannot read the router's counters for {}: {}", currentStable.version(), e.getMessage());
            counters = Optional.empty();
        }
        ServiceStatus.RevisionStatus health = revisionStatus(currentStable);
        return Optional.of(new StableSnapshot(currentStable.release(), since, currentStable.release().replicas(),
                health.readyReplicas(), counters, Optional.ofNullable(currentCanary).map(Revision::version)));
    }

    /** The audit history of the service, newest first. */
    public List<AuditEntry> history(int limit) {
        return store.history(service, limit);
    }

    /** The binaries that must keep reading the schema: stable, canary, and a blue-green release kept for undo. */
    public List<RevisionRef> mustKeepWorking() {
        List<RevisionRef> revisions = new ArrayList<>();
        Revision currentStable = stable;
        Revision currentCanary = canary;
        Revision kept = previous;
        if (currentStable != null) {
            revisions.add(new RevisionRef(service, currentStable.version(), currentStable.release().schema(),
                    RevisionRef.Role.STABLE));
        }
        if (currentCanary != null) {
            revisions.add(new RevisionRef(service, currentCanary.version(), currentCanary.release().schema(),
                    RevisionRef.Role.CANARY));
        }
        if (kept != null) {
            revisions.add(new RevisionRef(service, kept.version(), kept.release().schema(),
                    RevisionRef.Role.ROLLBACK_TARGET));
        }
        return revisions;
    }

    /** Versions with running replicas, stable first. */
    public List<String> runningVersions() {
        List<String> versions = new ArrayList<>();
        if (stable != null) versions.add(stable.version());
        if (canary != null) versions.add(canary.version());
        if (previous != null) versions.add(previous.version());
        return versions;
    }

    public Optional<String> stableVersion() {
        return Optional.ofNullable(stable).map(Revision::version);
    }

    public List<TimelineEntry> timeline() {
        return List.copyOf(timeline);
    }

    /** Adds a line to the timeline with the current weights, schema state and running versions. */
    public void record(String event) {
        Map<String, Integer> weights = new LinkedHashMap<>();
        RouteTable table = lastTable;
        table.backends().forEach(backend -> weights.put(backend.revision(), backend.weight()));
        SortedSet<Integer> state = new TreeSet<>(schema.state());
        TimelineEntry entry = new TimelineEntry(clock.instant(), event, weights, state, runningVersions());
        timeline.add(entry);
        timelineListener.accept(entry);
    }

    /** Records on the monitor thread: for callers holding this controller's lock, or a probe thread. */
    private void recordLater(String event) {
        try {
            monitor.execute(() -> record(event));
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            log.info("{}", event);
        }
    }

    // ------------------------------------------------------------------ endings

    private RolloutRecord finishPromoted(RolloutRecord rollout, String actor) {
        Revision incoming = canary;
        Optional<String> failure = ensureReplicas(incoming, incoming.release().replicas());
        if (failure.isPresent()) {
            return finishAborted(rollout, "could not bring " + incoming.version() + " to full size: " + failure.get(), actor);
        }
        Revision outgoing;
        synchronized (this) {
            outgoing = stable;
            stable = incoming;
            canary = null;
            canaryWeight = 0;
            headerRoutes = List.of();
            previewCanary = false;
        }
        refreshRoutes();
        RolloutRecord promoted = store.save(rollout.withProgress(RolloutPhase.PROMOTED, rollout.stepIndex(), 100,
                rollout.message(), clock.instant()));
        audit(actor, "rollout " + outgoing.version() + " -> " + incoming.version(), "promoted", rollout.message());
        if (incoming.release().strategy() instanceof StrategySpec.BlueGreen blueGreen
                && !blueGreen.scaleDownDelay().isZero() && !outgoing.replicas().isEmpty()) {
            keepForUndo(outgoing, blueGreen.scaleDownDelay());
            record("promoted " + incoming.version() + "; " + outgoing.version() + " kept for undo for "
                    + blueGreen.scaleDownDelay().toSeconds() + " s");
            return promoted;
        }
        record("promoted " + incoming.version() + " to stable; draining " + outgoing.version());
        stopRevision(outgoing);
        record("stopped " + outgoing.version());
        return promoted;
    }

    private void keepForUndo(Revision outgoing, Duration delay) {
        synchronized (this) {
            cancelScaleDown();
            previous = outgoing;
            previousScaleDown = monitor.schedule(() -> {
                Revision kept;
                synchronized (this) {
                    kept = previous;
                    previous = null;
                }
                if (kept != null) {
                    stopRevision(kept);
                    record("scaled down " + kept.version() + " (scale-down delay over)");
                }
            }, delay.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void cancelScaleDown() {
        ScheduledFuture<?> scheduled = previousScaleDown;
        if (scheduled != null) {
            scheduled.cancel(false);
        }
        previousScaleDown = null;
    }

    private RolloutRecord finishAborted(RolloutRecord rollout, String why, String actor) {
        Revision failed = canary;
        Revision currentStable = stable;
        // Traffic goes back to stable at once: rolling updates may have scaled it down, so it grows back first
        // while the new release still serves its share.
        if (currentStable != null && currentStable.replicas().size() < currentStable.release().replicas()) {
            Optional<String> problem = ensureReplicas(currentStable, currentStable.release().replicas());
            problem.ifPresent(p -> log.warn("could not bring {} back to full size: {}", currentStable.version(), p));
        }
        synchronized (this) {
            canaryWeight = 0;
            headerRoutes = List.of();
            previewCanary = false;
            canary = null;
            desiredVersion = currentStable == null ? null : currentStable.version();
        }
        refreshRoutes();
        RolloutRecord aborted = store.save(rollout.withProgress(RolloutPhase.ABORTED, rollout.stepIndex(), 0, why,
                clock.instant()));
        record("aborted " + failed.version() + ": " + why);
        stopRevision(failed);
        audit(actor, "rollout " + rollout.fromVersion() + " -> " + failed.version(), "aborted", why);
        record("removed " + failed.version());
        return aborted;
    }

    // ------------------------------------------------------------------ replicas and traffic

    /**
     * Brings a revision to {@code count} ready replicas: starts the missing ones and waits for readiness, or
     * drains and stops the extra ones (newest first). Returns why a replica failed, or empty.
     */
    private Optional<String> ensureReplicas(Revision revision, int count) {
        List<Replica> started = new ArrayList<>();
        int ordinal = revision.replicas().stream().mapToInt(r -> ordinalOf(r.id())).max().orElse(-1) + 1;
        while (revision.replicas().size() + started.size() < count) {
            started.add(startReplica(revision.release(), ordinal++));
        }
        Duration deadline = revision.release().health().readiness().startPeriod().plusSeconds(5);
        for (Replica replica : started) {
            ReplicaState state = runtime.awaitReady(replica, deadline);
            if (state != ReplicaState.READY) {
                started.forEach(this::stopReplica);
                return Optional.of("replica " + replica.id() + " is " + state + runtime.failureReason(replica)
                        .map(reason -> ": " + reason).orElse(" after " + deadline.toSeconds() + " s"));
            }
        }
        revision.replicas().addAll(started);
        refreshRoutes();
        while (revision.replicas().size() > count) {
            Replica extra = revision.replicas().get(revision.replicas().size() - 1);
            draining.add(extra.id());
            refreshRoutes();
            stopReplica(extra);
            revision.replicas().remove(extra);
            draining.remove(extra.id());
        }
        return Optional.empty();
    }

    private static int ordinalOf(String replicaId) {
        // ids look like <service>-<revision>-<ordinal>-<random>; the ordinal only keeps log names apart
        String[] parts = replicaId.split("-");
        try {
            return parts.length >= 2 ? Integer.parseInt(parts[parts.length - 2]) : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private Replica startReplica(ReleaseSpec release, int ordinal) {
        return startReplica(release, ordinal, release.schema().newestReadable(schema.state()));
    }

    private Replica startReplica(ReleaseSpec release, int ordinal, int version) {
        return startReplica(release, ordinal, version, schema.versionSchema(version));
    }

    /** @param databaseSchema its DATABASE_SCHEMA: the view schema of {@code version}, or a search path ending in it */
    private Replica startReplica(ReleaseSpec release, int ordinal, int version, String databaseSchema) {
        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("DATABASE_URL", database.jdbcUrl());
        environment.put("DATABASE_USER", database.user());
        environment.put("DATABASE_PASSWORD", database.password());
        environment.put("DATABASE_SCHEMA", databaseSchema);
        environment.put("SLIPWAY_REVISION", release.version());
        RunSpec run = new RunSpec(resolveCommand(release.run().command()), release.run().env());
        Replica replica = runtime.start(new ReplicaRequest(service, release.version(), ordinal, run, environment,
                release.health()));
        boundVersions.put(replica.id(), version);
        return replica;
    }

    /**
     * Before a schema complete or rollback drops the view schemas of the versions not in {@code resultingState}:
     * a replica started against one of them would lose every table at once, even though its release reads a
     * version that stays (a binary reading [1, 2] started while the state was {1}). Each such replica is replaced,
     * one at a time and start-first, by a replica of the same release bound to a version that stays; the old one
     * is drained. Refused during a rollout, whose worker owns the replicas until it ends.
     */
    private void rebindReplicas(SortedSet<Integer> resultingState) {
        SortedSet<Integer> current = schema.state();
        for (Revision revision : new Revision[] {stable, previous, canary}) {
            if (revision == null || !revision.release().schema().readsAnyOf(resultingState)) {
                continue; // nothing it reads stays: the guard refused this, or it was forced over the guard
            }
            List<Replica> moving = revision.replicas().stream()
                    .filter(replica -> !boundToOneOf(replica, revision.release(), current, resultingState)).toList();
            int version = revision.release().schema().newestReadable(resultingState);
            // The rollback of an opaque migration brings back views that do not exist yet: until it commits, the
            // search path falls back to the views of today.
            String databaseSchema = current.contains(version) || !revision.release().schema().readsAnyOf(current)
                    ? schema.versionSchema(version)
                    : schema.versionSchema(version) + "," + schema.versionSchema(revision.release().schema()
                    .newestReadable(current));
            replaceReplicas(revision, moving, version, databaseSchema, "to " + databaseSchema + " before the old views go");
        }
    }

    /**
     * Before an opaque migration to {@code version}, which drops the views of the version before it and creates
     * its own in one transaction, so no replica can move across it start-first: every replica of a release that
     * reads {@code version} is replaced in advance by one whose DATABASE_SCHEMA is a search path of both view
     * schemas, the new one first. PostgreSQL skips the one that does not exist yet, and resolves names to the new
     * views from the moment the migration commits (plans are re-made when their views are dropped).
     */
    private void prepareForOpaqueMigration(int version) {
        SortedSet<Integer> current = schema.state();
        for (Revision revision : new Revision[] {stable, previous, canary}) {
            if (revision == null || !revision.release().schema().reads(version)
                    || !revision.release().schema().readsAnyOf(current)) {
                continue;
            }
            List<Replica> moving = revision.replicas().stream()
                    .filter(replica -> !Integer.valueOf(version).equals(boundVersions.get(replica.id()))).toList();
            String searchPath = schema.versionSchema(version) + ","
                    + schema.versionSchema(revision.release().schema().newestReadable(current));
            replaceReplicas(revision, moving, version, searchPath, "to " + searchPath + " before the opaque migration");
        }
    }

    private void replaceReplicas(Revision revision, List<Replica> moving, int version, String databaseSchema,
                                 String why) {
        if (moving.isEmpty()) {
            return;
        }
        if (canary != null) {
            throw new IllegalStateException("replicas of " + revision.version() + " read a schema version that this "
                    + "action drops, and a rollout of " + canary.version() + " is in progress: finish it first");
        }
        record("moving " + moving.size() + " replica(s) of " + revision.version() + " " + why);
        int ordinal = revision.replicas().stream().mapToInt(r -> ordinalOf(r.id())).max().orElse(-1) + 1;
        Duration deadline = revision.release().health().readiness().startPeriod().plusSeconds(5);
        for (Replica old : moving) {
            Replica fresh = startReplica(revision.release(), ordinal++, version, databaseSchema);
            ReplicaState state = runtime.awaitReady(fresh, deadline);
            if (state != ReplicaState.READY) {
                stopReplica(fresh);
                throw new IllegalStateException("a replica of " + revision.version() + " on " + databaseSchema
                        + " is " + state + " after " + deadline.toSeconds() + " s; the schema was not changed");
            }
            revision.replicas().add(fresh);
            refreshRoutes();
            stopReplica(old);
            revision.replicas().remove(old);
        }
    }

    /** Whether a replica reads a version in {@code staying}: known when this controller started it, else inferred. */
    private boolean boundToOneOf(Replica replica, ReleaseSpec release, SortedSet<Integer> current,
                                 SortedSet<Integer> staying) {
        Integer bound = boundVersions.get(replica.id());
        if (bound != null) {
            return staying.contains(bound);
        }
        // adopted after a restart: certain only when its release reads a single version of the current state
        List<Integer> readable = current.stream().filter(release.schema()::reads).toList();
        return readable.size() == 1 && staying.contains(readable.get(0));
    }

    /** {@code java} means the JVM Slipway runs on, so nothing needs to be on PATH. */
    private static List<String> resolveCommand(List<String> command) {
        if (command.isEmpty() || !command.get(0).equals("java")) {
            return command;
        }
        List<String> resolved = new ArrayList<>(command);
        resolved.set(0, Path.of(System.getProperty("java.home"), "bin", "java").toString());
        return resolved;
    }

    /** Drains a revision's replicas in the router, then stops their processes. */
    private void stopRevision(Revision revision) {
        revision.replicas().forEach(replica -> draining.add(replica.id()));
        refreshRoutes();
        for (Replica replica : revision.replicas()) {
            stopReplica(replica);
        }
    }

    private void stopReplica(Replica replica) {
        draining.add(replica.id());
        refreshRoutes();
        boolean drained = router.awaitDrained(new Endpoint(replica.host(), replica.port()), DRAIN_TIMEOUT);
        if (!drained) {
            log.warn("replica {} still had requests in flight after {} s; stopping it anyway",
                    replica.id(), DRAIN_TIMEOUT.toSeconds());
        }
        runtime.stop(replica, STOP_GRACE);
        draining.remove(replica.id());
        boundVersions.remove(replica.id());
    }

    private void refreshRoutesQuietly() {
        try {
            refreshRoutes();
            Revision currentCanary = canary;
            if (currentCanary != null && stopReason == null) {
                for (Replica replica : currentCanary.replicas()) {
                    if (runtime.state(replica) == ReplicaState.FAILED && !draining.contains(replica.id())) {
                        stopReason = "replica " + replica.id() + " of " + currentCanary.version() + " failed";
                    }
                }
            }
        } catch (RuntimeException e) {
            log.warn("could not refresh routes: {}", e.getMessage());
        }
    }

    /** Builds the route table from who is ready now and the canary weight; swaps it only if it changed. */
    private synchronized void refreshRoutes() {
        if (detached) {
            throw new IllegalStateException("this controller was detached");
        }
        Revision currentStable = stable;
        Revision currentCanary = canary;
        String stableVersion = currentStable == null ? null : currentStable.version();
        List<Endpoint> canaryReady = endpoints(currentCanary, ReplicaState.READY);
        List<Endpoint> stableEndpoints = panicRouting.stableEndpoints(stableVersion,
                endpoints(currentStable, ReplicaState.READY), endpoints(currentStable, ReplicaState.NOT_READY), canaryReady);
        RouteTable table = RouteTables.build(stableVersion, stableEndpoints,
                currentCanary == null ? null : currentCanary.version(), canaryReady,
                canaryWeight, headerRoutes, previewCanary);
        if (!table.equals(lastTable)) {
            router.route(table);
            lastTable = table;
        }
    }

    private List<Endpoint> readyEndpoints(Revision revision) {
        return endpoints(revision, ReplicaState.READY);
    }

    /** The endpoints of the revision's replicas in {@code state}, draining ones left out. */
    private List<Endpoint> endpoints(Revision revision, ReplicaState state) {
        List<Endpoint> endpoints = new ArrayList<>();
        if (revision == null) {
            return endpoints;
        }
        for (Replica replica : revision.replicas()) {
            if (!draining.contains(replica.id()) && runtime.state(replica) == state) {
                endpoints.add(new Endpoint(replica.host(), replica.port()));
            }
        }
        return endpoints;
    }

    private int readyCount(Revision revision) {
        return readyEndpoints(revision).size();
    }

    // ------------------------------------------------------------------ helpers

    private void remember(ReleaseSpec release) {
        knownReleases.put(release.version(), release);
        store.saveRelease(service, release.version(), SpecWriter.release(release));
    }

    private Optional<ReleaseSpec> releaseSpec(String version) {
        ReleaseSpec known = knownReleases.get(version);
        if (known != null) {
            return Optional.of(known);
        }
        Optional<ReleaseSpec> stored = store.release(service, version)
                .map(yaml -> SpecParser.parseRelease("stored release " + version, yaml));
        stored.ifPresent(release -> knownReleases.put(version, release));
        return stored;
    }

    private void resetRolloutFlags() {
        headerRoutes = List.of();
        previewCanary = false;
        stopReason = null;
        promoteRequested = false;
        fullPromotionRequested = false;
    }

    private static String strategyName(StrategySpec strategy) {
        if (strategy instanceof StrategySpec.Rolling) return "rolling";
        if (strategy instanceof StrategySpec.BlueGreen) return "blue-green";
        return "canary";
    }

    private void requireAllowed(String action, SortedSet<Integer> state, List<RevisionRef> revisions,
                                List<String> waysForward, String actor) {
        requireAllowed(action, state, revisions, waysForward, actor, Optional.empty());
    }

    /** Refuses with the guard's message, unless a forced override with a backup is given: then it is audited. */
    private void requireAllowed(String action, SortedSet<Integer> state, List<RevisionRef> revisions,
                                List<String> waysForward, String actor, Optional<ForceOverride> force) {
        GuardDecision decision = guard.check(action, state, revisions, waysForward);
        if (decision.allowed()) {
            return;
        }
        if (force.isPresent()) {
            audit(actor, action, "forced", decision.message() + "\n  overridden with " + force.get().describe());
            record("FORCED " + action + " over the guard (" + force.get().describe() + ")");
            return;
        }
        audit(actor, action, "refused", decision.message());
        throw new GuardRefusedException(decision);
    }

    private void audit(String actor, String action, String outcome, String detail) {
        store.audit(new AuditEntry(clock.instant(), service, actor, action, outcome, detail));
    }

    /** Stops every replica and the background threads; the router and runtime belong to the caller. */
    @Override
    public void close() {
        monitor.shutdownNow();
        worker.shutdownNow();
        if (detached) {
            return; // a dead controller's replicas belong to whoever adopted them
        }
        for (Revision revision : new Revision[] {canary, previous, stable}) {
            if (revision != null) {
                stopRevision(revision);
            }
        }
    }

    /** Stops the background threads but leaves every replica running, as a crash would (for tests). */
    public void detach() {
        detached = true;
        monitor.shutdownNow();
        worker.shutdownNow();
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The controller's side of the strategies. */
    private final class Actions implements RolloutActions {
        private MetricSample windowStart = MetricSample.empty("");

        @Override
        public void setWeight(int percent) {
            canaryWeight = percent;
            refreshRoutes();
            windowStart = metrics.sample(canary.version());
        }

        @Override
        public void balanceByReplicas() {
            int fresh = readyCount(canary);
            int old = readyCount(stable);
            canaryWeight = fresh + old == 0 ? 0 : Math.round(100f * fresh / (fresh + old));
            refreshRoutes();
        }

        @Override
        public void setHeaderRoute(String header, String value) {
            List<HeaderRoute> routes = new ArrayList<>(headerRoutes);
            routes.removeIf(route -> route.name().equalsIgnoreCase(header) && route.value().equals(value));
            routes.add(new HeaderRoute(header, value, canary.version()));
            headerRoutes = List.copyOf(routes);
            refreshRoutes();
        }

        @Override
        public void previewNew() {
            previewCanary = true;
            refreshRoutes();
        }

        @Override
        public Optional<String> scaleNew(int replicas) {
            return ensureReplicas(canary, replicas);
        }

        @Override
        public Optional<String> scaleOld(int replicas) {
            return ensureReplicas(stable, replicas);
        }

        @Override
        public int readyNew() {
            return readyCount(canary);
        }

        @Override
        public int readyOld() {
            return readyCount(stable);
        }

        @Override
        public boolean pause(Optional<Duration> duration) {
            Instant end = duration.map(d -> clock.instant().plus(d)).orElse(Instant.MAX);
            while (clock.instant().isBefore(end)) {
                if (stopReason != null) {
                    return false;
                }
                if (promoteRequested) {
                    promoteRequested = false;
                    return true;
                }
                sleep(POLL);
            }
            return stopReason == null;
        }

        @Override
        public Verdict analyze(AnalysisSpec spec) {
            String version = canary.version();
            Instant end = clock.instant().plus(spec.window());
            Verdict verdict = judge.judge(spec, metrics.sample(version).since(windowStart));
            while (verdict.outcome() == Verdict.Outcome.INCONCLUSIVE && clock.instant().isBefore(end)
                    && stopReason == null) {
                sleep(Duration.ofMillis(500));
                verdict = judge.judge(spec, metrics.sample(version).since(windowStart));
            }
            return verdict;
        }

        @Override
        public RolloutRecord transition(RolloutRecord next, String event) {
            if (detached) {
                throw new IllegalStateException("this controller was detached");
            }
            RolloutRecord saved = store.save(next);
            record(canary.version() + ": " + event);
            return saved;
        }

        @Override
        public boolean fullPromotionRequested() {
            return fullPromotionRequested;
        }

        @Override
        public Optional<String> stopReason() {
            return Optional.ofNullable(stopReason);
        }
    }
}
