package dev.slipway.controller.rollout;

import dev.slipway.controller.BadInputException;
import dev.slipway.controller.ConflictException;
import dev.slipway.controller.NotFoundException;
import dev.slipway.controller.event.RolloutEvent;
import dev.slipway.controller.event.RolloutEvents;
import dev.slipway.controller.guard.CompatibilityGuard;
import dev.slipway.controller.guard.ForceOverride;
import dev.slipway.controller.guard.GuardGate;
import dev.slipway.controller.guard.GuardQuestion;
import dev.slipway.controller.guard.RevisionRef;
import dev.slipway.controller.loop.Change;
import dev.slipway.controller.loop.RolloutLoop;
import dev.slipway.controller.replica.ReplicaFleet;
import dev.slipway.controller.state.Revision;
import dev.slipway.controller.state.ServiceState;
import dev.slipway.controller.store.AuditEntry;
import dev.slipway.controller.store.RolloutPhase;
import dev.slipway.controller.store.RolloutRecord;
import dev.slipway.controller.store.Store;
import dev.slipway.controller.traffic.RouteSync;
import dev.slipway.model.CanaryStep;
import dev.slipway.model.ReleaseSpec;
import dev.slipway.model.StrategySpec;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.concurrent.CompletableFuture;

/**
 * What a user may ask of a service's binary — deploy, apply, rollout, retry, promote, abort, undo. Each returns once
 * the guard decided (through the {@link GuardGate}) and the change is recorded, so a refusal arrives at once and
 * {@code status} shows an accepted rollout from then on; the rollout itself then runs on the {@link RolloutRunner}.
 */
public final class RolloutCommands {
    private final String service;
    private final RolloutLoop loop;
    private final GuardGate gate;
    private final RolloutRunner runner;
    private final RolloutTimers timers;
    private final ReplicaFleet fleet;
    private final RouteSync routes;
    private final KnownReleases releases;
    private final Store store;
    private final Clock clock;
    private final RolloutEvents events;

    public RolloutCommands(String service, RolloutLoop loop, GuardGate gate, RolloutRunner runner, RolloutTimers timers,
                           ReplicaFleet fleet, RouteSync routes, KnownReleases releases, Store store, Clock clock,
                           RolloutEvents events) {
        this.service = service;
        this.loop = loop;
        this.gate = gate;
        this.runner = runner;
        this.timers = timers;
        this.fleet = fleet;
        this.routes = routes;
        this.releases = releases;
        this.store = store;
        this.clock = clock;
        this.events = events;
    }

    /** The first release of the service, at full size with all traffic. */
    public StartedRollout deploy(ReleaseSpec release, String actor) {
        return accept(release, actor, Optional.empty(), Kind.DEPLOY);
    }

    /** {@code release} rolled out from the stable one with its strategy. */
    public StartedRollout rollout(ReleaseSpec release, String actor, Optional<ForceOverride> force) {
        return accept(release, actor, force, Kind.ROLLOUT);
    }

    /** {@code release} becomes the desired one: deployed when nothing runs yet, rolled out from stable otherwise. */
    public StartedRollout apply(ReleaseSpec release, String actor, Optional<ForceOverride> force) {
        return accept(release, actor, force, Kind.APPLY);
    }

    /** The last aborted rollout again, from its first step; the guard decides again, against the schema now. */
    public StartedRollout retry(String actor, Optional<ForceOverride> force) {
        RolloutRecord last = store.latestRollout(service).orElseThrow(() ->
                new ConflictException("nothing to retry: " + service + " has had no rollout"));
        if (last.phase() != RolloutPhase.ABORTED) {
            throw new ConflictException("nothing to retry: the last rollout (" + last.toVersion() + ") is " + last.phase());
        }
        ReleaseSpec release = releases.find(last.toVersion()).orElseThrow(() ->
                new NotFoundException("the release " + last.toVersion() + " is no longer known: apply it again"));
        audit(actor, "retry " + last.toVersion(), "requested", "");
        return apply(release, actor, force);
    }

    /** Ends the current pause; with {@code full}, skips every remaining step. */
    public void promote(String actor, boolean full) {
        loop.update(state -> requireRollout(state).withRequests(requests -> requests.promoted(full)));
        audit(actor, full ? "promote --full" : "promote", "requested", "");
    }

