package dev.slipway.controller.rollout;

import dev.slipway.analysis.Judge;
import dev.slipway.analysis.MetricProvider;
import dev.slipway.analysis.MetricSample;
import dev.slipway.analysis.Verdict;
import dev.slipway.analysis.run.AnalysisStatus;
import dev.slipway.analysis.run.Phase;
import dev.slipway.controller.analysis.RolloutAnalyses;
import dev.slipway.controller.event.RolloutEvent;
import dev.slipway.controller.hooks.HookContext;
import dev.slipway.controller.hooks.HookOutcome;
import dev.slipway.controller.hooks.PolicyInForce;
import dev.slipway.model.ProgressDeadline;
import dev.slipway.controller.event.RolloutEvents;
import dev.slipway.controller.loop.Change;
import dev.slipway.controller.loop.RolloutLoop;
import dev.slipway.controller.replica.ReplicaFleet;
import dev.slipway.controller.state.Revision;
import dev.slipway.controller.state.RolloutRequests;
import dev.slipway.controller.state.ServiceState;
import dev.slipway.controller.state.Slot;
import dev.slipway.controller.store.AuditEntry;
import dev.slipway.controller.store.DatabaseOutage;
import dev.slipway.controller.store.RolloutPhase;
import dev.slipway.controller.store.RolloutRecord;
import dev.slipway.controller.store.Store;
import dev.slipway.controller.strategy.RolloutActions;
import dev.slipway.controller.strategy.Strategy;
import dev.slipway.controller.traffic.RouteSync;
import dev.slipway.model.AnalysisRunSpec;
import dev.slipway.model.AnalysisSpec;
import dev.slipway.model.StrategySpec;
import dev.slipway.model.support.DaemonThreads;
import dev.slipway.router.HeaderRoute;
import dev.slipway.runtime.Replica;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.function.Supplier;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Runs accepted rollouts to their end, one at a time, on a thread of its own: the strategy from where the record
 * stands (a resumed rollout continues at its recorded step), then the promotion or the abort — the new release at
 * full size, traffic moved, the outgoing release stopped or kept for undo. Each step is one store transaction made
 * through the {@link RolloutLoop}; replicas are started and stopped through the {@link ReplicaFleet}; analysis templates
 * and an experiment's baseline through {@link AnalysisRuns}.
 */
