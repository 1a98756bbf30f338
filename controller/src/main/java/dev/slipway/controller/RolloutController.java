package dev.slipway.controller;

import dev.slipway.analysis.Judge;
import dev.slipway.analysis.MetricProvider;
import dev.slipway.analysis.provider.Providers;
import dev.slipway.analysis.provider.RequestSamples;
import dev.slipway.analysis.run.AnalysisStatus;
import dev.slipway.analysis.run.MeasurerFactory;
import dev.slipway.controller.analysis.RolloutAnalyses;
import dev.slipway.controller.event.RolloutEvent;
import dev.slipway.controller.event.RolloutEvents;
import dev.slipway.controller.guard.ForceOverride;
import dev.slipway.controller.hooks.PolicyInForce;
import dev.slipway.controller.guard.GuardGate;
import dev.slipway.controller.guard.RevisionRef;
import dev.slipway.controller.loop.RolloutLoop;
import dev.slipway.controller.replica.ReplicaFleet;
import dev.slipway.controller.replica.ReplicaMoves;
import dev.slipway.controller.replica.RoutedRestarts;
import dev.slipway.controller.rollout.ContractAfter;
import dev.slipway.controller.rollout.KnownReleases;
import dev.slipway.controller.rollout.Resumer;
import dev.slipway.controller.rollout.RolloutCommands;
import dev.slipway.controller.rollout.RolloutRunner;
import dev.slipway.controller.rollout.RolloutTimers;
import dev.slipway.controller.rollout.StartedRollout;
import dev.slipway.controller.state.Revision;
import dev.slipway.controller.state.Slot;
import dev.slipway.controller.status.StatusReader;
import dev.slipway.controller.store.AuditEntry;
import dev.slipway.controller.store.RolloutRecord;
import dev.slipway.controller.store.Store;
import dev.slipway.controller.traffic.RouteSync;
import dev.slipway.model.ReleaseSpec;
import dev.slipway.model.RolloutPolicy;
import dev.slipway.router.TrafficRouter;
import dev.slipway.runtime.Runtime;
import dev.slipway.schema.SchemaEngine;

import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One service's controller, as its callers (the API, the CLI, the demo, tests) see it: deploys the first release, runs
 * rollouts with their strategy, promotes, aborts and undoes them, resumes after a crash, and coordinates the schema.
 * A facade: it wires the parts that do the work and hands each call to the part whose job it is —
 * <ul>
 *   <li>{@link RolloutLoop}: the only place the service's state changes;</li>
 *   <li>{@link GuardGate}: every guarded action, rollout or schema, checked and applied as one step;</li>
 *   <li>{@link RolloutCommands} and {@link RolloutRunner}: accept a rollout, then run it to its end;</li>
 *   <li>{@link ReplicaFleet}: starts, scales, drains and stops replicas; {@link RoutedRestarts}: the runtime's
 *       liveness restarts within a budget, drained first; {@link RouteSync}: the router's table (and panic
 *       routing);</li>
 *   <li>{@link RolloutTimers}: blue-green scale-down, contractAfter; {@link Resumer}: after a restart;</li>
 *   <li>{@link StatusReader}: what status shows; {@link RolloutEvents}: what happened, to listeners;</li>
 *   <li>{@link RolloutAnalyses}: the analysis templates of the rollout, measured and stored.</li>
 * </ul>
 */
public final class RolloutController implements AutoCloseable {
    private final String service;
    private final RolloutLoop loop;
    private final RouteSync routes;
    private final RolloutEvents events;
    private final ReplicaFleet fleet;
    private final SchemaCoordinator schema;
    private final RolloutTimers timers;
    private final RolloutRunner runner;
    private final PolicyInForce policy;
    private final KnownReleases releases;
    private final RolloutCommands commands;
    private final Resumer resumer;
    private final StatusReader status;
    private final Store store;
    private final RolloutAnalyses analyses;

    public RolloutController(String service, Runtime runtime, TrafficRouter router, MetricProvider metrics, Judge judge,
                             Store store, SchemaEngine engine, DatabaseTarget database, Clock clock,
                             Consumer<TimelineEntry> timelineListener) {
        this(service, runtime, router, metrics, judge, store, engine, database, clock, timelineListener,
                defaultProviders(service, metrics, database, clock));
    }

