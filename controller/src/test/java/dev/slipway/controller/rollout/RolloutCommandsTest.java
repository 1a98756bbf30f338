package dev.slipway.controller.rollout;

import dev.slipway.controller.BadInputException;
import dev.slipway.controller.ConflictException;
import dev.slipway.controller.guard.GuardRefusedException;
import dev.slipway.controller.sequence.ControllerParts;
import dev.slipway.controller.state.Revision;
import dev.slipway.controller.store.RolloutPhase;
import dev.slipway.controller.store.RolloutRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

import static dev.slipway.controller.sequence.ServiceUnderTest.blueGreenRelease;
import static dev.slipway.controller.sequence.ServiceUnderTest.release;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RolloutCommandsTest {
    private final ControllerParts parts = new ControllerParts();
    private final RolloutCommands commands = new RolloutCommands("items", parts.loop, parts.gate, parts.runner, parts.timers,
            parts.fleet, parts.routes, new KnownReleases("items", parts.store), parts.store, Clock.systemUTC(), parts.events);

    @AfterEach
    void close() {
        parts.close();
    }

    @Test
    void anAppliedRolloutIsRecordedAndInTheStateBeforeApplyReturns() {
        commands.apply(release("1.0.0", 1, 1, false, false), "ada", Optional.empty()).awaitEnd();

        StartedRollout started = commands.apply(release("1.1.0", 1, 1, true, false), "ada", Optional.empty());

        assertThat(started.recorded().toVersion()).isEqualTo("1.1.0");
        assertThat(parts.store.latestRollout("items")).map(RolloutRecord::id).contains(started.recorded().id());
        assertThat(parts.loop.current().canary()).map(Revision::version).contains("1.1.0");
        assertThat(parts.store.history("items", 10)).anySatisfy(entry -> {
            assertThat(entry.action()).isEqualTo("rollout 1.0.0 -> 1.1.0");
            assertThat(entry.outcome()).isEqualTo("started");
        });
    }

    @Test
    void actionsThatMakeNoSenseNowAreConflictsAndChangeNothing() {
        assertThatThrownBy(() -> commands.promote("ada", false)).isInstanceOf(ConflictException.class)
                .hasMessage("no rollout is in progress for items");
        assertThatThrownBy(() -> commands.undo(null, "ada", Optional.empty())).isInstanceOf(ConflictException.class)
                .hasMessageStartingWith("nothing to undo");
        assertThatThrownBy(() -> commands.retry("ada", Optional.empty())).isInstanceOf(ConflictException.class)
                .hasMessageStartingWith("nothing to retry");
        commands.apply(release("1.0.0", 1, 1, false, false), "ada", Optional.empty()).awaitEnd();
        commands.apply(release("1.1.0", 1, 1, true, false), "ada", Optional.empty());

        assertThatThrownBy(() -> commands.apply(release("1.2.0", 1, 1, false, false), "ada", Optional.empty()))
                .isInstanceOf(ConflictException.class).hasMessageContaining("a rollout of 1.1.0 is in progress");
        assertThatThrownBy(() -> commands.undo("9.9.9", "ada", Optional.empty())).isInstanceOf(BadInputException.class)
                .hasMessageContaining("no release 9.9.9");
        assertThat(parts.loop.current().canary()).map(Revision::version).contains("1.1.0");
    }

    @Test
    void aReleaseThatCannotReadTheSchemaIsRefusedAtOnce() {
        commands.apply(release("1.0.0", 1, 1, false, false), "ada", Optional.empty()).awaitEnd();

        assertThatThrownBy(() -> commands.apply(release("2.0.0", 2, 2, false, false), "ada", Optional.empty()))
                .isInstanceOf(GuardRefusedException.class).hasMessageContaining("2.0.0 reads schema [2, 2]");
        assertThat(parts.loop.current().canary()).isEmpty();
    }

    @Test
    void anUndoWhileTheReplacedReleaseIsKeptSwitchesBackAtOnce() {
        commands.apply(release("1.0.0", 1, 1, false, false), "ada", Optional.empty()).awaitEnd();
        commands.apply(blueGreenRelease("2.0.0", 1, 1, Duration.ofMinutes(5)), "ada", Optional.empty());
        dev.slipway.controller.sequence.ServiceUnderTest.await("2.0.0 waits for promotion", Duration.ofSeconds(5),
                () -> parts.store.latestRollout("items").orElseThrow().phase() == RolloutPhase.PAUSED);
        commands.promote("ada", false);
        dev.slipway.controller.sequence.ServiceUnderTest.await("1.0.0 is kept for undo", Duration.ofSeconds(5),
                () -> parts.loop.current().previous().isPresent());

        StartedRollout undo = commands.undo(null, "ada", Optional.empty());

        assertThat(undo.recorded().message()).isEqualTo("undo: instant switch back");
        assertThat(parts.loop.current().stable()).map(Revision::version).contains("1.0.0");
        RolloutRecord ended = undo.awaitEnd();
        assertThat(ended.phase()).isEqualTo(RolloutPhase.PROMOTED);
        assertThat(parts.runtime.liveRevisions()).containsExactly("1.0.0");
    }

    @Test
    void anUndoToTheStableReleaseIsAConflictAndStartsNothing() {
        commands.apply(release("1.0.0", 1, 1, false, false), "ada", Optional.empty()).awaitEnd();

        assertThatThrownBy(() -> commands.undo("1.0.0", "ada", Optional.empty())).isInstanceOf(ConflictException.class)
                .hasMessage("items 1.0.0 is already stable: nothing to undo");
        assertThat(parts.loop.current().canary()).isEmpty();
        assertThat(parts.store.latestRollout("items").orElseThrow().fromVersion()).as("still the first deploy").isNull();
    }

    @Test
    void retryRunsTheLastAbortedRolloutAgain() {
        commands.apply(release("1.0.0", 1, 1, false, false), "ada", Optional.empty()).awaitEnd();
        commands.apply(release("1.1.0", 1, 1, true, false), "ada", Optional.empty());
        commands.abort("ada", "not now");
        dev.slipway.controller.sequence.ServiceUnderTest.await("1.1.0 is aborted", Duration.ofSeconds(5),
                () -> parts.store.latestRollout("items").orElseThrow().phase() == RolloutPhase.ABORTED);

        StartedRollout again = commands.retry("ada", Optional.empty());

        assertThat(again.recorded().toVersion()).isEqualTo("1.1.0");
        assertThat(again.recorded().phase()).isEqualTo(RolloutPhase.PROGRESSING);
    }
}