public final class RolloutRunner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RolloutRunner.class);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration ANALYSIS_POLL = Duration.ofMillis(500);

    private final String service;
    private final RolloutLoop loop;
    private final ReplicaFleet fleet;
    private final RouteSync routes;
    private final MetricProvider metrics;
    private final Judge judge;
    private final Store store;
    private final Clock clock;
    private final RolloutEvents events;
    private final RolloutTimers timers;
    private final PolicyInForce policy;
    private final Supplier<SortedSet<Integer>> schemaState;
    private final RolloutAnalyses analyses;
    private final ExperimentBaseline baseline;
    private final ExecutorService thread;
    private volatile boolean stopped;

    public RolloutRunner(String service, RolloutLoop loop, ReplicaFleet fleet, RouteSync routes, MetricProvider metrics,
                         Judge judge, Store store, Clock clock, RolloutEvents events, RolloutTimers timers,
                         PolicyInForce policy, Supplier<SortedSet<Integer>> schemaState, RolloutAnalyses analyses) {
        this.policy = policy;
        this.analyses = analyses;
        this.baseline = new ExperimentBaseline(loop, fleet, routes, events);
        this.schemaState = schemaState;
        this.service = service;
        this.loop = loop;
        this.fleet = fleet;
        this.routes = routes;
        this.metrics = metrics;
        this.judge = judge;
        this.store = store;
        this.clock = clock;
        this.events = events;
        this.timers = timers;
        this.thread = Executors.newSingleThreadExecutor(DaemonThreads.single("slipway-rollout-" + service));
    }

    /** Runs the canary's strategy from where {@code rollout} stands, then promotes or aborts; the future ends with it. */
    public CompletableFuture<RolloutRecord> drive(RolloutRecord rollout, String actor) {
        return CompletableFuture.supplyAsync(() -> run(rollout, actor), thread);
    }

    /** Brings the first release to full size and makes it stable; the future fails when it could not. */
    public CompletableFuture<RolloutRecord> finishFirstDeploy(RolloutRecord rollout, String actor) {
        return CompletableFuture.supplyAsync(() -> firstDeploy(rollout, actor), thread);
    }

    /** Brings stable back to its size (after a restart found fewer replicas). */
    public CompletableFuture<Optional<String>> restoreStable() {
        return CompletableFuture.supplyAsync(() -> loop.current().stable()
                .flatMap(stable -> fleet.scale(Slot.STABLE, stable.release().replicas())), thread);
    }

    private RolloutRecord run(RolloutRecord rollout, String actor) {
        Revision canary = loop.current().canary().orElseThrow(() -> new IllegalStateException("no rollout to drive"));
        policy.progress().start();
        try {
            // Nothing has moved yet (no step taken, no traffic): the pre-rollout hooks may still stop it all.
            if (rollout.stepIndex() == 0 && rollout.canaryWeight() == 0) {
                Optional<HookOutcome> refused = policy.hooks().beforeRollout(context(rollout, Optional.empty()));
                if (refused.isPresent()) {
                    return finishAborted(rollout, refused.get().describe(), actor);
                }
            }
            AnalysisRuns analysisRuns = new AnalysisRuns(service, loop, analyses, baseline, rollout.id());
            RolloutRecord ended;
            try {
                ended = Strategy.of(canary.release().strategy(), canary.release().replicas(), clock)
                        .run(rollout, new Actions(canary.version(), analysisRuns));
            } catch (RuntimeException e) {
                if (stopped || loop.hasStopped()) {
                    throw e;
                }
                // A rollout that cannot go on must end, or it would hold the service forever.
                analysisRuns.end("the rollout failed");
                return finishAborted(rollout, "failed: " + e.getMessage(), actor);
            }
            analysisRuns.end(ended.phase() == RolloutPhase.PROMOTED ? "the rollout was promoted"
                    : "the rollout was aborted");
            if (ended.phase() == RolloutPhase.PROMOTED) {
                Optional<HookOutcome> gate = policy.hooks().beforePromotion(context(ended, Optional.empty()));
                if (gate.isPresent()) {
                    return finishAborted(ended, gate.get().describe(), actor);
                }
                RolloutRecord promoted = finishPromoted(ended, actor);
                if (promoted.phase() == RolloutPhase.PROMOTED) {
                    policy.hooks().afterPromotion(context(promoted, Optional.empty()));
                }
                return promoted;
            }
            return finishAborted(ended, ended.message(), actor);
        } finally {
            policy.progress().stop();
        }
    }

    /** What a hook is told about this rollout. */
    private HookContext context(RolloutRecord rollout, Optional<String> reason) {
        return new HookContext(service, rollout.id(), Optional.ofNullable(rollout.fromVersion()), rollout.toVersion(),
                persisting(schemaState), reason);
    }

    private RolloutRecord firstDeploy(RolloutRecord rollout, String actor) {
        Revision first = loop.current().canary().orElseThrow(() -> new IllegalStateException("no first release to deploy"));
        Optional<String> failure = fleet.scale(Slot.CANARY, first.release().replicas());
        if (failure.isPresent()) {
            Revision failed = loop.current().canary().orElse(first);
            loop.run(state -> Change.to(state.aborted(), store.save(rollout.withProgress(RolloutPhase.ABORTED, 0, 0,
                    failure.get(), clock.instant()))));
            fleet.stop(failed);
            audit(actor, "deploy " + first.version(), "failed", failure.get());
            events.note("deploy of " + first.version() + " failed: " + failure.get());
            throw new IllegalStateException("deploy of " + first.version() + " failed: " + failure.get());
        }
        RolloutRecord deployed = persisting(() -> loop.run(state -> Change.to(state.firstDeployDone(),
                store.save(rollout.withProgress(RolloutPhase.PROMOTED, 0, 100, "deployed", clock.instant())))));
        routes.sync();
        audit(actor, "deploy " + first.version(), "done", "");
        events.emit(new RolloutEvent.RolloutPromoted(first.version(), Optional.empty(), Optional.empty(),
                first.release().replicas()));
        return deployed;
    }

    private RolloutRecord finishPromoted(RolloutRecord rollout, String actor) {
        Revision incoming = loop.current().canary().orElseThrow();
        Optional<String> failure = fleet.scale(Slot.CANARY, incoming.release().replicas());
        if (failure.isPresent()) {
            return finishAborted(rollout, "could not bring " + incoming.version() + " to full size: " + failure.get(), actor);
        }
        ServiceState before = loop.current();
        Revision outgoing = before.stable().orElseThrow();
        Optional<Duration> keepFor = incoming.release().strategy() instanceof StrategySpec.BlueGreen blueGreen
                && !blueGreen.scaleDownDelay().isZero() && !outgoing.replicas().isEmpty()
                ? Optional.of(blueGreen.scaleDownDelay()) : Optional.empty();
        Optional<Revision> earlierKept = before.previous();
        // The end goes into the history in the same step of the loop that ends the rollout, so that a rollout accepted
        // right after never appears in the history before the end of this one. A database outage in between retries
        // the whole step (the save is an update of the same row, the audit row was not written).
        RolloutRecord promoted = persisting(() -> loop.run(state -> {
            RolloutRecord saved = store.save(rollout.withProgress(RolloutPhase.PROMOTED, rollout.stepIndex(), 100,
                    rollout.message(), clock.instant()));
            store.audit(new AuditEntry(clock.instant(), service, actor,
                    "rollout " + outgoing.version() + " -> " + incoming.version(), "promoted", rollout.message()));
            return Change.to(state.promoted(keepFor.isPresent()), saved);
        }));
        routes.sync();
        events.emit(new RolloutEvent.RolloutPromoted(incoming.version(), Optional.of(outgoing.version()), keepFor,
                incoming.release().replicas()));
        earlierKept.ifPresent(kept -> {
            timers.cancelScaleDown();
            fleet.retire(kept);
        });
        if (keepFor.isPresent()) {
            timers.keepForUndo(loop.current().previous().orElseThrow(), keepFor.get());
            return promoted;
        }
        fleet.stop(outgoing);
        events.note("stopped " + outgoing.version());
        return promoted;
    }

    private RolloutRecord finishAborted(RolloutRecord rollout, String why, String actor) {
        Revision failed = loop.current().canary().orElseThrow();
        // Traffic goes back to stable at once: rolling updates may have scaled it down, so it grows back first
        // while the new release still serves its share.
        loop.current().stable().filter(stable -> stable.replicas().size() < stable.release().replicas())
                .ifPresent(stable -> fleet.scale(Slot.STABLE, stable.release().replicas()).ifPresent(problem ->
                        events.note("could not bring " + stable.version() + " back to full size: " + problem)));
        Revision leaving = loop.current().canary().orElse(failed);
        RolloutRecord aborted = persisting(() -> loop.run(state -> {
            RolloutRecord saved = store.save(rollout.withProgress(RolloutPhase.ABORTED, rollout.stepIndex(), 0, why,
                    clock.instant()));
            store.audit(new AuditEntry(clock.instant(), service, actor,
                    "rollout " + rollout.fromVersion() + " -> " + failed.version(), "aborted", why));
            return Change.to(state.aborted(), saved);
        }));
        routes.sync();
        events.emit(new RolloutEvent.RolloutAborted(failed.version(), why));
        fleet.stop(leaving);
        events.note("removed " + failed.version());
        // all traffic is back on stable and the new release is gone: now the on-abort hooks may undo what it did
        policy.hooks().afterAbort(context(aborted, Optional.of(why)));
        return aborted;
    }

    private void audit(String actor, String action, String outcome, String detail) {
        persisting(() -> {
            store.audit(new AuditEntry(clock.instant(), service, actor, action, outcome, detail));
            return null;
        });
    }

    /**
     * Runs a step that reads or writes the store. Each write is one statement or transaction, so repeating it after a
     * lost connection changes nothing twice (except that an audit entry whose commit reached no one may appear twice).
     * While the database is away the rollout holds where it is, traffic as last set, until the database is back or
     * the runner is stopped; any other failure ends the step as before.
     */
    private <T> T persisting(Supplier<T> write) {
        return DatabaseOutage.waitOut(write, () -> stopped || loop.hasStopped(), new DatabaseOutage.Report() {
            @Override
            public void began(String why) {
                log.warn("the database is unavailable ({}): the rollout of {} waits for it", why, service);
                events.note("the database is unavailable (" + why + "): the rollout waits for it");
            }

            @Override
            public void ended() {
                events.note("the database is back: the rollout goes on");
            }
        });
    }

    /** Stops the rollout thread; a rollout it ran is left as the store has it, to be resumed. */
    public void stop() {
        stopped = true;
        thread.shutdownNow();
    }

    @Override
    public void close() {
        stop();
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The runner's side of the strategies: each call changes the service through the loop, or reports on it. */
    private final class Actions implements RolloutActions {
        private final String version;
        private final AnalysisRuns analysisRuns;
        private MetricSample windowStart = MetricSample.empty("");
        /** Set when the progress deadline passed with action pause: the reason, until the rollout has paused. */
        private Optional<String> deadlinePause = Optional.empty();

        Actions(String version, AnalysisRuns analysisRuns) {
            this.version = version;
            this.analysisRuns = analysisRuns;
        }

        @Override
        public void setWeight(int percent) {
            loop.update(state -> state.withCanaryWeight(percent));
            routes.sync();
            windowStart = metrics.sample(version);
        }

        @Override
        public void balanceByReplicas() {
            int fresh = readyNew();
            int old = readyOld();
            int weight = fresh + old == 0 ? 0 : Math.round(100f * fresh / (fresh + old));
            loop.update(state -> state.withCanaryWeight(weight));
            routes.sync();
        }

        @Override
        public void setHeaderRoute(String header, String value) {
            loop.update(state -> state.withHeaderRoute(new HeaderRoute(header, value, version)));
            routes.sync();
        }

        @Override
        public void previewNew() {
            loop.update(ServiceState::previewingCanary);
            routes.sync();
        }

        @Override
        public Optional<String> scaleNew(int replicas) {
            Optional<String> failed = fleet.scale(Slot.CANARY, replicas);
            if (failed.isEmpty()) {
                policy.progress().progressed(replicas + " replica(s) of " + version + " ready");
            }
            return failed;
        }

        @Override
        public Optional<String> scaleOld(int replicas) {
            return fleet.scale(Slot.STABLE, replicas);
        }

        @Override
        public int readyNew() {
            return fleet.readyCount(loop.current().canary());
        }

        @Override
        public int readyOld() {
            return fleet.readyCount(loop.current().stable());
        }

        @Override
        public boolean pause(Optional<Duration> duration) {
            // waiting until promoted is waiting for a person, not a lack of progress
            policy.progress().waitingForPerson(duration.isEmpty());
            try {
                Instant end = duration.map(d -> clock.instant().plus(d)).orElse(Instant.MAX);
                while (clock.instant().isBefore(end)) {
                    if (stopReason().isPresent()) {
                        return false;
                    }
                    if (loop.current().requests().promote()) {
                        loop.update(state -> state.withRequests(RolloutRequests::pauseEnded));
                        return true;
                    }
                    sleep(POLL);
                }
                return stopReason().isEmpty();
            } finally {
                policy.progress().waitingForPerson(false);
            }
        }

        @Override
        public Verdict analyze(AnalysisSpec spec) {
            Instant end = clock.instant().plus(spec.window());
            Verdict verdict = judge.judge(spec, metrics.sample(version).since(windowStart));
            while (verdict.outcome() == Verdict.Outcome.INCONCLUSIVE && clock.instant().isBefore(end)
                    && stopReason().isEmpty()) {
                if (deadlinePause.isPresent()) {
                    // the progress deadline says pause: an analysis that has not concluded waits for a person
                    verdict = new Verdict(Verdict.Outcome.INCONCLUSIVE, deadlinePause.get(), verdict.requests(),
                            verdict.errorRate(), verdict.latencyP99Millis());
                    deadlinePause = Optional.empty();
                    break;
                }
                sleep(ANALYSIS_POLL);
                verdict = judge.judge(spec, metrics.sample(version).since(windowStart));
            }
            events.emit(new RolloutEvent.AnalysisResult(version, verdict));
            if (verdict.outcome() != Verdict.Outcome.INCONCLUSIVE) {
                policy.progress().progressed("analysis " + verdict.outcome().name().toLowerCase());
            }
            return verdict;
        }

        @Override
        public AnalysisStatus analyze(String name, AnalysisRunSpec run) {
            AnalysisStatus status = analysisRuns.runToEnd(name, run, () -> stopReason().isPresent());
            if (status.phase().finished() && status.phase() != Phase.INCONCLUSIVE) {
                policy.progress().progressed("analysis " + name + " " + status.phase().name().toLowerCase());
            }
            return status;
        }

        @Override
        public Optional<String> startBaseline(int replicas) {
            Optional<String> failed = analysisRuns.startBaseline(replicas);
            if (failed.isEmpty()) {
                policy.progress().progressed(replicas + " baseline replica(s) ready");
            }
            return failed;
        }

        @Override
        public void stopBaseline() {
            analysisRuns.stopBaseline();
        }

        @Override
        public void startBackground(AnalysisRunSpec run) {
            analysisRuns.startBackground(run);
        }

        @Override
        public Optional<AnalysisStatus> backgroundInconclusive() {
            return analysisRuns.backgroundInconclusive();
        }

        @Override
        public RolloutRecord transition(RolloutRecord next, String event) {
            RolloutRecord saved = persisting(() -> loop.run(state -> Change.none(state, store.save(next))));
            events.emit(next.phase() == RolloutPhase.PAUSED ? new RolloutEvent.RolloutPaused(version, saved, event)
                    : new RolloutEvent.StepReached(version, saved, event));
            policy.progress().progressed(event);
            if (deadlinePause.isPresent() && next.phase() == RolloutPhase.PROGRESSING) {
                // the progress deadline says pause: the rollout stops after this step until someone promotes it
                String why = deadlinePause.get();
                deadlinePause = Optional.empty();
                saved = persisting(() -> loop.run(state -> Change.none(state, store.save(next.withProgress(
                        RolloutPhase.PAUSED, next.stepIndex(), next.canaryWeight(), why, clock.instant())))));
                events.emit(new RolloutEvent.RolloutPaused(version, saved, why));
                pause(Optional.empty());
            }
            return saved;
        }

        @Override
        public boolean fullPromotionRequested() {
            return loop.current().requests().fullPromotion();
        }

        /**
         * An abort asked for, a replica of the new release that failed, a passed progress deadline (abort), or a
         * background analysis that failed.
         */
        @Override
        public Optional<String> stopReason() {
            if (loop.current().requests().stopReason().isEmpty()) {
                analysisRuns.backgroundFailure().ifPresent(failure ->
                        loop.update(state -> state.withRequests(requests -> requests.stopped(failure))));
            }
            policy.progress().overdue().ifPresent(overdue -> {
                boolean pause = overdue.deadline().action() == ProgressDeadline.OnDeadline.PAUSE;
                events.emit(new RolloutEvent.ProgressDeadlinePassed(version, overdue.reason(), pause));
                if (pause) {
                    deadlinePause = Optional.of(overdue.reason());
                } else {
                    loop.update(state -> state.withRequests(requests -> requests.stopped(overdue.reason())));
                }
            });
            ServiceState state = loop.current();
            if (state.requests().stopReason().isPresent()) {
                return state.requests().stopReason();
            }
            return state.canary().flatMap(fleet::whyUnhealthy);
        }
    }
}
