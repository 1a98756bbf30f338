package dev.slipway.controller.sequence;

import dev.slipway.analysis.MetricSample;
import dev.slipway.analysis.Verdict;
import dev.slipway.controller.DatabaseTarget;
import dev.slipway.controller.analysis.RolloutAnalyses;
import dev.slipway.controller.TimelineEntry;
import dev.slipway.controller.event.RolloutEvent;
import dev.slipway.controller.event.RolloutEvents;
import dev.slipway.controller.guard.GuardGate;
import dev.slipway.controller.loop.RolloutLoop;
import dev.slipway.controller.replica.ReplicaFleet;
import dev.slipway.controller.rollout.RolloutRunner;
import dev.slipway.controller.rollout.RolloutTimers;
import dev.slipway.controller.state.Revision;
import dev.slipway.controller.state.Slot;
import dev.slipway.controller.store.RolloutPhase;
import dev.slipway.controller.store.RolloutRecord;
import dev.slipway.controller.traffic.RouteSync;
import dev.slipway.model.ReleaseSpec;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The controller's parts wired as the controller wires them, over in-memory replicas, router and store and a schema
 * state the test sets: for tests of one part at a time, without PostgreSQL.
 */
public final class ControllerParts implements AutoCloseable {
    public static final String SERVICE = ServiceUnderTest.SERVICE;

    public final FakeRuntime runtime = new FakeRuntime();
    public final RecordingRouter router = new RecordingRouter(runtime);
    public final InMemoryStore store = new InMemoryStore();
    public final RolloutLoop loop = new RolloutLoop(SERVICE);
    public final RouteSync routes = new RouteSync(SERVICE, router, runtime, loop::current);
    public final List<RolloutEvent> emitted = new CopyOnWriteArrayList<>();
    public final List<TimelineEntry> timeline = new CopyOnWriteArrayList<>();
    public final RolloutEvents events;
    public final ReplicaFleet fleet;
    public final GuardGate gate;
    public final RolloutTimers timers;
    /** Analysis templates: none of these tests measures any (a template would fail to create its measurer). */
    public final RolloutAnalyses analyses;
    /** Runs rollouts with analysis that always passes. */
    public final RolloutRunner runner;
    private volatile SortedSet<Integer> schemaState = new TreeSet<>(List.of(1));

    public ControllerParts() {
        loop.onChange(routes::request);
        events = new RolloutEvents(Clock.systemUTC(), loop::current, routes::lastTable, this::schemaState);
        events.addListener(emitted::add);
        events.addTimelineListener(timeline::add);
        fleet = new ReplicaFleet(SERVICE, runtime, router, loop, routes, new DatabaseTarget("jdbc:postgresql://db/x",
                "user", ""), this::schemaState, version -> "public_v" + version,
                version -> java.util.Optional.empty());
        gate = new GuardGate(SERVICE, loop, this::schemaState, store, Clock.systemUTC(), events);
        timers = new RolloutTimers(SERVICE, loop, fleet, events);
        analyses = new RolloutAnalyses((metric, args) -> {
            throw new IllegalArgumentException("no analysis providers in this test");
        }, store, Clock.systemUTC(), events);
        runner = new RolloutRunner(SERVICE, loop, fleet, routes,
                revision -> new MetricSample(revision, 1000, 0, new double[0], new long[0]),
                (spec, window) -> new Verdict(Verdict.Outcome.PASS, "ok", window.requests(), 0, 0),
                store, Clock.systemUTC(), events, timers,
                new dev.slipway.controller.hooks.PolicyInForce(Clock.systemUTC(), failed -> { }), this::schemaState,
                analyses);
        router.watch(() -> loop.current().runningVersions());
        routes.start();
    }

    /** Makes 1.0.0 stable with one replica and records a rollout of {@code release} from it, for a runner to drive. */
    public RolloutRecord acceptRollout(ReleaseSpec release) {
        loop.update(state -> state.firstDeployAccepted(Revision.of(ServiceUnderTest.release("1.0.0", 1, 1, false,
                false))));
        fleet.scale(Slot.CANARY, 1);
        loop.update(state -> state.firstDeployDone().rolloutAccepted(Revision.of(release)));
        Instant now = Instant.now();
        return store.save(new RolloutRecord(0, SERVICE, "1.0.0", release.version(), RolloutPhase.PROGRESSING, 0, 0,
                "starting", now, now));
    }

    public SortedSet<Integer> schemaState() {
        return new TreeSet<>(schemaState);
    }

    public void schemaState(Integer... versions) {
        schemaState = new TreeSet<>(List.of(versions));
    }

    @Override
    public void close() {
        runner.close();
        analyses.close();
        timers.close();
        fleet.abandon();
        routes.close();
        loop.close();
    }
}
