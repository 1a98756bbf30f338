package dev.slipway.controller;

import dev.slipway.analysis.Judge;
import dev.slipway.analysis.MetricProvider;
import dev.slipway.analysis.MetricSample;
import dev.slipway.analysis.Verdict;
import dev.slipway.controller.guard.CompatibilityGuard;
import dev.slipway.controller.guard.GuardDecision;
import dev.slipway.controller.guard.GuardRefusedException;
import dev.slipway.controller.guard.RevisionRef;
import dev.slipway.controller.store.AuditEntry;
import dev.slipway.controller.store.RolloutPhase;
import dev.slipway.controller.store.RolloutRecord;
import dev.slipway.controller.store.Store;
import dev.slipway.controller.strategy.Canary;
import dev.slipway.controller.strategy.CanaryActions;
import dev.slipway.model.AnalysisSpec;
import dev.slipway.model.CanaryStep;
import dev.slipway.model.ReleaseSpec;
import dev.slipway.model.RunSpec;
import dev.slipway.model.StrategySpec;
import dev.slipway.router.Backend;
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
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Moves one service's binary: deploys the first stable release, runs rollouts with their strategy, promotes,
 * aborts and undoes them. Every action is checked by the {@link CompatibilityGuard} against the schema state
 * first; every transition is persisted in the {@link Store} before the next one starts.
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
    private final ScheduledExecutorService monitor = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "slipway-readiness-monitor");
        thread.setDaemon(true);
        return thread;
    });

    private volatile Revision stable;
    private volatile Revision canary;
    private volatile int canaryWeight;
    private volatile List<HeaderRoute> headerRoutes = List.of();
    private volatile String stopReason;
    private volatile boolean promoteRequested;
    private volatile boolean fullPromotionRequested;
    private volatile RouteTable lastTable = new RouteTable(List.of(), List.of());
    private volatile String desiredVersion;
    private final java.util.concurrent.ExecutorService worker = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "slipway-rollout-worker");
        thread.setDaemon(true);
        return thread;
    });

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
        // Readiness gates traffic: a replica that stops being ready leaves the table, and comes back.
        monitor.scheduleWithFixedDelay(this::refreshRoutesQuietly, 250, 250, TimeUnit.MILLISECONDS);
    }

    /** Runs the first release of the service at full size and sends it all traffic. */
    public synchronized void deploy(ReleaseSpec release, String actor) {
        if (stable != null) {
            throw new IllegalStateException(service + " already runs " + stable.version() + ": use a rollout");
        }
        RevisionRef incoming = new RevisionRef(service, release.version(), release.schema(), RevisionRef.Role.STABLE);
        requireAllowed("deploy of " + service + " " + release.version(), schema.state(), List.of(incoming),
                List.of("Migrate the schema to a version " + release.version() + " reads first."), actor);
        Revision revision = new Revision(release);
        knownReleases.put(release.version(), release);
        startReplicas(revision, release.replicas());
        Optional<String> failure = awaitReady(revision);
        if (failure.isPresent()) {
            stopRevision(revision);
            audit(actor, "deploy " + release.version(), "failed", failure.get());
            throw new IllegalStateException("deploy of " + release.version() + " failed: " + failure.get());
        }
        stable = revision;
        desiredVersion = release.version();
        canaryWeight = 0;
        refreshRoutes();
        audit(actor, "deploy " + release.version(), "done", "");
        record("deployed " + release.version() + " (" + release.replicas() + " replicas)");
    }

    /**
     * Rolls {@code release} out from the current stable one with the release's strategy; blocks until the
     * rollout is promoted or aborted, and returns how it ended.
     */
    public RolloutRecord rollout(ReleaseSpec release, String actor) {
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
                    actor);
            knownReleases.put(release.version(), release);
            desiredVersion = release.version();
            canary = new Revision(release);
            canaryWeight = 0;
            headerRoutes = List.of();
            stopReason = null;
            promoteRequested = false;
            fullPromotionRequested = false;
        }
        Revision incoming = canary;
        Instant now = clock.instant();
        RolloutRecord rollout = store.save(new RolloutRecord(0, service, stable.version(), release.version(),
                RolloutPhase.PROGRESSING, 0, 0, "starting canary replicas", now, now));
        audit(actor, "rollout " + stable.version() + " -> " + release.version(), "started", "");
        record("rollout " + release.version() + ": starting " + release.replicas() + " canary replicas");
        startReplicas(incoming, release.replicas());
        Optional<String> failure = awaitReady(incoming);
        if (failure.isPresent()) {
            return finishAborted(rollout, "canary never became ready: " + failure.get(), actor);
        }
        record("canary " + release.version() + " ready");
        if (!(release.strategy() instanceof StrategySpec.Canary canarySpec)) {
            throw new IllegalStateException("only the canary strategy exists so far");
        }
        RolloutRecord ended = new Canary(canarySpec, clock).run(rollout, new Actions());
        if (ended.phase() == RolloutPhase.PROMOTED) {
            return finishPromoted(ended, actor);
        }
        return finishAborted(ended, ended.message(), actor);
    }

    /**
     * Ends the current pause (timed, indefinite, or after an inconclusive analysis) so the rollout goes on;
     * with {@code full}, skips every remaining step and promotes the canary now.
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

    /** Asks the running rollout to stop: all traffic goes back to stable and the canary is removed. */
    public void abort(String actor, String why) {
        if (canary == null) {
            throw new IllegalStateException("no rollout is in progress for " + service);
        }
        stopReason = "aborted by " + actor + (why.isBlank() ? "" : ": " + why);
        audit(actor, "abort", "requested", why);
    }

    /**
     * Goes back to an earlier release, which must still read the schema state; refused otherwise, naming the
     * versions. The undo itself is a rollout that switches all traffic at once.
     */
    public RolloutRecord undo(String toVersion, String actor) {
        if (toVersion == null) {
            toVersion = store.latestRollout(service).filter(r -> r.phase() == RolloutPhase.PROMOTED && r.fromVersion() != null)
                    .map(RolloutRecord::fromVersion).orElseThrow(() -> new IllegalStateException(
                            "nothing to undo: " + service + " has no promoted rollout to go back from"));
        }
        ReleaseSpec target = knownReleases.get(toVersion);
        if (target == null) {
            throw new IllegalArgumentException("no release " + toVersion + " of " + service + " is known; known: "
                    + new TreeSet<>(knownReleases.keySet()));
        }
        List<RevisionRef> after = new ArrayList<>();
        after.add(new RevisionRef(service, toVersion, target.schema(), RevisionRef.Role.STABLE));
        requireAllowed("undo to " + service + " " + toVersion, schema.state(), after, List.of(
                "Roll forward instead: ship a release that reads schema " + CompatibilityGuard.formatState(schema.state()) + ".",
                "Or write a reverse migration back to a version " + toVersion + " reads (" + target.schema() + ") and start it first."),
                actor);
        ReleaseSpec immediate = new ReleaseSpec(target.version(), target.run(), target.schema(), target.replicas(),
                target.health(), new StrategySpec.Canary(List.of(new CanaryStep.SetWeight(100))));
        return rollout(immediate, actor);
    }

    /** What runs now, what the schema reads, and the rollout in progress (or the last one). */
    public ServiceStatus status() {
        Revision currentStable = stable;
        Revision currentCanary = canary;
        List<TimelineEntry> events = timeline;
        return new ServiceStatus(service, Optional.ofNullable(currentStable).map(this::revisionStatus),
                Optional.ofNullable(currentCanary).map(this::revisionStatus), currentCanary == null ? 0 : canaryWeight,
                schema.state(), Optional.ofNullable(desiredVersion), store.latestRollout(service),
                List.copyOf(events.subList(Math.max(0, events.size() - 20), events.size())));
    }

    private ServiceStatus.RevisionStatus revisionStatus(Revision revision) {
        int ready = (int) revision.replicas().stream().filter(r -> runtime.state(r) == ReplicaState.READY).count();
        return new ServiceStatus.RevisionStatus(revision.version(), revision.release().schema(),
                revision.replicas().size(), ready);
    }

    /** The audit history of the service, newest first. */
    public List<AuditEntry> history(int limit) {
        return store.history(service, limit);
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
            knownReleases.put(release.version(), release);
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
        ReleaseSpec release = knownReleases.get(last.toVersion());
        if (release == null) {
            throw new IllegalStateException("the release " + last.toVersion() + " is no longer known: apply it again");
        }
        audit(actor, "retry " + last.toVersion(), "requested", "");
        apply(release, actor);
    }

    /** The binaries that must keep reading the schema: stable and canary. */
    public List<RevisionRef> mustKeepWorking() {
        List<RevisionRef> revisions = new ArrayList<>();
        Revision currentStable = stable;
        Revision currentCanary = canary;
        if (currentStable != null) {
            revisions.add(new RevisionRef(service, currentStable.version(), currentStable.release().schema(),
                    RevisionRef.Role.STABLE));
        }
        if (currentCanary != null) {
            revisions.add(new RevisionRef(service, currentCanary.version(), currentCanary.release().schema(),
                    RevisionRef.Role.CANARY));
        }
        return revisions;
    }

    /** Versions with running replicas, stable first. */
    public List<String> runningVersions() {
        List<String> versions = new ArrayList<>();
        if (stable != null) versions.add(stable.version());
        if (canary != null) versions.add(canary.version());
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
        Revision currentStable = stable;
        Revision currentCanary = canary;
        if (currentStable != null) weights.put(currentStable.version(), 100 - (currentCanary == null ? 0 : canaryWeight));
        if (currentCanary != null) weights.put(currentCanary.version(), canaryWeight);
        SortedSet<Integer> state = new TreeSet<>(schema.state());
        TimelineEntry entry = new TimelineEntry(clock.instant(), event, weights, state, runningVersions());
        timeline.add(entry);
        timelineListener.accept(entry);
    }

    private RolloutRecord finishPromoted(RolloutRecord rollout, String actor) {
        Revision outgoing = stable;
        Revision incoming = canary;
        synchronized (this) {
            stable = incoming;
            canary = null;
            canaryWeight = 0;
            headerRoutes = List.of();
        }
        refreshRoutes();
        RolloutRecord promoted = store.save(rollout.withProgress(RolloutPhase.PROMOTED, rollout.stepIndex(), 100,
                rollout.message(), clock.instant()));
        record("promoted " + incoming.version() + " to stable; draining " + outgoing.version());
        stopRevision(outgoing);
        audit(actor, "rollout " + outgoing.version() + " -> " + incoming.version(), "promoted", rollout.message());
        record("stopped " + outgoing.version());
        return promoted;
    }

    private RolloutRecord finishAborted(RolloutRecord rollout, String why, String actor) {
        Revision failed = canary;
        synchronized (this) {
            canaryWeight = 0;
            headerRoutes = List.of();
            canary = null;
        }
        // Traffic goes back to stable at once; then the canary drains and stops.
        refreshRoutes();
        RolloutRecord aborted = store.save(rollout.withProgress(RolloutPhase.ABORTED, rollout.stepIndex(), 0, why,
                clock.instant()));
        record("aborted " + failed.version() + ": " + why);
        stopRevision(failed);
        audit(actor, "rollout " + rollout.fromVersion() + " -> " + failed.version(), "aborted", why);
        record("removed canary " + failed.version());
        return aborted;
    }

    private void requireAllowed(String action, SortedSet<Integer> state, List<RevisionRef> revisions,
                                List<String> waysForward, String actor) {
        GuardDecision decision = guard.check(action, state, revisions, waysForward);
        if (!decision.allowed()) {
            audit(actor, action, "refused", decision.message());
            throw new GuardRefusedException(decision);
        }
    }

    private void startReplicas(Revision revision, int count) {
        ReleaseSpec release = revision.release();
        int version = release.schema().newestReadable(schema.state());
        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("DATABASE_URL", database.jdbcUrl());
        environment.put("DATABASE_USER", database.user());
        environment.put("DATABASE_PASSWORD", database.password());
        environment.put("DATABASE_SCHEMA", schema.versionSchema(version));
        environment.put("SLIPWAY_REVISION", release.version());
        RunSpec run = new RunSpec(resolveCommand(release.run().command()), release.run().env());
        for (int ordinal = 0; ordinal < count; ordinal++) {
            revision.replicas().add(runtime.start(new ReplicaRequest(service, release.version(), ordinal, run,
                    environment, release.health())));
        }
    }

    /** {@code java} means the JVM Slipway runs on, so the demo needs nothing on PATH. */
    private static List<String> resolveCommand(List<String> command) {
        if (command.isEmpty() || !command.get(0).equals("java")) {
            return command;
        }
        List<String> resolved = new ArrayList<>(command);
        resolved.set(0, Path.of(System.getProperty("java.home"), "bin", "java").toString());
        return resolved;
    }

    private Optional<String> awaitReady(Revision revision) {
        Duration deadline = revision.release().health().readiness().startPeriod().plusSeconds(5);
        for (Replica replica : revision.replicas()) {
            ReplicaState state = runtime.awaitReady(replica, deadline);
            if (state != ReplicaState.READY) {
                return Optional.of("replica " + replica.id() + " is " + state + " after " + deadline.toSeconds() + " s");
            }
        }
        return Optional.empty();
    }

    /** Drains a revision's replicas in the router, then stops their processes. */
    private void stopRevision(Revision revision) {
        for (Replica replica : revision.replicas()) {
            boolean drained = router.awaitDrained(new Endpoint(replica.host(), replica.port()), DRAIN_TIMEOUT);
            if (!drained) {
                log.warn("replica {} still had requests in flight after {} s; stopping it anyway",
                        replica.id(), DRAIN_TIMEOUT.toSeconds());
            }
            runtime.stop(replica, STOP_GRACE);
        }
    }

    private void refreshRoutesQuietly() {
        try {
            refreshRoutes();
            Revision currentCanary = canary;
            if (currentCanary != null && stopReason == null) {
                for (Replica replica : currentCanary.replicas()) {
                    if (runtime.state(replica) == ReplicaState.FAILED) {
                        stopReason = "canary replica " + replica.id() + " failed";
                    }
                }
            }
        } catch (RuntimeException e) {
            log.warn("could not refresh routes: {}", e.getMessage());
        }
    }

    /** Builds the route table from who is ready now and the canary weight; swaps it only if it changed. */
    private synchronized void refreshRoutes() {
        List<Backend> backends = new ArrayList<>();
        Revision currentStable = stable;
        Revision currentCanary = canary;
        List<Endpoint> canaryEndpoints = currentCanary == null ? List.of() : readyEndpoints(currentCanary);
        int weight = canaryEndpoints.isEmpty() ? 0 : canaryWeight;
        if (currentStable != null) {
            backends.add(new Backend(currentStable.version(), 100 - weight, readyEndpoints(currentStable)));
        }
        if (currentCanary != null) {
            backends.add(new Backend(currentCanary.version(), weight, canaryEndpoints));
        }
        RouteTable table = new RouteTable(backends, headerRoutes);
        if (!table.equals(lastTable)) {
            router.route(table);
            lastTable = table;
        }
    }

    private List<Endpoint> readyEndpoints(Revision revision) {
        List<Endpoint> endpoints = new ArrayList<>();
        for (Replica replica : revision.replicas()) {
            if (runtime.state(replica) == ReplicaState.READY) {
                endpoints.add(new Endpoint(replica.host(), replica.port()));
            }
        }
        return endpoints;
    }

    private void audit(String actor, String action, String outcome, String detail) {
        store.audit(new AuditEntry(clock.instant(), service, actor, action, outcome, detail));
    }

    /** Stops every replica and the monitor; the router and runtime belong to the caller. */
    @Override
    public void close() {
        monitor.shutdownNow();
        worker.shutdownNow();
        Revision currentCanary = canary;
        if (currentCanary != null) {
            stopRevision(currentCanary);
        }
        Revision currentStable = stable;
        if (currentStable != null) {
            stopRevision(currentStable);
        }
    }

    /** The controller's side of the canary strategy. */
    private final class Actions implements CanaryActions {
        private MetricSample windowStart = MetricSample.empty("");

        @Override
        public void setWeight(int percent) {
            canaryWeight = percent;
            refreshRoutes();
            windowStart = metrics.sample(canary.version());
        }

        @Override
        public void setHeaderRoute(String header, String value) {
            List<HeaderRoute> routes = new ArrayList<>(headerRoutes);
            routes.add(new HeaderRoute(header, value, canary.version()));
            headerRoutes = List.copyOf(routes);
            refreshRoutes();
        }

        @Override
        public boolean pause(Optional<Duration> duration) {
            promoteRequested = false;
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

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