    /** Asks the rollout to stop: all traffic goes back to stable and the new release is removed. */
    public void abort(String actor, String why) {
        String reason = "aborted by " + actor + (why == null || why.isBlank() ? "" : ": " + why);
        loop.update(state -> requireRollout(state).withRequests(requests -> requests.stopped(reason)));
        audit(actor, "abort", "requested", why == null ? "" : why);
    }

    /**
     * Back to an earlier release (by default the one the last rollout replaced), which must read the schema state.
     * Instant when that release still runs (blue-green scale-down delay): traffic switches back and the one it
     * replaced goes; otherwise a rollout that switches all traffic at once.
     */
    public StartedRollout undo(String toVersion, String actor, Optional<ForceOverride> force) {
        String target = toVersion != null ? toVersion : store.latestRollout(service)
                .filter(r -> r.phase() == RolloutPhase.PROMOTED && r.fromVersion() != null)
                .map(RolloutRecord::fromVersion).orElseThrow(() -> new ConflictException(
                        "nothing to undo: " + service + " has no promoted rollout to go back from"));
        ReleaseSpec release = releases.find(target).orElseThrow(() -> new BadInputException(
                "no release " + target + " of " + service + " is known; known: " + releases.versionsSeen()));
        Undo undo = gate.admit(actor, force, new GuardGate.RolloutAction<>() {
            @Override
            public GuardQuestion question(ServiceState state, SortedSet<Integer> schema) {
                return undoQuestion(release, schema);
            }

            @Override
            public Change<Undo> accept(ServiceState state) {
                if (!state.rolling() && state.stable().filter(stable -> stable.version().equals(target)).isPresent()) {
                    throw new ConflictException(service + " " + target + " is already stable: nothing to undo");
                }
                if (state.previous().filter(kept -> kept.version().equals(target)).isPresent() && !state.rolling()) {
                    Revision outgoing = state.stable().orElseThrow();
                    Instant now = clock.instant();
                    RolloutRecord undone = store.save(new RolloutRecord(0, service, outgoing.version(), target,
                            RolloutPhase.PROMOTED, 0, 100, "undo: instant switch back", now, now));
                    return Change.to(state.switchedBack(), new Undo(undone, Optional.of(outgoing)));
                }
                // an immediate rollout: all traffic in one step, kept in the store so a restart resumes it as such
                ReleaseSpec immediate = release.withStrategy(new StrategySpec.Canary(List.of(new CanaryStep.SetWeight(100))));
                Change<RolloutRecord> started = startRollout(state, immediate, Kind.ROLLOUT);
                return Change.to(started.next(), new Undo(started.result(), Optional.empty()));
            }
        });
        if (undo.switchedBackFrom().isEmpty()) {
            return run(undo.record(), release.withStrategy(new StrategySpec.Canary(List.of(new CanaryStep.SetWeight(100)))),
                    actor);
        }
        Revision outgoing = undo.switchedBackFrom().get();
        timers.cancelScaleDown();
        routes.sync();
        audit(actor, "undo to " + target, "done", "instant switch back");
        events.note("undo: all traffic back on " + target + "; draining " + outgoing.version());
        return new StartedRollout(undo.record(), fleet.retire(outgoing).thenApply(done -> undo.record()));
    }

    /** The guard's question for an undo to {@code release} with the schema at {@code schema} (also shown by status). */
    public GuardQuestion undoQuestion(ReleaseSpec release, SortedSet<Integer> schema) {
        return new GuardQuestion("undo to " + service + " " + release.version(), schema,
                List.of(new RevisionRef(service, release.version(), release.schema(), RevisionRef.Role.STABLE)), List.of(
                "Roll forward instead: ship a release that reads schema " + CompatibilityGuard.formatState(schema) + ".",
                "Or write a reverse migration back to a version " + release.version() + " reads (" + release.schema()
                        + ") and start it first."));
    }

    private enum Kind {
        /** Only when nothing runs yet. */
        DEPLOY,
        /** Only from a stable release. */
        ROLLOUT,
        /** Either. */
        APPLY
    }

    private StartedRollout accept(ReleaseSpec release, String actor, Optional<ForceOverride> force, Kind kind) {
        RolloutRecord recorded = gate.admit(actor, force, new GuardGate.RolloutAction<>() {
            @Override
            public GuardQuestion question(ServiceState state, SortedSet<Integer> schema) {
                return acceptQuestion(state, schema, release, kind);
            }

            @Override
            public Change<RolloutRecord> accept(ServiceState state) {
                return startRollout(state, release, kind);
            }
        });
        return run(recorded, release, actor);
    }

