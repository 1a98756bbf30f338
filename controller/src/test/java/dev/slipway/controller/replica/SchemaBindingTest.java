package dev.slipway.controller.replica;

import dev.slipway.controller.state.BoundReplica;
import dev.slipway.controller.state.SchemaTransition;
import dev.slipway.model.SchemaRange;
import dev.slipway.runtime.Replica;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SchemaBindingTest {
    private static final SchemaRange ONE_AND_TWO = new SchemaRange(1, 2);

    @Test
    void aNewReplicaReadsTheNewestVersionItCanRead() {
        assertThat(bind(ONE_AND_TWO, state(1, 2), Optional.empty())).isEqualTo(new SchemaBinding(2, "public_v2"));
        assertThat(bind(SchemaRange.only(1), state(1, 2), Optional.empty())).isEqualTo(new SchemaBinding(1, "public_v1"));
    }

    @Test
    void duringARollbackANewReplicaReadsAVersionThatStays() {
        Optional<SchemaTransition> rollback = Optional.of(transition(state(1, 2), state(1)));

        assertThat(bind(ONE_AND_TWO, state(1, 2), rollback)).isEqualTo(new SchemaBinding(1, "public_v1"));
    }

    @Test
    void duringAnExpandANewReplicaKeepsToTheViewsThatExistAlready() {
        Optional<SchemaTransition> start = Optional.of(transition(state(1), state(1, 2)));

        assertThat(bind(ONE_AND_TWO, state(1), start)).isEqualTo(new SchemaBinding(1, "public_v1"));
    }

    @Test
    void duringAnOpaqueMigrationANewReplicaGetsASearchPathOfBothSidesTheNewOneFirst() {
        Optional<SchemaTransition> opaque = Optional.of(transition(state(1), state(2)));

        assertThat(bind(ONE_AND_TWO, state(1), opaque)).isEqualTo(new SchemaBinding(2, "public_v2,public_v1"));
    }

    @Test
    void aReleaseThatReadsNothingOfTheStateCannotBeBound() {
        assertThatThrownBy(() -> bind(SchemaRange.only(3), state(1, 2), Optional.empty()))
                .hasMessageContaining("reads none of");
    }

    @Test
    void beforeViewsDropAReplicaMovesToTheNewestVersionThatStays() {
        assertThat(SchemaBinding.beforeViewsDrop(ONE_AND_TWO, state(1, 2), state(2), SchemaBindingTest::view))
                .isEqualTo(new SchemaBinding(2, "public_v2"));
        // the rollback of an opaque migration brings views back that do not exist yet
        assertThat(SchemaBinding.beforeViewsDrop(ONE_AND_TWO, state(2), state(1), SchemaBindingTest::view))
                .isEqualTo(new SchemaBinding(1, "public_v1,public_v2"));
    }

    @Test
    void beforeAnOpaqueMigrationAReplicaReadsBothTheNewOneFirst() {
        assertThat(SchemaBinding.beforeOpaqueMigration(ONE_AND_TWO, state(1), 2, SchemaBindingTest::view))
                .isEqualTo(new SchemaBinding(2, "public_v2,public_v1"));
    }

    @Test
    void anAdoptedReplicaCountsAsBoundOnlyWhenItsReleaseReadsOneVersionOfTheState() {
        BoundReplica adopted = BoundReplica.adopted(new Replica("items-1.0.0-0-1", "items", "1.0.0", "127.0.0.1", 1));
        BoundReplica started = new BoundReplica(adopted.replica(), Optional.of(1));

        assertThat(SchemaBinding.boundToOneOf(adopted, SchemaRange.only(1), state(1, 2), state(1))).isTrue();
        assertThat(SchemaBinding.boundToOneOf(adopted, ONE_AND_TWO, state(1, 2), state(2))).as("unknown: move it").isFalse();
        assertThat(SchemaBinding.boundToOneOf(started, ONE_AND_TWO, state(1, 2), state(2))).isFalse();
        assertThat(SchemaBinding.boundToOneOf(started, ONE_AND_TWO, state(1, 2), state(1))).isTrue();
    }

    private static SchemaBinding bind(SchemaRange reads, SortedSet<Integer> now, Optional<SchemaTransition> transition) {
        return SchemaBinding.forNewReplica(reads, now, transition, SchemaBindingTest::view);
    }

    private static SchemaTransition transition(SortedSet<Integer> before, SortedSet<Integer> after) {
        return new SchemaTransition("test", before, after);
    }

    private static String view(int version) {
        return "public_v" + version;
    }

    private static SortedSet<Integer> state(Integer... versions) {
        return new TreeSet<>(List.of(versions));
    }
}
