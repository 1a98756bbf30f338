package dev.slipway.controller;

import dev.slipway.model.ReleaseSpec;
import dev.slipway.model.StrategySpec;
import dev.slipway.router.Endpoint;
import dev.slipway.router.TrafficRouter;
import dev.slipway.runtime.Replica;
import dev.slipway.runtime.RestartPolicy;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The controller's side of liveness restarts ({@link RestartPolicy}), so that restarts alone never cause an outage.
 *
 * <p>Budget: a rolling release may have {@code maxUnavailable} of its replicas restarting at once; canary and
 * blue-green releases (and a rolling one with {@code maxUnavailable: 0}) one at a time. Never none: a replica that
 * fails liveness is already not doing its job, so restarting one takes nothing more away.
 *
 * <p>Drain: the runtime has already moved the replica out of READY; pushing the route table now (rather than at the
 * next periodic refresh) takes it out of routing at once, and the router then reports when its in-flight requests
 * have ended.
 */
final class RoutedRestarts implements RestartPolicy {
    private final Function<String, Optional<ReleaseSpec>> releases;
    private final Runnable refreshRoutes;
    private final TrafficRouter router;
    private final Duration drainTimeout;
    private final Consumer<String> timeline;

    /**
     * @param releases      the release of a version (a replica's revision is its release's version)
     * @param refreshRoutes pushes the route table of who is ready now
     * @param timeline      where problems the user must fix are shown
     */
    RoutedRestarts(Function<String, Optional<ReleaseSpec>> releases, Runnable refreshRoutes, TrafficRouter router,
                   Duration drainTimeout, Consumer<String> timeline) {
        this.releases = releases;
        this.refreshRoutes = refreshRoutes;
        this.router = router;
        this.drainTimeout = drainTimeout;
        this.timeline = timeline;
    }

    @Override
    public int maxRestarting(Replica replica) {
        return releases.apply(replica.revision())
                .filter(release -> release.strategy() instanceof StrategySpec.Rolling)
                .map(release -> ((StrategySpec.Rolling) release.strategy()).maxUnavailable().of(release.replicas(), false))
                .map(unavailable -> Math.max(1, unavailable))
                .orElse(1);
    }

    @Override
    public void drain(Replica replica) {
        refreshRoutes.run();
        router.awaitDrained(new Endpoint(replica.host(), replica.port()), drainTimeout);
    }

    @Override
    public void report(Replica replica, String problem) {
        timeline.accept("replica " + replica.id() + ": " + problem);
    }
}
