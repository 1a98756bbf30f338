package dev.slipway.controller.sequence;

import dev.slipway.controller.TimelineEntry;
import dev.slipway.model.ReleaseSpec;
import dev.slipway.model.StrategySpec;
import dev.slipway.router.Backend;
import dev.slipway.router.Endpoint;
import dev.slipway.runtime.Replica;
import dev.slipway.runtime.ReplicaState;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static dev.slipway.controller.sequence.ServiceUnderTest.SERVICE;
import static dev.slipway.controller.sequence.ServiceUnderTest.release;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the controller does with replica health at the routing seam: the route table when every replica of the
 * stable release fails readiness at once (panic routing), and its side of a liveness restart (the budget per
 * strategy, and a replica out of the table before the runtime ends it). Real controller and store on PostgreSQL;
 * replicas and router in memory.
 */
class ReplicaHealthRoutingTest extends OnePostgresPerClass {
    private List<Replica> stable;

    @BeforeEach
    void twoReplicasOf100Serve() {
        service = new ServiceUnderTest(postgres);
        service.givenSchemaVersion1();
        service.applyAndSettle(withReplicas(release("1.0.0", 1, 1, false, false), 2, null), true);
        stable = service.runtime.list(SERVICE);
        assertThat(stable).hasSize(2);
        assertThat(routedEndpoints()).hasSize(2);
    }

    @Test
    void whenEveryStableReplicaFailsReadinessAtOnceTheyKeepGettingRequestsUntilOneIsReadyAgain() {
        stable.forEach(replica -> service.runtime.probed(replica, ReplicaState.NOT_READY));

        ServiceUnderTest.await("the not-ready replicas are routed", Duration.ofSeconds(5),
                () -> routedEndpoints().size() == 2);
        assertThat(service.router.routes().backends()).singleElement().extracting(Backend::weight).isEqualTo(100);
        ServiceUnderTest.await("panic routing is on the timeline", Duration.ofSeconds(5),
                () -> events().stream().anyMatch(event -> event.startsWith("no replica of 1.0.0 is ready")));

        service.runtime.probed(stable.get(1), ReplicaState.READY);
        ServiceUnderTest.await("only the ready replica is routed", Duration.ofSeconds(5),
                () -> routedEndpoints().equals(List.of(endpoint(stable.get(1)))));
        ServiceUnderTest.await("the end of panic routing is on the timeline", Duration.ofSeconds(5),
                () -> events().stream().anyMatch(event -> event.startsWith("panic routing of 1.0.0 over")));
    }

    @Test
    void aReplicaBeingRestartedIsNeverAPanicEndpoint() {
        service.runtime.probed(stable.get(0), ReplicaState.NOT_READY);
        service.runtime.probed(stable.get(1), ReplicaState.STARTING);

        ServiceUnderTest.await("only the running, not ready replica is routed", Duration.ofSeconds(5),
                () -> routedEndpoints().equals(List.of(endpoint(stable.get(0)))));
    }

    @Test
    void aReplicaTheRuntimeRestartsLeavesTheRouteTableBeforeTheDrainReturns() {
        Replica restarting = stable.get(0);
        service.runtime.probed(restarting, ReplicaState.STARTING); // what the runtime does when it decides the restart

        service.runtime.restartPolicy().drain(restarting);

        assertThat(routedEndpoints()).containsExactly(endpoint(stable.get(1)));
    }

    @Test
    void theRestartBudgetIsTheRollingMaxUnavailableAndOneOtherwise() {
        assertThat(service.runtime.restartPolicy().maxRestarting(stable.get(0))).as("canary").isEqualTo(1);

        StrategySpec.Quantity surge = new StrategySpec.Quantity(1, false);
        service.applyAndSettle(withReplicas(release("2.0.0", 1, 1, false, false), 4,
                new StrategySpec.Rolling(surge, new StrategySpec.Quantity(50, true))), true);
        Replica rolling = service.runtime.list(SERVICE).stream().filter(r -> r.revision().equals("2.0.0"))
                .findFirst().orElseThrow();
        assertThat(service.runtime.restartPolicy().maxRestarting(rolling)).as("50 % of 4").isEqualTo(2);

        service.applyAndSettle(withReplicas(release("3.0.0", 1, 1, false, false), 2,
                new StrategySpec.Rolling(surge, new StrategySpec.Quantity(0, false))), true);
        Replica noneUnavailable = service.runtime.list(SERVICE).stream().filter(r -> r.revision().equals("3.0.0"))
                .findFirst().orElseThrow();
        assertThat(service.runtime.restartPolicy().maxRestarting(noneUnavailable))
                .as("maxUnavailable 0 still lets one failed replica restart").isEqualTo(1);
    }

    private static ReleaseSpec withReplicas(ReleaseSpec release, int replicas, StrategySpec strategy) {
        return new ReleaseSpec(release.version(), release.run(), release.schema(), replicas, release.health(),
                strategy == null ? release.strategy() : strategy, release.contractAfter());
    }

    private List<Endpoint> routedEndpoints() {
        return service.router.routes().backends().stream().filter(backend -> backend.weight() > 0)
                .flatMap(backend -> backend.endpoints().stream()).sorted(java.util.Comparator.comparing(Endpoint::port))
                .toList();
    }

    private List<String> events() {
        return service.timeline.stream().map(TimelineEntry::event).toList();
    }

    private static Endpoint endpoint(Replica replica) {
        return new Endpoint(replica.host(), replica.port());
    }
}
