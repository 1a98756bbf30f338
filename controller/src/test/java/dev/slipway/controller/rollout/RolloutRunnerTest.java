package dev.slipway.controller.rollout;

import dev.slipway.controller.event.RolloutEvent;
import dev.slipway.controller.sequence.ControllerParts;
import dev.slipway.controller.sequence.ServiceUnderTest;
import dev.slipway.controller.state.Revision;
import dev.slipway.controller.state.Slot;
import dev.slipway.controller.store.RolloutPhase;
import dev.slipway.controller.store.RolloutRecord;
import dev.slipway.model.ReleaseSpec;
import dev.slipway.runtime.ReplicaState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

import static dev.slipway.controller.sequence.ServiceUnderTest.blueGreenRelease;
import static dev.slipway.controller.sequence.ServiceUnderTest.release;
import static org.assertj.core.api.Assertions.assertThat;

class RolloutRunnerTest {
    private final ControllerParts parts = new ControllerParts();
    private final RolloutRunner runner = parts.runner;

    @AfterEach
    void close() {
        parts.close();
    }

    @Test
    void aPauseUntilPromotedEndsWithAPromoteAndTheOutgoingReleaseStops() {
        CompletableFuture<RolloutRecord> ended = start(release("1.1.0", 1, 1, true, false));
        awaitPhase(RolloutPhase.PAUSED);
        assertThat(parts.loop.current().canaryWeight()).isEqualTo(50);

        parts.loop.update(state -> state.withRequests(requests -> requests.promoted(false)));

        assertThat(ended.join().phase()).isEqualTo(RolloutPhase.PROMOTED);
        assertThat(parts.loop.current().stable()).map(Revision::version).contains("1.1.0");
        assertThat(parts.runtime.liveRevisions()).containsExactly("1.1.0");
        assertThat(parts.emitted).hasAtLeastOneElementOfType(RolloutEvent.RolloutPaused.class)
                .hasAtLeastOneElementOfType(RolloutEvent.RolloutPromoted.class);
        assertThat(parts.router.violations()).isEmpty();
    }

    @Test
    void aCanaryReplicaThatFailsAbortsTheRolloutAndTrafficGoesBackToStable() {
        CompletableFuture<RolloutRecord> ended = start(release("1.1.0", 1, 1, true, false));
        awaitPhase(RolloutPhase.PAUSED);

        parts.runtime.probeFinds(parts.loop.current().canary().orElseThrow().runningReplicas().get(0), ReplicaState.FAILED);

        RolloutRecord aborted = ended.join();
        assertThat(aborted.phase()).isEqualTo(RolloutPhase.ABORTED);
        assertThat(aborted.message()).contains("of 1.1.0 failed");
        assertThat(parts.loop.current().canary()).isEmpty();
        assertThat(parts.router.routes().backends()).singleElement().satisfies(backend ->
                assertThat(backend.revision()).isEqualTo("1.0.0"));
        assertThat(parts.runtime.liveRevisions()).containsExactly("1.0.0");
    }

    @Test
    void blueGreenKeepsTheOutgoingReleaseForItsScaleDownDelay() {
        CompletableFuture<RolloutRecord> ended = start(blueGreenRelease("1.1.0", 1, 1, Duration.ofMinutes(5)));
        awaitPhase(RolloutPhase.PAUSED);

        parts.loop.update(state -> state.withRequests(requests -> requests.promoted(false)));

        assertThat(ended.join().phase()).isEqualTo(RolloutPhase.PROMOTED);
        assertThat(parts.loop.current().previous()).map(Revision::version).contains("1.0.0");
        assertThat(parts.runtime.liveRevisions()).containsExactlyInAnyOrder("1.0.0", "1.1.0");
        assertThat(parts.router.routes().backends()).filteredOn(backend -> backend.weight() > 0)
                .singleElement().satisfies(backend -> assertThat(backend.revision()).isEqualTo("1.1.0"));
    }

    @Test
    void aStrategyThatCannotGoOnEndsAborted() {
        // 1.1.0 reads none of {2} (only a forced override gets here): its replicas cannot be bound
        CompletableFuture<RolloutRecord> ended = start(release("1.1.0", 1, 1, false, false), () -> parts.schemaState(2));

        RolloutRecord aborted = ended.join();

        assertThat(aborted.phase()).isEqualTo(RolloutPhase.ABORTED);
        assertThat(aborted.message()).startsWith("failed: ");
        assertThat(parts.loop.current().stable()).map(Revision::version).contains("1.0.0");
    }

    /** Stable 1.0.0 runs; a rollout of {@code release} is accepted and recorded; the runner drives it. */
    private CompletableFuture<RolloutRecord> start(ReleaseSpec release) {
        return start(release, () -> { });
    }

    private CompletableFuture<RolloutRecord> start(ReleaseSpec release, Runnable beforeTheRunnerStarts) {
        parts.loop.update(state -> state.firstDeployAccepted(Revision.of(release("1.0.0", 1, 1, false, false))));
        parts.fleet.scale(Slot.CANARY, 1);
        parts.loop.update(state -> state.firstDeployDone().rolloutAccepted(Revision.of(release)));
        Instant now = Instant.now();
        RolloutRecord recorded = parts.store.save(new RolloutRecord(0, "items", "1.0.0", release.version(),
                RolloutPhase.PROGRESSING, 0, 0, "starting", now, now));
        beforeTheRunnerStarts.run();
        return runner.drive(recorded, "test");
    }

    private void awaitPhase(RolloutPhase phase) {
        ServiceUnderTest.await("the rollout is " + phase, Duration.ofSeconds(5), () ->
                parts.store.latestRollout("items").orElseThrow().phase() == phase);
    }
}