    /**
     * As above, with the providers analysis templates measure through ({@code cli}'s service stack gives them the
     * router's per-request samples and the spec's directory for jobs).
     */
    public RolloutController(String service, Runtime runtime, TrafficRouter router, MetricProvider metrics, Judge judge,
                             Store store, SchemaEngine engine, DatabaseTarget database, Clock clock,
                             Consumer<TimelineEntry> timelineListener, MeasurerFactory analysisProviders) {
        this.service = service;
        this.store = store;
        loop = new RolloutLoop(service);
        routes = new RouteSync(service, router, runtime, loop::current);
        loop.onChange(routes::request);
        events = new RolloutEvents(clock, loop::current, routes::lastTable, () -> new TreeSet<>(engine.status().state()));
        events.addTimelineListener(timelineListener);
        fleet = new ReplicaFleet(service, runtime, router, loop, routes, database,
                () -> new TreeSet<>(engine.status().state()), engine::versionSchema, engine::credentialsFor);
        GuardGate gate = new GuardGate(service, loop, () -> new TreeSet<>(engine.status().state()), store, clock, events);
        schema = new SchemaCoordinator(service, engine, gate, loop, new ReplicaMoves(loop, fleet, events,
                engine::versionSchema), events);
        timers = new RolloutTimers(service, loop, fleet, events);
        policy = new PolicyInForce(clock, failed -> events.emit(new RolloutEvent.HookFailed(failed.moment(), failed.hook(),
                failed.detail())));
        analyses = new RolloutAnalyses(analysisProviders, store, clock, events);
        runner = new RolloutRunner(service, loop, fleet, routes, metrics, judge, store, clock, events, timers, policy,
                () -> new TreeSet<>(engine.status().state()), analyses);
        releases = new KnownReleases(service, store);
        routes.reportTo(events::emit); // panic routing's start and end
        // Liveness restarts: within the release's budget, each replica out of routing and drained first.
        runtime.useRestartPolicy(new RoutedRestarts(releases::find, fleet, events::emit));
        commands = new RolloutCommands(service, loop, gate, runner, timers, fleet, routes, releases, store, clock, events);
        resumer = new Resumer(service, loop, fleet, routes, runner, releases, runtime, store, clock, events);
        ContractAfter contractAfter = new ContractAfter(service, loop, fleet, schema, store, clock, events);
        status = new StatusReader(service, loop, schema, gate, commands, fleet, releases, contractAfter, metrics, store,
                clock, events, analyses);
        routes.start();
        timers.checkContractAfter(contractAfter);
    }

    /**
     * Providers without the router's per-request samples (a statistical metric on router sources errors) and with jobs
     * run in the working directory.
     */
    private static MeasurerFactory defaultProviders(String service, MetricProvider metrics, DatabaseTarget database,
                                                    Clock clock) {
        RequestSamples none = (start, revisions) -> {
            throw new java.io.IOException("this controller reads no per-request samples from its router");
        };
        return new Providers(new Providers.Environment(service, metrics, () -> none,
                Optional.of(() -> DriverManager.getConnection(database.jdbcUrl(), database.user(), database.password())),
                Path.of("").toAbsolutePath(), clock));
    }

    /** The schema side of this service, under the same guard. */
    public SchemaCoordinator schema() {
        return schema;
    }

    public String service() {
        return service;
    }

    /**
     * Makes {@code next} the rollout policy in force (hooks, progress deadline): the spec applied last decides.
     * Hook programs resolve against {@code specDirectory}; secrets come from {@code environment}.
     */
    public void usePolicy(RolloutPolicy next, Path specDirectory, Function<String, String> environment) {
        policy.use(next, specDirectory, environment);
    }

    /** A release of this service that was applied here (or stored by an earlier controller), by version. */
    public Optional<ReleaseSpec> release(String version) {
        return releases.find(version);
    }

    /** Where every {@link RolloutEvent} goes out: add listeners here. */
    public RolloutEvents events() {
        return events;
    }

    // ------------------------------------------------------------------ actions

    /** Runs the first release of the service at full size and sends it all traffic; returns once it is stable. */
    public void deploy(ReleaseSpec release, String actor) {
        commands.deploy(release, actor).awaitEnd();
    }

    /** Rolls {@code release} out from the current stable one; blocks until it is promoted or aborted. */
    public RolloutRecord rollout(ReleaseSpec release, String actor) {
        return rollout(release, actor, Optional.empty());
    }