    private GuardQuestion acceptQuestion(ServiceState state, SortedSet<Integer> schema, ReleaseSpec release, Kind kind) {
        state.canary().ifPresent(canary -> {
            throw new ConflictException("a rollout of " + canary.version() + " is in progress: promote or abort it first");
        });
        if (kind == Kind.DEPLOY && state.stable().isPresent()) {
            throw new ConflictException(service + " already runs " + state.stable().get().version() + ": use a rollout");
        }
        if (kind == Kind.ROLLOUT && state.stable().isEmpty()) {
            throw new ConflictException(service + " runs nothing yet: deploy a first release");
        }
        if (kind == Kind.APPLY && state.stable().filter(stable -> stable.version().equals(release.version())).isPresent()) {
            throw new ConflictException(service + " " + release.version() + " is already stable");
        }
        boolean first = state.stable().isEmpty();
        List<RevisionRef> after = new ArrayList<>(state.mustKeepWorking(service));
        after.add(new RevisionRef(service, release.version(), release.schema(),
                first ? RevisionRef.Role.STABLE : RevisionRef.Role.CANARY));
        String verb = switch (kind) {
            case DEPLOY -> "deploy";
            case ROLLOUT -> "rollout";
            case APPLY -> "apply";
        };
        return new GuardQuestion(verb + " of " + service + " " + release.version(), schema, after, List.of(first
                ? "Migrate the schema to a version " + release.version() + " reads first (slipway schema start)."
                : "Roll the schema forward first (slipway schema start) so that " + release.version()
                + " finds a version it reads, or build " + release.version() + " for the current schema."));
    }

    /** Records the release and the rollout, and makes the release the canary (or the first release). */
    private Change<RolloutRecord> startRollout(ServiceState state, ReleaseSpec release, Kind kind) {
        if (state.rolling() || (kind == Kind.ROLLOUT && state.stable().isEmpty())) {
            throw new ConflictException(state.canary().map(canary -> "a rollout of " + canary.version()
                    + " is in progress: promote or abort it first").orElse(service + " runs nothing yet"));
        }
        releases.remember(release);
        Instant now = clock.instant();
        Revision incoming = Revision.of(release);
        if (state.stable().isEmpty()) {
            RolloutRecord first = store.save(new RolloutRecord(0, service, null, release.version(),
                    RolloutPhase.PROGRESSING, 0, 100, "first deploy", now, now));
            return Change.to(state.firstDeployAccepted(incoming), first);
        }
        RolloutRecord rollout = store.save(new RolloutRecord(0, service, state.stable().get().version(),
                release.version(), RolloutPhase.PROGRESSING, 0, 0, "starting", now, now));
        return Change.to(state.rolloutAccepted(incoming), rollout);
    }

    /** Hands an accepted rollout to the runner. */
    private StartedRollout run(RolloutRecord recorded, ReleaseSpec release, String actor) {
        String strategy = strategyName(release.strategy());
        events.emit(new RolloutEvent.RolloutStarted(Optional.ofNullable(recorded.fromVersion()), release.version(), strategy));
        if (recorded.fromVersion() == null) {
            return new StartedRollout(recorded, runner.finishFirstDeploy(recorded, actor));
        }
        audit(actor, "rollout " + recorded.fromVersion() + " -> " + release.version(), "started", strategy);
        CompletableFuture<RolloutRecord> ended = runner.drive(recorded, actor);
        return new StartedRollout(recorded, ended);
    }

    private ServiceState requireRollout(ServiceState state) {
        if (!state.rolling()) {
            throw new ConflictException("no rollout is in progress for " + service);
        }
        return state;
    }

    static String strategyName(StrategySpec strategy) {
        if (strategy instanceof StrategySpec.Rolling) return "rolling";
        if (strategy instanceof StrategySpec.BlueGreen) return "blue-green";
        return "canary";
    }

    private void audit(String actor, String action, String outcome, String detail) {
        store.audit(new AuditEntry(clock.instant(), service, actor, action, outcome, detail));
    }

    /** What an accepted undo did: recorded a switch back (from the release that was stable), or a rollout. */
    private record Undo(RolloutRecord record, Optional<Revision> switchedBackFrom) {
    }
}
