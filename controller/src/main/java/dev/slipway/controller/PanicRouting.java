package dev.slipway.controller;

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
 * <p>Entering and leaving panic routing is written to the timeline, once each.
 */
final class PanicRouting {
    private final Consumer<String> timeline;
    /** The version routed in panic, or null. */
    private String panicking;

    PanicRouting(Consumer<String> timeline) {
        this.timeline = timeline;
    }

    /**
     * The stable revision's endpoints for the route table.
     *
     * @param stableNotReady replicas of the stable revision that run but fail readiness (not draining)
     */
    synchronized List<Endpoint> stableEndpoints(String stableVersion, List<Endpoint> stableReady,
                                                List<Endpoint> stableNotReady, List<Endpoint> canaryReady) {
        boolean panic = stableVersion != null && stableReady.isEmpty() && canaryReady.isEmpty()
                && !stableNotReady.isEmpty();
        if (panic && panicking == null) {
            panicking = stableVersion;
            timeline.accept("no replica of " + stableVersion + " is ready: routing to its " + stableNotReady.size()
                    + " running replica(s) that fail readiness (panic routing) rather than answering 503");
        } else if (!panic && panicking != null) {
            timeline.accept("panic routing of " + panicking + " over: " + (stableReady.isEmpty() && canaryReady.isEmpty()
                    ? "none of its replicas runs any more" : "a replica is ready again"));
            panicking = null;
        }
        return panic ? stableNotReady : stableReady;
    }
}
