package dev.slipway.controller.replica;

import dev.slipway.controller.ConflictException;
import dev.slipway.controller.sequence.ControllerParts;
import dev.slipway.controller.state.Revision;
import dev.slipway.controller.state.Slot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.TreeSet;

import static dev.slipway.controller.sequence.ServiceUnderTest.release;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReplicaMovesTest {
    private final ControllerParts parts = new ControllerParts();
    private final ReplicaMoves moves = new ReplicaMoves(parts.loop, parts.fleet, parts.events, version -> "public_v" + version);

    @AfterEach
    void close() {
        parts.close();
    }

    @Test
    void beforeAContractTheReplicasOnTheVersionThatGoesMoveToOneThatStays() {
        stableReading(1, 2); // started on {1}: bound to public_v1

        moves.beforeViewsDrop(new TreeSet<>(List.of(1, 2)), new TreeSet<>(List.of(2)));

        assertThat(parts.runtime.databaseSchemas("1.0.0")).containsExactly("public_v2", "public_v2");
        assertThat(parts.timeline).extracting(entry -> entry.event())
                .contains("moving 2 replica(s) of 1.0.0 to public_v2 before the old views go");
    }

    @Test
    void replicasAlreadyOnAStayingVersionAndReleasesThatReadNoneOfItStayWhereTheyAre() {
        stableReading(1, 1);

        moves.beforeViewsDrop(new TreeSet<>(List.of(1, 2)), new TreeSet<>(List.of(1)));
        moves.beforeViewsDrop(new TreeSet<>(List.of(1, 2)), new TreeSet<>(List.of(2)));

        assertThat(parts.runtime.databaseSchemas("1.0.0")).containsExactly("public_v1", "public_v1");
        assertThat(parts.timeline).isEmpty();
    }

    @Test
    void beforeAnOpaqueMigrationReplicasOfReleasesThatReadItGetASearchPath() {
        stableReading(1, 2);

        moves.beforeOpaqueMigration(new TreeSet<>(List.of(1)), 2);

        assertThat(parts.runtime.databaseSchemas("1.0.0")).containsOnly("public_v2,public_v1");
    }

    @Test
    void movingIsRefusedWhileARolloutOwnsTheReplicas() {
        stableReading(1, 2);
        parts.loop.update(state -> state.rolloutAccepted(Revision.of(release("1.0.1", 2, 2, false, false))));

        assertThatThrownBy(() -> moves.beforeViewsDrop(new TreeSet<>(List.of(1, 2)), new TreeSet<>(List.of(2))))
                .isInstanceOf(ConflictException.class).hasMessageContaining("a rollout of 1.0.1 is in progress");
        assertThat(parts.runtime.databaseSchemas("1.0.0")).containsOnly("public_v1");
    }

    private void stableReading(int min, int max) {
        parts.schemaState(1);
        parts.loop.update(state -> state.firstDeployAccepted(Revision.of(release("1.0.0", min, max, false, false))));
        parts.fleet.scale(Slot.CANARY, 2);
        parts.loop.update(state -> state.firstDeployDone());
        parts.schemaState(1, 2);
    }
}
