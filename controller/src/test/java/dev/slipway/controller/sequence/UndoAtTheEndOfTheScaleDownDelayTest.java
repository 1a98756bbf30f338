package dev.slipway.controller.sequence;

import dev.slipway.controller.ServiceStatus;
import dev.slipway.controller.guard.GuardRefusedException;
import dev.slipway.controller.store.RolloutPhase;
import dev.slipway.controller.store.RolloutRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import static dev.slipway.controller.sequence.ServiceUnderTest.ACTOR;
import static dev.slipway.controller.sequence.ServiceUnderTest.blueGreenRelease;
import static dev.slipway.controller.sequence.ServiceUnderTest.release;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Blue-green keeps the replaced release running for its scale-down delay so that undo is an instant switch back. An
 * undo that arrives just as the delay ends races the timer that stops that release: whichever wins, the user must
 * get a running stable release — the instant switch back while the old replicas still run, or a normal undo rollout
 * once they are going — and traffic must never go to a stopped replica.
 *
 * <p>The interleaving is driven, not hoped for: while the store is slow to record the refusal of an unrelated apply,
 * the undo is asked and the delay ends, and only then is the store let go.
 */
class UndoAtTheEndOfTheScaleDownDelayTest extends OnePostgresPerClass {
    private static final Duration SCALE_DOWN_DELAY = Duration.ofSeconds(3);

    @BeforeEach
    void blueGreenPromotedWithTheOldReleaseKeptForUndo() {
        service = new ServiceUnderTest(postgres);
        service.givenSchemaVersion1();
        service.applyAndSettle(release("1.0.0", 1, 1, false, false));
        service.applyAndSettle(blueGreenRelease("2.0.0", 1, 1, SCALE_DOWN_DELAY));
        service.controller().promote(ACTOR, false);
        ServiceUnderTest.await("2.0.0 is promoted and 1.0.0 kept for undo", Duration.ofSeconds(5), () ->
                service.latestRollout().phase() == RolloutPhase.PROMOTED
                        && service.controller().runningVersions().equals(java.util.List.of("2.0.0", "1.0.0")));
    }

    @RepeatedTest(3)
    void anUndoAsTheDelayEndsLeavesARunningStableReleaseAndNeverRoutesToAStoppedReplica() {
        Hold slowAudit = service.controllerStore.holdAudit(entry -> entry.outcome().equals("refused"));
        Interleavings.Concurrent<Object> refusedApply = Interleavings.start("test-refused-apply", () -> {
            service.controller().apply(release("9.9.9", 9, 9, false, false), ACTOR);
            return null;
        });
        slowAudit.awaitHeld("the refusal of 9.9.9 is being recorded");
        Interleavings.Concurrent<RolloutRecord> undo = Interleavings.start("test-undo",
                () -> service.controller().undo(null, ACTOR));
        Interleavings.awaitSteadily("the undo waits for the action before it", undo::waitingOrDone);
        // the timer has taken the kept release (or waits to: the same busy controller holds it up)
        Instant delayEnds = service.latestRollout().updatedAt().plus(SCALE_DOWN_DELAY);
        Interleavings.awaitSteadily("the scale-down delay is over", () -> Instant.now().isAfter(delayEnds)
                && (!service.controller().runningVersions().contains("1.0.0")
                || Interleavings.threadBlocked("slipway-monitor")));

        slowAudit.release();
        refusedApply.join();
        RolloutRecord undone = undo.join();

        assertThat(refusedApply.failure()).isInstanceOf(GuardRefusedException.class);
        assertThat(undo.failure()).as("the undo").isNull();
        assertThat(undone.toVersion()).isEqualTo("1.0.0");
        assertThat(undone.phase()).isEqualTo(RolloutPhase.PROMOTED);
        service.settle(Optional.empty());
        ServiceStatus status = service.controller().status();
        assertThat(status.stable()).as("the stable release after the undo").hasValueSatisfying(stable -> {
            assertThat(stable.version()).isEqualTo("1.0.0");
            assertThat(stable.readyReplicas()).as("ready replicas of stable 1.0.0").isEqualTo(1);
        });
        assertThat(service.runtime.liveRevisions()).containsExactly("1.0.0");
        assertThat(service.router.routes().backends()).filteredOn(backend -> backend.weight() > 0)
                .singleElement().satisfies(backend -> {
                    assertThat(backend.revision()).isEqualTo("1.0.0");
                    assertThat(backend.endpoints()).isNotEmpty();
                });
        service.router.checkCurrent();
        assertThat(service.router.violations()).as("route tables sent to the router").isEmpty();
    }
}