    /** As {@link #rollout(ReleaseSpec, String)}, running over a guard refusal when {@code force} is given. */
    public RolloutRecord rollout(ReleaseSpec release, String actor, Optional<ForceOverride> force) {
        return commands.rollout(release, actor, force).awaitEnd();
    }

    /**
     * Makes {@code release} the desired one: deployed (first release) or rolled out from stable. Returns once the
     * guard decided and the rollout is recorded (it shows in {@link #status()}); the rollout runs on. Refused at once
     * when the release could not read the schema.
     */
    public StartedRollout apply(ReleaseSpec release, String actor) {
        return apply(release, actor, Optional.empty());
    }

    /** As {@link #apply(ReleaseSpec, String)}, running over a guard refusal when {@code force} is given. */
    public StartedRollout apply(ReleaseSpec release, String actor, Optional<ForceOverride> force) {
        return commands.apply(release, actor, force);
    }

    /** Runs the last aborted rollout again from its first step; returns once it is recorded. */
    public StartedRollout retry(String actor) {
        return retry(actor, Optional.empty());
    }

    /** As {@link #retry(String)}, running over a guard refusal when {@code force} is given. */
    public StartedRollout retry(String actor, Optional<ForceOverride> force) {
        return commands.retry(actor, force);
    }

    /** Ends the current pause; with {@code full}, skips every remaining step and promotes now. */
    public void promote(String actor, boolean full) {
        commands.promote(actor, full);
    }

    /** Asks the running rollout to stop: all traffic goes back to stable and the new release is removed. */
    public void abort(String actor, String why) {
        commands.abort(actor, why);
    }

    /** Goes back to an earlier release (see {@link RolloutCommands#undo}); blocks until it is done. */
    public RolloutRecord undo(String toVersion, String actor) {
        return undo(toVersion, actor, Optional.empty());
    }

    public RolloutRecord undo(String toVersion, String actor, Optional<ForceOverride> force) {
        return startUndo(toVersion, actor, force).awaitEnd();
    }

    /** As {@link #undo}, returning once the guard decided and the undo is recorded. */
    public StartedRollout startUndo(String toVersion, String actor, Optional<ForceOverride> force) {
        return commands.undo(toVersion, actor, force);
    }

    /**
     * After a restart: adopts the replicas the runtime still knows and continues where the store says. Returns false
     * when the store knows no rollout of this service.
     */
    public boolean resume(String actor) {
        return resumer.resume(actor);
    }

    // ------------------------------------------------------------------ reading

    public ServiceStatus status() {
        return status.status();
    }

    public Optional<StableSnapshot> stableSnapshot() {
        return status.stableSnapshot();
    }

    /** The audit history of the service, newest first. */
    public List<AuditEntry> history(int limit) {
        return store.history(service, limit);
    }

    /** The binaries that must keep reading the schema: stable, canary, and a blue-green release kept for undo. */
    public List<RevisionRef> mustKeepWorking() {
        return loop.current().mustKeepWorking(service);
    }

    /** Versions with running replicas, stable first. */
    public List<String> runningVersions() {
        return loop.current().runningVersions();
    }

    public Optional<String> stableVersion() {
        return loop.current().stable().map(Revision::version);
    }

    /** The analyses of the rollout in progress (or the last one): every metric and its latest measurements. */
    public List<AnalysisStatus> analyses() {
        return analyses.statuses();
    }

    public List<TimelineEntry> timeline() {
        return events.timeline();
    }

    /** Adds a line to the timeline with the current weights, schema state and running versions. */
    public void record(String event) {
        events.note(event);
    }

    // ------------------------------------------------------------------ lifecycle

    /** Stops every replica and the background threads; the router and runtime belong to the caller. */
    @Override
    public void close() {
        if (loop.hasStopped()) {
            return; // detached: a dead controller's replicas belong to whoever adopted them
        }
        runner.stop();
        analyses.close();
        timers.close();
        for (Slot slot : List.of(Slot.BASELINE, Slot.CANARY, Slot.PREVIOUS, Slot.STABLE)) {
            loop.current().revision(slot).ifPresent(fleet::stop);
        }
        fleet.close();
        routes.close();
        loop.close();
        policy.close();
    }

    /** Stops the background threads but leaves every replica running, as a crash would (for tests). */
    public void detach() {
        loop.stop("been detached");
        routes.stop();
        runner.stop();
        analyses.close();
        timers.close();
        fleet.abandon();
    }
}
