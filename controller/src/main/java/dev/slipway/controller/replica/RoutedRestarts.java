package dev.slipway.controller.replica;

import dev.slipway.controller.event.RolloutEvent;
import dev.slipway.model.ReleaseSpec;
import dev.slipway.model.StrategySpec;
import dev.slipway.runtime.Replica;
import dev.slipway.runtime.RestartPolicy;

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
 * <p>Drain: the runtime has already moved the replica out of READY; the fleet takes it out of the routes at once
 * (rather than at the next periodic refresh) and waits until the router has no request in flight to it.
 */
public final class RoutedRestarts implements RestartPolicy {
    private final Function<String, Optional<ReleaseSpec>> releases;
    private final ReplicaFleet fleet;
    private final Consumer<RolloutEvent> events;

    /**
     * @param releases the release of a version (a replica's revision is its release's version)
     * @param events   where problems the user must fix are shown
     */
    public RoutedRestarts(Function<String, Optional<ReleaseSpec>> releases, ReplicaFleet fleet,
                          Consumer<RolloutEvent> events) {
        this.releases = releases;
        this.fleet = fleet;
        this.events = events;
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
        fleet.drainForRestart(replica);
    }

    @Override
    public void report(Replica replica, String problem) {
        events.accept(new RolloutEvent.ReplicaProblem(replica.id(), problem));
    }
}
