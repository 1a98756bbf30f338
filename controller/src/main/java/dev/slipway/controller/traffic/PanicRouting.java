package dev.slipway.controller.traffic;

import dev.slipway.controller.event.RolloutEvent;
import dev.slipway.router.Endpoint;

import java.util.List;
import java.util.function.Consumer;

/**
 * What the router is given when readiness fails everywhere at once: no replica of the stable revision and none of
 * the canary is READY, but replicas of the stable revision still run (NOT_READY: they were ready and now fail their
 * readiness probe). Then the stable revision is routed to those replicas, as Envoy does below its panic threshold:
 * a 503 for every request is a certain outage, while a replica failing its probe (a slow dependency, a probe that is
 * too strict) often still answers. Replicas that are starting, restarting, draining or failed are never panic
 * endpoints: nothing listens there, or it is on its way out.
 *
 * <p>Entering and leaving panic routing is an event ({@link RolloutEvent.PanicRoutingStarted},
 * {@link RolloutEvent.PanicRoutingEnded}), once each. Used on the route sync thread only.
 */
final class PanicRouting {
    private volatile Consumer<RolloutEvent> events = event -> { };
    /** The version routed in panic, or null. */
    private String panicking;

    void reportTo(Consumer<RolloutEvent> events) {
        this.events = events;
    }

    /**
     * The stable revision's endpoints for the route table.
     *
     * @param stableNotReady replicas of the stable revision that run but fail readiness (not draining)
     */
    List<Endpoint> stableEndpoints(String stableVersion, List<Endpoint> stableReady, List<Endpoint> stableNotReady,
                                   List<Endpoint> canaryReady) {
        boolean panic = stableVersion != null && stableReady.isEmpty() && canaryReady.isEmpty()
                && !stableNotReady.isEmpty();
        if (panic && panicking == null) {
            panicking = stableVersion;
            events.accept(new RolloutEvent.PanicRoutingStarted(stableVersion, stableNotReady.size()));
        } else if (!panic && panicking != null) {
            events.accept(new RolloutEvent.PanicRoutingEnded(panicking, stableReady.isEmpty() && canaryReady.isEmpty()
                    ? "none of its replicas runs any more" : "a replica is ready again"));
            panicking = null;
        }
        return panic ? stableNotReady : stableReady;
    }
}
