package dev.slipway.controller.replica;

import dev.slipway.controller.sequence.ControllerParts;
import dev.slipway.controller.state.BoundReplica;
import dev.slipway.controller.state.Revision;
import dev.slipway.controller.state.Slot;
import dev.slipway.router.RouteTable;
import dev.slipway.runtime.Replica;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static dev.slipway.controller.sequence.ServiceUnderTest.release;
import static org.assertj.core.api.Assertions.assertThat;

class ReplicaFleetTest {
    private final ControllerParts parts = new ControllerParts();

    @AfterEach
    void close() {
        parts.close();
    }

    @Test
    void scalingUpStartsReadyReplicasBoundToTheNewestVersionTheReleaseReadsAndRoutesThem() {
        parts.schemaState(1, 2);
        parts.loop.update(state -> state.firstDeployAccepted(Revision.of(release("1.0.0", 1, 2, false, false))));

        assertThat(parts.fleet.scale(Slot.CANARY, 3)).isEmpty();

        Revision canary = parts.loop.current().canary().orElseThrow();
        assertThat(canary.replicas()).hasSize(3).allSatisfy(replica ->
                assertThat(replica.boundVersion()).contains(2));
        assertThat(parts.runtime.databaseSchemas("1.0.0")).containsOnly("public_v2");
        assertThat(parts.router.routes().backends()).singleElement().satisfies(backend ->
                assertThat(backend.endpoints()).hasSize(3));
    }

    @Test
    void aReplicaThatNeverBecomesReadyIsStoppedWithTheOthersStartedWithItAndNothingJoins() {
        parts.loop.update(state -> state.firstDeployAccepted(Revision.of(release("1.0.0", 1, 1, false, true))));

        Optional<String> failure = parts.fleet.scale(Slot.CANARY, 2);

        assertThat(failure).hasValueSatisfying(why -> assertThat(why).contains("is FAILED"));
        assertThat(parts.loop.current().canary().orElseThrow().replicas()).isEmpty();
        assertThat(parts.runtime.liveRevisions()).isEmpty();
    }

    @Test
    void scalingDownDrainsTheNewestReplicaOutOfTheRoutesBeforeItStops() {
        parts.loop.update(state -> state.firstDeployAccepted(Revision.of(release("1.0.0", 1, 1, false, false))));
        parts.fleet.scale(Slot.CANARY, 2);
        Replica newest = parts.loop.current().canary().orElseThrow().runningReplicas().get(1);
        int tablesBefore = parts.router.tables().size();

        assertThat(parts.fleet.scale(Slot.CANARY, 1)).isEmpty();

        assertThat(parts.loop.current().canary().orElseThrow().runningReplicas()).doesNotContain(newest);
        assertThat(parts.loop.current().draining()).isEmpty();
        List<RouteTable> sent = parts.router.tables().subList(tablesBefore, parts.router.tables().size());
        assertThat(sent).as("a table without the replica went out before it stopped").isNotEmpty();
        assertThat(sent.get(0).backends().get(0).endpoints()).extracting(endpoint -> endpoint.port())
                .doesNotContain(newest.port());
        assertThat(parts.router.violations()).isEmpty();
    }

    @Test
    void replacingIsStartFirstOneAtATime() {
        parts.loop.update(state -> state.firstDeployAccepted(Revision.of(release("1.0.0", 1, 2, false, false))));
        parts.fleet.scale(Slot.CANARY, 2);
        parts.loop.update(state -> state.firstDeployDone());
        List<BoundReplica> old = parts.loop.current().stable().orElseThrow().replicas();
        int tablesBefore = parts.router.tables().size();

        parts.fleet.replace(Slot.STABLE, old, new SchemaBinding(2, "public_v2"));

        Revision stable = parts.loop.current().stable().orElseThrow();
        assertThat(stable.replicas()).hasSize(2).noneMatch(old::contains)
                .allSatisfy(replica -> assertThat(replica.boundVersion()).contains(2));
        assertThat(parts.runtime.databaseSchemas("1.0.0")).containsOnly("public_v2");
        // never fewer than two ready replicas routed on the way
        assertThat(parts.router.tables().subList(tablesBefore, parts.router.tables().size())).isNotEmpty()
                .allSatisfy(table -> assertThat(table.backends().get(0).endpoints().size()).isGreaterThanOrEqualTo(2));
        assertThat(parts.router.violations()).isEmpty();
    }

    @Test
    void aRetiredRevisionIsStoppedOnTheFleetsOwnThread() {
        parts.loop.update(state -> state.firstDeployAccepted(Revision.of(release("1.0.0", 1, 1, false, false))));
        parts.fleet.scale(Slot.CANARY, 2);
        Revision leaving = parts.loop.current().canary().orElseThrow();
        parts.loop.update(state -> state.aborted());

        parts.fleet.retire(leaving).join();

        assertThat(parts.runtime.liveRevisions()).isEmpty();
        assertThat(parts.loop.current().draining()).isEmpty();
    }
}
