package dev.slipway.controller.rollout;

import dev.slipway.controller.event.RolloutEvents;
import dev.slipway.controller.loop.Change;
import dev.slipway.controller.loop.RolloutLoop;
import dev.slipway.controller.replica.ReplicaFleet;
import dev.slipway.controller.state.Revision;
import dev.slipway.controller.state.Slot;
import dev.slipway.controller.traffic.RouteSync;
import dev.slipway.model.ReleaseSpec;

import java.util.Optional;

/**
 * An experiment's baseline: fresh replicas of the stable release, started next to the canary and given the canary's
 * weight (taken from stable) once ready, so a statistical judge compares two releases that started at the same time
 * and see the same share of the same traffic. Its revision is the stable version with {@code -baseline} appended, which
 * names its per-request samples in the router and its database sessions ({@code PGAPPNAME}).
 */
public final class ExperimentBaseline {
    /** Appended to the stable version to name the baseline's revision. */
    public static final String SUFFIX = "-baseline";

    private final RolloutLoop loop;
    private final ReplicaFleet fleet;
    private final RouteSync routes;
    private final RolloutEvents events;

    public ExperimentBaseline(RolloutLoop loop, ReplicaFleet fleet, RouteSync routes, RolloutEvents events) {
        this.loop = loop;
        this.fleet = fleet;
        this.routes = routes;
        this.events = events;
    }

    /** The baseline's version while one runs, else empty. */
    public Optional<String> version() {
        return loop.current().baseline().map(Revision::version);
    }

    /**
     * Brings the baseline to {@code replicas} ready replicas and routes it; returns why it could not (the replicas that
     * did not become ready are stopped), or empty.
     */
    public Optional<String> start(int replicas) {
        if (loop.current().baseline().isEmpty()) {
            ReleaseSpec stable = loop.current().stable().orElseThrow(() ->
                    new IllegalStateException("an experiment needs a stable release to copy")).release();
            ReleaseSpec copy = new ReleaseSpec(stable.version() + SUFFIX, stable.run(), stable.schema(), replicas,
                    stable.health(), stable.strategy(), Optional.empty());
            loop.update(state -> state.withBaseline(Revision.of(copy)));
        }
        Optional<String> failed = fleet.scale(Slot.BASELINE, replicas);
        routes.sync();
        return failed;
    }

    /** Takes the baseline out of the routes (its share goes back to stable), drains and stops it; nothing if none. */
    public void stop() {
        Optional<Revision> removed = loop.run(state -> Change.to(state.baselineRemoved(), state.baseline()));
        if (removed.isEmpty()) {
            return;
        }
        routes.sync();
        fleet.stop(removed.get());
        events.note("removed the baseline " + removed.get().version());
    }
}
