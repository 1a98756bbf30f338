package dev.slipway.controller.state;

import dev.slipway.controller.guard.RevisionRef;
import dev.slipway.router.HeaderRoute;
import dev.slipway.runtime.Replica;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.Set;

import static dev.slipway.controller.sequence.ServiceUnderTest.release;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ServiceStateTest {
    private static final Replica STABLE_REPLICA = new Replica("items-1.0.0-0-1", "items", "1.0.0", "127.0.0.1", 1);
    private static final Replica CANARY_REPLICA = new Replica("items-1.1.0-0-2", "items", "1.1.0", "127.0.0.1", 2);

    private final Revision stable = new Revision(release("1.0.0", 1, 1, false, false),
            List.of(new BoundReplica(STABLE_REPLICA, Optional.of(1))));
    private final Revision canary = new Revision(release("1.1.0", 1, 2, false, false),
            List.of(new BoundReplica(CANARY_REPLICA, Optional.of(1))));
    private final ServiceState rolling = ServiceState.empty().firstDeployAccepted(stable).firstDeployDone()
            .rolloutAccepted(canary).withCanaryWeight(30).withHeaderRoute(new HeaderRoute("X-Canary", "on", "1.1.0"))
            .previewingCanary().withRequests(requests -> requests.promoted(false));

    @Test
    void aRolloutInProgressMustKeepStableAndCanaryWorking() {
        assertThat(rolling.mustKeepWorking("items")).extracting(RevisionRef::version, RevisionRef::role)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("1.0.0", RevisionRef.Role.STABLE),
                        org.assertj.core.groups.Tuple.tuple("1.1.0", RevisionRef.Role.CANARY));
        assertThat(rolling.runningVersions()).containsExactly("1.0.0", "1.1.0");
        assertThat(rolling.desiredVersion()).contains("1.1.0");
    }

    @Test
    void aPromotionKeepingTheOutgoingReleaseMakesItTheRollbackTargetAndEndsTheRollout() {
        ServiceState promoted = rolling.promoted(true);

        assertThat(promoted.stable()).contains(canary);
        assertThat(promoted.previous()).contains(stable);
        assertThat(promoted.canary()).isEmpty();
        assertThat(promoted.canaryWeight()).isZero();
        assertThat(promoted.headerRoutes()).isEmpty();
        assertThat(promoted.previewCanary()).isFalse();
        assertThat(promoted.requests()).isEqualTo(RolloutRequests.none());
        assertThat(promoted.mustKeepWorking("items")).extracting(RevisionRef::role)
                .containsExactly(RevisionRef.Role.STABLE, RevisionRef.Role.ROLLBACK_TARGET);
        assertThat(rolling.promoted(false).previous()).as("not kept").isEmpty();
    }

    @Test
    void anAbortSendsEverythingBackToStableAndWantsItAgain() {
        ServiceState aborted = rolling.aborted();

        assertThat(aborted.stable()).contains(stable);
        assertThat(aborted.canary()).isEmpty();
        assertThat(aborted.desiredVersion()).contains("1.0.0");
        assertThat(aborted.canaryWeight()).isZero();
    }

    @Test
    void aSwitchBackMakesTheKeptReleaseStableAndNoLongerATarget() {
        ServiceState switched = rolling.promoted(true).switchedBack();

        assertThat(switched.stable()).contains(stable);
        assertThat(switched.previous()).isEmpty();
        assertThat(switched.desiredVersion()).contains("1.0.0");
    }

    @Test
    void replicasJoinOnlyTheRevisionTheyWereStartedFor() {
        BoundReplica another = new BoundReplica(new Replica("items-1.1.0-1-3", "items", "1.1.0", "127.0.0.1", 3),
                Optional.of(1));

        assertThat(rolling.withReplica(Slot.CANARY, "1.1.0", another).canary().orElseThrow().replicas()).hasSize(2);
        assertThatThrownBy(() -> rolling.aborted().withReplica(Slot.CANARY, "1.1.0", another))
                .hasMessageContaining("no longer 1.1.0");
    }

    @Test
    void aStoppedReplicaLeavesItsRevisionAndTheDrainingOnes() {
        ServiceState draining = rolling.drainingToo(List.of(CANARY_REPLICA));
        assertThat(draining.draining()).containsExactly(CANARY_REPLICA.id());

        ServiceState gone = draining.withoutReplica(CANARY_REPLICA);

        assertThat(gone.draining()).isEmpty();
        assertThat(gone.canary().orElseThrow().replicas()).isEmpty();
        assertThat(gone.stable().orElseThrow().replicas()).hasSize(1);
    }

    @Test
    void aSchemaTransitionIsCarriedUntilItEnds() {
        SchemaTransition complete = new SchemaTransition("schema complete of version 2", Set.of(1, 2).stream()
                .collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new)), new java.util.TreeSet<>(Set.of(2)));

        assertThat(rolling.inSchemaTransition(complete).schemaTransition()).contains(complete);
        assertThat(rolling.inSchemaTransition(complete).schemaTransitionEnded().schemaTransition()).isEmpty();
    }
}
