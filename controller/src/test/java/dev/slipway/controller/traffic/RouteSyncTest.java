package dev.slipway.controller.traffic;

import dev.slipway.controller.sequence.ControllerParts;
import dev.slipway.controller.sequence.Hold;
import dev.slipway.controller.sequence.ServiceUnderTest;
import dev.slipway.controller.state.Revision;
import dev.slipway.controller.state.Slot;
import dev.slipway.router.Backend;
import dev.slipway.runtime.Replica;
import dev.slipway.runtime.ReplicaState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import static dev.slipway.controller.sequence.ServiceUnderTest.release;
import static org.assertj.core.api.Assertions.assertThat;

class RouteSyncTest {
    private final ControllerParts parts = new ControllerParts();

    @AfterEach
    void close() {
        parts.close();
    }

    @Test
    void theTableFollowsTheWeightTheHeaderRoutesAndThePreview() {
        stableAndCanary();
        parts.loop.update(state -> state.withCanaryWeight(30).previewingCanary());

        parts.routes.sync();

        assertThat(parts.router.routes().backends()).extracting(Backend::revision, Backend::weight)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("1.0.0", 70),
                        org.assertj.core.groups.Tuple.tuple("1.1.0", 30));
        assertThat(parts.router.routes().previewRevision()).contains("1.1.0");
        assertThat(parts.routes.lastTable()).isEqualTo(parts.router.routes());
    }

    @Test
    void aReplicaThatStopsBeingReadyLeavesTheTableAndComesBack() {
        stableAndCanary();
        Replica canary = parts.loop.current().canary().orElseThrow().runningReplicas().get(0);
        parts.loop.update(state -> state.withCanaryWeight(50));
        parts.routes.sync();

        parts.runtime.probeFinds(canary, ReplicaState.STARTING);
        ServiceUnderTest.await("the unready canary is out of the table", Duration.ofSeconds(5), () ->
                parts.router.routes().backends().get(1).endpoints().isEmpty());
        assertThat(parts.router.routes().backends().get(0).weight()).as("its share went to stable").isEqualTo(100);

        parts.runtime.probeFinds(canary, ReplicaState.READY);
        ServiceUnderTest.await("the canary is back", Duration.ofSeconds(5), () ->
                parts.router.routes().backends().get(1).weight() == 50);
    }

    @Test
    void readinessKeepsReachingTheRouterWhileADrainWaits() {
        stableAndCanary();
        Hold longRequest = parts.router.holdDrain();
        Revision canary = parts.loop.current().canary().orElseThrow();
        CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> parts.fleet.stop(canary));
        longRequest.awaitHeld("the canary drains");

        Replica stable = parts.loop.current().stable().orElseThrow().runningReplicas().get(0);
        parts.runtime.probeFinds(stable, ReplicaState.STARTING);
        ServiceUnderTest.await("the unready stable replica is out of the table", Duration.ofSeconds(5), () ->
                parts.router.routes().backends().get(0).endpoints().isEmpty());

        longRequest.release();
        stopping.join();
    }

    @Test
    void aStoppedSyncNeverTouchesTheRouterAgain() {
        stableAndCanary();
        int sent = parts.router.tables().size();
        parts.routes.stop();

        parts.loop.update(state -> state.withCanaryWeight(90));

        assertThat(parts.router.tables()).hasSize(sent);
    }

    private void stableAndCanary() {
        parts.loop.update(state -> state.firstDeployAccepted(Revision.of(release("1.0.0", 1, 1, false, false))));
        parts.fleet.scale(Slot.CANARY, 1);
        parts.loop.update(state -> state.firstDeployDone().rolloutAccepted(Revision.of(release("1.1.0", 1, 1, false, false))));
        parts.fleet.scale(Slot.CANARY, 1);
    }
}
