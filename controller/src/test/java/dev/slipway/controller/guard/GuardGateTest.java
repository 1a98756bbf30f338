package dev.slipway.controller.guard;

import dev.slipway.controller.event.RolloutEvent;
import dev.slipway.controller.loop.Change;
import dev.slipway.controller.sequence.ControllerParts;
import dev.slipway.controller.sequence.Hold;
import dev.slipway.controller.state.Revision;
import dev.slipway.controller.state.ServiceState;
import dev.slipway.controller.store.AuditEntry;
import dev.slipway.model.ReleaseSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

import static dev.slipway.controller.sequence.ServiceUnderTest.release;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GuardGateTest {
    private final ControllerParts parts = new ControllerParts();

    @AfterEach
    void close() {
        parts.close();
    }

    @Test
    void anAllowedRolloutActionIsAppliedInTheSameStepAsItsCheck() {
        ReleaseSpec incoming = release("1.0.0", 1, 1, false, false);

        String result = parts.gate.admit("ada", Optional.empty(), accepting(incoming));

        assertThat(result).isEqualTo("accepted");
        assertThat(parts.loop.current().canary()).map(Revision::version).contains("1.0.0");
        assertThat(parts.store.history("items", 10)).isEmpty();
    }

    @Test
    void aRefusalChangesNothingIsAuditedAndEmitted() {
        parts.schemaState(2);

        assertThatThrownBy(() -> parts.gate.admit("ada", Optional.empty(), accepting(release("1.0.0", 1, 1, false, false))))
                .isInstanceOf(GuardRefusedException.class)
                .hasMessageStartingWith("refused: apply of items 1.0.0 would leave the schema at {2}");

        assertThat(parts.loop.current()).isEqualTo(ServiceState.empty());
        assertThat(parts.store.history("items", 10)).singleElement().satisfies(entry -> {
            assertThat(entry.outcome()).isEqualTo("refused");
            assertThat(entry.actor()).isEqualTo("ada");
            assertThat(entry.detail()).contains("1.0.0 reads schema [1, 1]");
        });
        assertThat(parts.emitted).singleElement().isInstanceOf(RolloutEvent.GuardRefusal.class);
    }

    @Test
    void aForcedOverrideIsAuditedWithItsBackupAndRuns() {
        parts.schemaState(2);
        ForceOverride force = new ForceOverride(Path.of("/backups/items.sql"), "abc123", "we know");

        parts.gate.admit("ada", Optional.of(force), accepting(release("1.0.0", 1, 1, false, false)));

        assertThat(parts.loop.current().canary()).isPresent();
        assertThat(parts.store.history("items", 10)).extracting(AuditEntry::outcome).containsExactly("forced");
        assertThat(parts.store.history("items", 1).get(0).detail()).contains("/backups/items.sql").contains("abc123");
        assertThat(parts.emitted).singleElement().isInstanceOf(RolloutEvent.GuardOverridden.class);
    }

    @Test
    void aRolloutActionArrivingDuringASchemaActionWaitsAndIsCheckedAgainstTheStateItLeaves() {
        parts.schemaState(1, 2);
        Hold schemaRunning = new Hold();
        CompletableFuture<Void> contract = CompletableFuture.runAsync(() -> parts.gate.admitSchema("ada", Optional.empty(),
                () -> plan("schema complete of version 2", 2, List.of(1, 2), List.of(2)), plan -> {
                    assertThat(parts.loop.current().schemaTransition()).isPresent();
                    schemaRunning.arrive();
                    parts.schemaState(2);
                    return null;
                }));
        schemaRunning.awaitHeld("the contract runs");
        CompletableFuture<String> apply = CompletableFuture.supplyAsync(() ->
                parts.gate.admit("bob", Optional.empty(), accepting(release("1.0.1", 1, 1, false, false))));
        dev.slipway.controller.sequence.ServiceUnderTest.await("the apply waits for the gate",
                java.time.Duration.ofSeconds(5), () -> parts.gate.busy() && !apply.isDone());

        schemaRunning.release();
        contract.join();

        assertThatThrownBy(apply::join).hasCauseInstanceOf(GuardRefusedException.class)
                .hasMessageContaining("would leave the schema at {2}");
        assertThat(parts.loop.current().canary()).isEmpty();
        assertThat(parts.loop.current().schemaTransition()).as("ended with the action").isEmpty();
    }

    @Test
    void aSchemaActionIsRefusedWhileTheIncomingReleaseItWouldBreakIsAccepted() {
        parts.schemaState(1, 2);
        parts.gate.admit("bob", Optional.empty(), accepting(release("1.0.1", 1, 1, false, false)));

        assertThatThrownBy(() -> parts.gate.admitSchema("ada", Optional.empty(),
                () -> plan("schema complete of version 2", 2, List.of(1, 2), List.of(2)), plan -> {
                    throw new AssertionError("must not run");
                })).isInstanceOf(GuardRefusedException.class).hasMessageContaining("items 1.0.1 reads schema [1, 1]");
        assertThat(parts.loop.current().schemaTransition()).isEmpty();
    }

    @Test
    void aSchemaActionThatFailsIsAuditedAsFailedAndItsTransitionEnds() {
        assertThatThrownBy(() -> parts.gate.admitSchema("ada", Optional.empty(),
                () -> plan("schema start of version 2", 2, List.of(1), List.of(1, 2)), plan -> {
                    throw new IllegalStateException("lock timeout");
                })).hasMessage("lock timeout");

        assertThat(parts.store.history("items", 10)).extracting(AuditEntry::outcome).containsExactly("failed");
        assertThat(parts.loop.current().schemaTransition()).isEmpty();
    }

    private static GuardGate.SchemaPlan plan(String action, int version, List<Integer> before, List<Integer> after) {
        return new GuardGate.SchemaPlan(action, version, new TreeSet<>(before), new TreeSet<>(after),
                List.of("Finish the rollout first."));
    }

    /** Accepts {@code release} as the canary when the guard allows it against the state and the schema. */
    private static GuardGate.RolloutAction<String> accepting(ReleaseSpec release) {
        return new GuardGate.RolloutAction<>() {
            @Override
            public GuardQuestion question(ServiceState state, SortedSet<Integer> schema) {
                List<RevisionRef> after = new java.util.ArrayList<>(state.mustKeepWorking("items"));
                after.add(new RevisionRef("items", release.version(), release.schema(), RevisionRef.Role.CANARY));
                return new GuardQuestion("apply of items " + release.version(), schema, after, List.of());
            }

            @Override
            public Change<String> accept(ServiceState state) {
                return Change.to(state.rolloutAccepted(Revision.of(release)), "accepted");
            }
        };
    }
}
