package dev.slipway.controller.rollout;

import dev.slipway.controller.sequence.ControllerParts;
import dev.slipway.controller.sequence.ServiceUnderTest;
import dev.slipway.controller.state.Revision;
import dev.slipway.controller.state.Slot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static dev.slipway.controller.sequence.ServiceUnderTest.release;
import static org.assertj.core.api.Assertions.assertThat;

class RolloutTimersTest {
    private final ControllerParts parts = new ControllerParts();
    private final RolloutTimers timers = parts.timers;

    @AfterEach
    void close() {
        parts.close();
    }

    @Test
    void theKeptReleaseLeavesAndStopsOnceItsDelayIsOver() {
        Revision kept = promotedKeeping();

        timers.keepForUndo(kept, Duration.ofMillis(50));

        ServiceUnderTest.await("1.0.0 is scaled down", Duration.ofSeconds(5), () ->
                parts.loop.current().previous().isEmpty() && !parts.runtime.liveRevisions().contains("1.0.0"));
        ServiceUnderTest.await("the timeline says so", Duration.ofSeconds(5), () -> parts.timeline.stream()
                .anyMatch(entry -> entry.event().equals("scaled down 1.0.0 (scale-down delay over)")));
        assertThat(parts.loop.current().stable()).map(Revision::version).contains("2.0.0");
    }

    @Test
    void aReleaseSwitchedBackToBeforeTheDelayEndsIsLeftAlone() {
        Revision kept = promotedKeeping();
        parts.loop.update(state -> state.switchedBack());

        assertThat(timers.retire(kept)).isEmpty();

        assertThat(parts.loop.current().stable()).map(Revision::version).contains("1.0.0");
        assertThat(parts.runtime.liveRevisions()).contains("1.0.0");
    }

    @Test
    void theKeptReleaseLeavesTheServiceBeforeItsReplicasStop() {
        Revision kept = promotedKeeping();
        parts.router.holdDrain();

        assertThat(timers.retire(kept)).isPresent();

        assertThat(parts.loop.current().previous()).as("no undo can pick it any more").isEmpty();
        assertThat(parts.loop.current().runningVersions()).containsExactly("2.0.0");
    }

    /** 1.0.0 was replaced by 2.0.0 and is kept (running) for undo. */
    private Revision promotedKeeping() {
        parts.loop.update(state -> state.firstDeployAccepted(Revision.of(release("1.0.0", 1, 1, false, false))));
        parts.fleet.scale(Slot.CANARY, 1);
        parts.loop.update(state -> state.firstDeployDone().rolloutAccepted(Revision.of(release("2.0.0", 1, 1, false, false))));
        parts.fleet.scale(Slot.CANARY, 1);
        parts.loop.update(state -> state.promoted(true));
        return parts.loop.current().previous().orElseThrow();
    }
}
