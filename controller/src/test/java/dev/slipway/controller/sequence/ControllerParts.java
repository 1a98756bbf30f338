package dev.slipway.controller.sequence;

import dev.slipway.controller.DatabaseTarget;
import dev.slipway.controller.TimelineEntry;
import dev.slipway.controller.event.RolloutEvent;
import dev.slipway.controller.event.RolloutEvents;
import dev.slipway.controller.guard.GuardGate;
import dev.slipway.controller.loop.RolloutLoop;
import dev.slipway.controller.replica.ReplicaFleet;
import dev.slipway.controller.traffic.RouteSync;

import java.time.Clock;
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
    private volatile SortedSet<Integer> schemaState = new TreeSet<>(List.of(1));

    public ControllerParts() {
        loop.onChange(routes::request);
        events = new RolloutEvents(Clock.systemUTC(), loop::current, routes::lastTable, this::schemaState);
        events.addListener(emitted::add);
        events.addTimelineListener(timeline::add);
        fleet = new ReplicaFleet(SERVICE, runtime, router, loop, routes, new DatabaseTarget("jdbc:postgresql://db/x",
                "user", ""), this::schemaState, version -> "public_v" + version);
        gate = new GuardGate(SERVICE, loop, this::schemaState, store, Clock.systemUTC(), events);
        router.watch(() -> loop.current().runningVersions());
        routes.start();
    }

    public SortedSet<Integer> schemaState() {
        return new TreeSet<>(schemaState);
    }

    public void schemaState(Integer... versions) {
        schemaState = new TreeSet<>(List.of(versions));
    }

    @Override
    public void close() {
        fleet.abandon();
        routes.close();
        loop.close();
    }
}
