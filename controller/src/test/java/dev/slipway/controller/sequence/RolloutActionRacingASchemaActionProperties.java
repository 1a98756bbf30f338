package dev.slipway.controller.sequence;

import dev.slipway.controller.guard.CompatibilityGuard;
import dev.slipway.controller.guard.GuardRefusedException;
import dev.slipway.controller.guard.RevisionRef;
import dev.slipway.model.ReleaseSpec;
import dev.slipway.schema.BackfillListener;
import net.jqwik.api.ForAll;
import net.jqwik.api.GenerationMode;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.function.Supplier;

import static dev.slipway.controller.sequence.ServiceUnderTest.ACTOR;
import static dev.slipway.controller.sequence.ServiceUnderTest.release;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * An apply or an undo racing a schema contract or rollback, in both orders that matter: the rollout action arrives
 * while the schema action, already past the guard, is moving replicas; or the schema action arrives while the
 * rollout, already accepted, is starting its first replica. In every interleaving the guard's invariant holds when
 * both have ended — every running binary and rollback target reads the schema state — and each action either ran or
 * was refused (by the guard, or as a conflict) without breaking anything.
 *
 * <p>Real controller, coordinator, schema engine and store on PostgreSQL; replicas and router in memory. A
 * {@link Hold} in the fake runtime stops the first action at the chosen point until the second has arrived.
 */
class RolloutActionRacingASchemaActionProperties {
    private static TestPostgres postgres;

    @BeforeContainer
    static void startPostgres() {
        QuietLogs.apply();
        postgres = TestPostgres.start();
    }

    @AfterContainer
    static void stopPostgres() {
        postgres.close();
    }

    /** Which schema action races; each has a setup where it must move replicas of stable 1.0.1 first. */
    enum SchemaAction {
        /** State {1, 2} → {2}; stable 1.0.1 reads [1, 2] on public_v1, the rollback target 1.0.0 reads [1, 1]. */
        COMPLETE("public_v2"),
        /** State {1, 2} → {1}; stable 1.0.1 reads [1, 2] on public_v2, the rollback target 1.0.0 reads [1, 1]. */
        ROLLBACK("public_v1");

        final String movesStableTo;

        SchemaAction(String movesStableTo) {
            this.movesStableTo = movesStableTo;
        }
    }

    /** Which rollout action races. */
    enum RolloutAction {
        /** Apply 1.0.2 reading [1, 1]: readable before a contract, not after. */
        APPLY_OLD_READER,
        /** Apply 1.0.2 reading [2, 2]: readable after a contract, not after a rollback. */
        APPLY_NEW_READER,
        /** Undo to 1.0.0, which reads [1, 1]. */
        UNDO
    }

    /** Which action goes first and is held half-way while the other arrives. */
    enum Order {
        SCHEMA_ACTION_MOVING_REPLICAS_FIRST, ROLLOUT_STARTING_ITS_REPLICA_FIRST
    }

    @Property(generation = GenerationMode.EXHAUSTIVE)
    void theInvariantHoldsInEveryInterleaving(@ForAll SchemaAction schemaAction, @ForAll RolloutAction rolloutAction,
                                              @ForAll Order order) {
        try (ServiceUnderTest service = new ServiceUnderTest(postgres)) {
            givenStable101KeptFrom100WithMigration2InFlight(service, schemaAction);
            List<String> steps = new ArrayList<>();
            String incoming = rolloutAction == RolloutAction.UNDO ? "1.0.0" : "1.0.2";
            ServiceUnderTest.PendingApply pending = service.pendingApply(incoming);
            Hold hold = order == Order.SCHEMA_ACTION_MOVING_REPLICAS_FIRST
                    ? service.runtime.holdStart(request -> request.revision().equals("1.0.1")
                    && request.environment().get("DATABASE_SCHEMA").equals(schemaAction.movesStableTo))
                    : service.runtime.holdStart(request -> request.revision().equals(incoming));

            Interleavings.Concurrent<Object> first;
            Interleavings.Concurrent<Object> second;
            if (order == Order.SCHEMA_ACTION_MOVING_REPLICAS_FIRST) {
                first = Interleavings.start("test-schema-action", schema(service, schemaAction));
                hold.awaitHeld(schemaAction + " moves the replicas of 1.0.1");
                second = Interleavings.start("test-rollout-action", rollout(service, rolloutAction));
            } else {
                first = Interleavings.start("test-rollout-action", rollout(service, rolloutAction));
                hold.awaitHeld(rolloutAction + " starts a replica of " + incoming);
                second = Interleavings.start("test-schema-action", schema(service, schemaAction));
            }
            // the second action has been decided, or waits for the first; an accepted apply has recorded its rollout
            Interleavings.awaitSteadily("the second action has arrived", () -> second.waitingOrDone()
                    && (!second.done() || second.failure() != null || service.startedOrFailed(pending)));
            hold.release();
            first.join();
            second.join();
            steps.add(order + ": " + outcome(first.failure(), second.failure()));
            Statistics.label("outcomes").collect(order, schemaAction, rolloutAction, kind(first.failure()),
                    kind(second.failure()));
            service.settle(Optional.empty());

            assertAcceptedOrRefused(schemaAction.name(), order == Order.SCHEMA_ACTION_MOVING_REPLICAS_FIRST
                    ? first.failure() : second.failure());
            assertAcceptedOrRefused(rolloutAction.name(), order == Order.SCHEMA_ACTION_MOVING_REPLICAS_FIRST
                    ? second.failure() : first.failure());
            SortedSet<Integer> state = service.schemaState();
            for (RevisionRef revision : service.controller().mustKeepWorking()) {
                assertThat(revision.schema().readsAnyOf(state))
                        .as("%s %s reads schema %s, the state is %s after %s", revision.role().label(),
                                revision.version(), revision.schema(), CompatibilityGuard.formatState(state), steps)
                        .isTrue();
            }
            service.router.checkCurrent();
            assertThat(service.router.violations()).as("route tables sent to the router").isEmpty();
        }
    }

    /**
     * 1.0.0 reads [1, 1]; 1.0.1 reads [1, 2] and replaced it (so undo goes back to 1.0.0). For a complete, 1.0.1 was
     * started on schema {1} (bound to public_v1) and migration 2 started after; for a rollback, migration 2 started
     * first and 1.0.1 runs on public_v2.
     */
    private static void givenStable101KeptFrom100WithMigration2InFlight(ServiceUnderTest service, SchemaAction action) {
        service.givenSchemaVersion1();
        rollOut(service, release("1.0.0", 1, 1, false, false));
        if (action == SchemaAction.COMPLETE) {
            rollOut(service, release("1.0.1", 1, 2, false, false));
            service.schema().start(service.migration(2, false), ACTOR, BackfillListener.NONE);
        } else {
            service.schema().start(service.migration(2, false), ACTOR, BackfillListener.NONE);
            rollOut(service, release("1.0.1", 1, 2, false, false));
        }
        assertThat(service.runtime.databaseSchemas("1.0.1")).containsExactly(
                action == SchemaAction.COMPLETE ? "public_v1" : "public_v2");
    }

    private static Supplier<Object> schema(ServiceUnderTest service, SchemaAction action) {
        return () -> {
            if (action == SchemaAction.COMPLETE) {
                service.schema().complete(ACTOR);
            } else {
                service.schema().rollback(ACTOR);
            }
            return null;
        };
    }

    private static Supplier<Object> rollout(ServiceUnderTest service, RolloutAction action) {
        return () -> {
            switch (action) {
                case APPLY_OLD_READER -> service.controller().apply(release("1.0.2", 1, 1, false, false), ACTOR);
                case APPLY_NEW_READER -> service.controller().apply(release("1.0.2", 2, 2, false, false), ACTOR);
                case UNDO -> service.controller().undo(null, ACTOR);
            }
            return null;
        };
    }

    /** Accepted, refused by the guard, or turned down as a conflict with the other action; never anything else. */
    private static void assertAcceptedOrRefused(String action, RuntimeException failure) {
        if (failure == null || failure instanceof GuardRefusedException) {
            return;
        }
        assertThat(failure.getClass().getSimpleName()).as(action + " failed with " + failure.getMessage())
                .isIn("ConflictException", "GuardRefusedException");
    }

    private static String kind(RuntimeException failure) {
        return failure == null ? "accepted" : failure.getClass().getSimpleName();
    }

    private static String outcome(RuntimeException first, RuntimeException second) {
        return "first " + (first == null ? "accepted" : first.getClass().getSimpleName() + " " + first.getMessage())
                + ", second " + (second == null ? "accepted" : second.getClass().getSimpleName() + " " + second.getMessage());
    }

    private static void rollOut(ServiceUnderTest service, ReleaseSpec release) {
        ServiceUnderTest.PendingApply pending = service.pendingApply(release.version());
        service.controller().apply(release, ACTOR);
        service.settle(Optional.of(pending));
    }
}
