package dev.slipway.controller.sequence;

import dev.slipway.controller.RolloutController;
import dev.slipway.controller.ServiceStatus;
import dev.slipway.controller.guard.GuardRefusedException;
import dev.slipway.controller.store.AuditEntry;
import dev.slipway.controller.store.RolloutPhase;
import dev.slipway.controller.store.RolloutRecord;
import dev.slipway.schema.BackfillListener;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static dev.slipway.controller.sequence.ServiceUnderTest.ACTOR;
import static dev.slipway.controller.sequence.ServiceUnderTest.SERVICE;
import static dev.slipway.controller.sequence.ServiceUnderTest.release;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The acceptance points of the guard at the controller level, one scenario each: binary and schema move
 * separately; an opaque migration waits for every binary; undo while the schema has not moved, refused after the
 * contract; status shows both sides and what is allowed; contractAfter. Real controller, coordinator, engine and
 * store on PostgreSQL; replicas and router in memory.
 */
class GuardAcceptanceTest extends OnePostgresPerClass {
    @BeforeEach
    void freshService() {
        service = new ServiceUnderTest(postgres);
        service.givenSchemaVersion1();
    }

    // ------------------------------------------------------------------ binary and schema move separately

    @Test
    void aRolloutLeavesTheSchemaAloneAndASchemaStartLeavesTheBinariesAlone() {
        service.applyAndSettle(release("1.0.0", 1, 2, false, false));
        service.applyAndSettle(release("1.0.1", 1, 2, true, false));
        assertThat(service.schemaState()).containsExactly(1);
        assertThat(controller().runningVersions()).containsExactly("1.0.0", "1.0.1");
        RolloutRecord paused = service.latestRollout();

        service.schema().start(service.migration(2, false), ACTOR, BackfillListener.NONE);

        assertThat(service.schemaState()).containsExactly(1, 2);
        assertThat(controller().runningVersions()).containsExactly("1.0.0", "1.0.1");
        assertThat(service.latestRollout().phase()).isEqualTo(RolloutPhase.PAUSED);
        assertThat(service.latestRollout().id()).isEqualTo(paused.id());
        assertThat(controller().status().canaryWeight()).isEqualTo(50);

        promote();
        assertThat(controller().runningVersions()).containsExactly("1.0.1");
        assertThat(service.schemaState()).containsExactly(1, 2);
    }

    // ------------------------------------------------------------------ opaque migrations: binary first

    @Test
    void anOpaqueMigrationIsRefusedWhileARunningBinaryDoesNotReadItsVersionAndAllowedOnceAllDo() {
        service.applyAndSettle(release("1.0.0", 1, 1, false, false));
        List<String> catalog = service.catalog();

        assertThatThrownBy(() -> startOpaque(2))
                .isInstanceOf(GuardRefusedException.class)
                .hasMessageContaining("schema start of version 2")
                .hasMessageContaining("{2}")
                .hasMessageContaining("stable items 1.0.0 reads schema [1, 1]")
                .hasMessageContaining("roll out a binary that reads 2 everywhere first")
                .hasMessageContaining("--force --backup");
        assertThat(service.catalog()).isEqualTo(catalog);

        service.applyAndSettle(release("1.0.1", 1, 2, true, false));
        assertThatThrownBy(() -> startOpaque(2)).as("1.0.0 still runs beside the canary")
                .isInstanceOf(GuardRefusedException.class)
                .hasMessageContaining("stable items 1.0.0 reads schema [1, 1]");

        promote();
        startOpaque(2);
        assertThat(service.schemaState()).containsExactly(2);
        assertThat(service.query("SELECT column_name FROM information_schema.columns WHERE table_schema = 'public_v2'"
                + " AND table_name = 'items' ORDER BY ordinal_position")).containsExactly("id", "name", "r_2");
    }

    // ------------------------------------------------------------------ replicas keep a view schema they read

    @Test
    void aContractFirstMovesTheReplicasStartedOnTheVersionItDrops() {
        service.applyAndSettle(release("1.0.0", 1, 2, false, false)); // started while the state is {1}: bound to public_v1
        service.schema().start(service.migration(2, false), ACTOR, BackfillListener.NONE);
        assertThat(service.runtime.databaseSchemas("1.0.0")).containsExactly("public_v1");

        service.schema().complete(ACTOR);

        assertThat(service.schemaState()).containsExactly(2);
        assertThat(service.runtime.databaseSchemas("1.0.0")).containsExactly("public_v2");
    }

    @Test
    void anOpaqueMigrationAndItsRollbackFirstGiveTheReplicasASearchPathOfBothVersions() {
        service.applyAndSettle(release("1.0.0", 1, 2, false, false));

        startOpaque(2);

        assertThat(service.schemaState()).containsExactly(2);
        assertThat(service.runtime.databaseSchemas("1.0.0")).containsExactly("public_v2,public_v1");

        service.schema().rollback(ACTOR);

        assertThat(service.schemaState()).containsExactly(1);
        assertThat(service.runtime.databaseSchemas("1.0.0")).as("back to the views the rollback recreates")
                .containsExactly("public_v1,public_v2");
    }

    // ------------------------------------------------------------------ undo

    @Test
    void undoIsAllowedWhileTheSchemaHasNotMoved() {
        service.applyAndSettle(release("1.0.0", 1, 1, false, false));
        service.applyAndSettle(release("1.0.1", 1, 2, false, false));
        assertThat(controller().stableVersion()).contains("1.0.1");

        RolloutRecord undone = controller().undo(null, ACTOR);

        assertThat(undone.phase()).isEqualTo(RolloutPhase.PROMOTED);
        assertThat(undone.fromVersion()).isEqualTo("1.0.1");
        assertThat(undone.toVersion()).isEqualTo("1.0.0");
        service.settle(Optional.empty());
        assertThat(controller().runningVersions()).containsExactly("1.0.0");
        assertThat(service.schemaState()).containsExactly(1);
    }

    @Test
    void undoAfterTheContractIsRefusedNamingTheRevisionTheVersionsAndTheWaysForward() {
        service.applyAndSettle(release("1.0.0", 1, 1, false, false));
        service.schema().start(service.migration(2, false), ACTOR, BackfillListener.NONE);
        service.applyAndSettle(release("1.0.1", 2, 2, false, false));
        service.schema().complete(ACTOR);
        assertThat(service.schemaState()).containsExactly(2);
        RolloutRecord before = service.latestRollout();

        assertThatThrownBy(() -> controller().undo(null, ACTOR))
                .isInstanceOf(GuardRefusedException.class)
                .hasMessageContaining("undo to items 1.0.0 would leave the schema at {2}")
                .hasMessageContaining("1.0.0 reads schema [1, 1]")
                .hasMessageContaining("Roll forward instead: ship a release that reads schema {2}")
                .hasMessageContaining("reverse migration back to a version 1.0.0 reads ([1, 1])")
                .hasMessageContaining("--force --backup");

        assertThat(service.latestRollout()).isEqualTo(before);
        assertThat(controller().runningVersions()).containsExactly("1.0.1");
        assertThat(check(controller().status(), "rollout undo --to 1.0.0").allowed()).isFalse();
        assertThat(service.store.history(SERVICE, 1).get(0).outcome()).isEqualTo("refused");
    }

    // ------------------------------------------------------------------ status

    @Test
    void statusShowsTheBinariesTheSchemaStateAndWhatIsAllowed() {
        service.applyAndSettle(release("1.0.0", 1, 1, false, false));
        service.schema().start(service.migration(2, false), ACTOR, BackfillListener.NONE);
        service.applyAndSettle(release("1.0.1", 2, 2, true, false));

        ServiceStatus status = controller().status();

        assertThat(status.stable()).hasValueSatisfying(stable -> {
            assertThat(stable.version()).isEqualTo("1.0.0");
            assertThat(stable.schema().toString()).isEqualTo("[1, 1]");
            assertThat(stable.readyReplicas()).isEqualTo(1);
        });
        assertThat(status.canary()).hasValueSatisfying(canary -> {
            assertThat(canary.version()).isEqualTo("1.0.1");
            assertThat(canary.schema().toString()).isEqualTo("[2, 2]");
        });
        assertThat(status.canaryWeight()).isEqualTo(50);
        assertThat(status.schemaState()).containsExactly(1, 2);
        assertThat(status.migration()).hasValueSatisfying(migration -> {
            assertThat(migration.version()).isEqualTo(2);
            assertThat(migration.phase()).isEqualTo("expanded");
        });
        assertThat(status.schemaUpdatePending()).isTrue();
        assertThat(check(status, "rollout promote").allowed()).isTrue();
        assertThat(check(status, "rollout abort").allowed()).isTrue();
        assertThat(check(status, "rollout undo").allowed()).isFalse();
        assertThat(check(status, "schema complete").allowed()).isFalse();
        assertThat(check(status, "schema complete").reason()).contains("stable items 1.0.0 reads schema [1, 1]");
        assertThat(check(status, "schema rollback").allowed()).isFalse();
        assertThat(check(status, "schema rollback").reason()).contains("canary items 1.0.1 reads schema [2, 2]");

        promote();
        ServiceStatus promoted = controller().status();
        assertThat(promoted.stable()).map(ServiceStatus.RevisionStatus::version).contains("1.0.1");
        assertThat(promoted.canary()).isEmpty();
        assertThat(check(promoted, "schema complete").allowed()).isTrue();
        assertThat(check(promoted, "schema rollback").allowed()).isFalse();
    }

    // ------------------------------------------------------------------ contractAfter

    // contractAfter is an hour here and the test moves the controller's clock: on a loaded machine a short real
    // delay can pass in the middle of the sequence a test drives (between two applies) and change its meaning.
    private static final Duration CONTRACT_AFTER = Duration.ofHours(1);

    @Test
    void contractAfterCompletesTheMigrationOnceDueAfterPromotionAndNotBefore() {
        service.applyAndSettle(release("1.0.0", 1, 1, false, false));
        service.schema().start(service.migration(2, false), ACTOR, BackfillListener.NONE);
        service.applyAndSettle(release("1.0.1", 2, 2, true, false, Optional.of(CONTRACT_AFTER)));

        service.clock.advance(CONTRACT_AFTER.multipliedBy(2));
        ServiceUnderTest.sleep(1_500); // a contract check or more runs meanwhile (every second)
        assertThat(service.schemaState()).as("1.0.0 still runs beside the canary").containsExactly(1, 2);

        promote();
        Instant promotedAt = service.latestRollout().updatedAt();
        ServiceStatus pending = controller().status();
        assertThat(pending.schemaUpdatePending()).isTrue();
        assertThat(pending.contractAt()).contains(promotedAt.plus(CONTRACT_AFTER));

        service.clock.advance(CONTRACT_AFTER.minusSeconds(30));
        ServiceUnderTest.sleep(1_500);
        assertThat(service.schemaState()).as("30 s before contractAfter is due").containsExactly(1, 2);

        service.clock.advance(Duration.ofSeconds(31));
        ServiceUnderTest.await("the migration is completed by contractAfter", Duration.ofSeconds(8),
                () -> service.schemaState().equals(java.util.Set.of(2)));
        assertThat(controller().status().schemaUpdatePending()).isFalse();
        assertThat(service.store.history(SERVICE, 50)).anySatisfy(entry -> {
            assertThat(entry.action()).isEqualTo("schema complete of version 2");
            assertThat(entry.actor()).isEqualTo("contractAfter of 1.0.1");
            assertThat(entry.outcome()).isEqualTo("done");
            assertThat(entry.at()).isAfterOrEqualTo(promotedAt.plus(CONTRACT_AFTER));
        });
    }

    @Test
    void contractAfterWaitsWhileAnotherRevisionRuns() {
        service.applyAndSettle(release("1.0.0", 1, 1, false, false));
        service.schema().start(service.migration(2, false), ACTOR, BackfillListener.NONE);
        service.applyAndSettle(release("1.0.1", 2, 2, false, false, Optional.of(CONTRACT_AFTER)));
        service.applyAndSettle(release("1.0.2", 2, 2, true, false));

        service.clock.advance(CONTRACT_AFTER.multipliedBy(2));
        ServiceUnderTest.sleep(1_500);

        assertThat(controller().runningVersions()).containsExactly("1.0.1", "1.0.2");
        assertThat(service.schemaState()).containsExactly(1, 2);
        assertThat(controller().status().schemaUpdatePending()).isTrue();
    }

    /**
     * BUG: contractAt() reads the promotion time from the latest rollout only, so once a later rollout is aborted the
     * stable release's contractAfter never fires again: the migration stays expanded, contractAt is empty.
     */
    @Test
    void contractAfterStillCompletesOnceAnAbortedRolloutLeavesTheReleaseAloneAgain() {
        service.applyAndSettle(release("1.0.0", 1, 1, false, false));
        service.schema().start(service.migration(2, false), ACTOR, BackfillListener.NONE);
        service.applyAndSettle(release("1.0.1", 2, 2, false, false, Optional.of(CONTRACT_AFTER)));
        service.applyAndSettle(release("1.0.2", 2, 2, true, false));
        controller().abort(ACTOR, "bad canary");
        ServiceUnderTest.await("the rollout of 1.0.2 is aborted", Duration.ofSeconds(5),
                () -> service.latestRollout().phase() == RolloutPhase.ABORTED);
        service.settle(Optional.empty());
        assertThat(controller().runningVersions()).containsExactly("1.0.1");

        assertThat(controller().status().contractAt()).as("when 1.0.1's contractAfter completes the migration")
                .isPresent();
        service.clock.advance(CONTRACT_AFTER);
        ServiceUnderTest.await("1.0.1, alone and healthy again, gets its contract", Duration.ofSeconds(6),
                () -> service.schemaState().equals(java.util.Set.of(2)));
    }

    // ------------------------------------------------------------------ forced overrides

    @Test
    void aForcedCompleteIsAuditedWithTheBackupAndItsChecksum() {
        service.applyAndSettle(release("1.0.0", 1, 1, false, false));
        service.schema().start(service.migration(2, false), ACTOR, BackfillListener.NONE);

        service.schema().complete(ACTOR, Optional.of(service.force()));

        assertThat(service.schemaState()).containsExactly(2);
        assertThat(service.store.history(SERVICE, 10)).anySatisfy(entry -> {
            assertThat(entry.outcome()).isEqualTo("forced");
            assertThat(entry.action()).isEqualTo("schema complete of version 2");
            assertThat(entry.detail()).contains("stable items 1.0.0 reads schema [1, 1]")
                    .contains(service.backup.toAbsolutePath().toString()).contains(service.backupSha256());
        });
    }

    @Test
    void aForcedStartTheEngineRefusesIsAuditedAsFailedAndChangesNothing() {
        service.applyAndSettle(release("1.0.0", 1, 1, false, false));
        service.schema().start(service.migration(2, false), ACTOR, BackfillListener.NONE);

        // the guard refuses the opaque 3 (1.0.0 does not read it), the force lets it through, the engine refuses:
        // one migration in flight per schema
        assertThatThrownBy(() -> service.schema().start(service.migration(3, true), ACTOR, BackfillListener.NONE,
                Optional.of(service.force()))).hasMessageContaining("in flight");

        assertThat(service.schemaState()).containsExactly(1, 2);
        List<AuditEntry> newestFirst = service.store.history(SERVICE, 2);
        assertThat(newestFirst).extracting(AuditEntry::outcome).containsExactly("failed", "forced");
        assertThat(newestFirst.get(0).action()).isEqualTo(newestFirst.get(1).action()).startsWith("schema start of version 3");
        assertThat(newestFirst.get(0).detail()).contains("in flight");
    }

    /**
     * BUG: a forced undo to a release that reads none of the schema state throws out of the strategy
     * (SchemaRange.newestReadable in startReplica) after the rollout was saved and the canary set: nothing drives it
     * any more, so it stays PROGRESSING, abort and promote are accepted but do nothing, and every apply is refused
     * with "a rollout of 1.0.0 is in progress".
     */
    @Test
    void aForcedUndoThatCannotStartEndsAbortedInsteadOfWedgingTheService() {
        service.applyAndSettle(release("1.0.0", 1, 1, false, false));
        service.schema().start(service.migration(2, false), ACTOR, BackfillListener.NONE);
        service.applyAndSettle(release("1.0.1", 2, 2, false, false));
        service.schema().complete(ACTOR);

        try {
            controller().undo(null, ACTOR, Optional.of(service.force()));
        } catch (IllegalStateException e) {
            // how it fails is up to the controller; what it leaves behind is checked below
        }

        assertThat(service.store.history(SERVICE, 10)).anySatisfy(entry -> {
            assertThat(entry.outcome()).isEqualTo("forced");
            assertThat(entry.detail()).contains(service.backupSha256());
        });
        ServiceUnderTest.await("the forced undo has finished one way or the other", Duration.ofSeconds(5),
                () -> service.latestRollout().phase().finished());
        assertThat(controller().runningVersions()).containsExactly("1.0.1");
    }

    // ------------------------------------------------------------------ crash and resume

    /**
     * BUG: resume() takes the toVersion of an ABORTED first deploy (fromVersion null) as the stable release, so a
     * restarted controller brings back a release whose deploy failed and starts its replicas again.
     */
    @Test
    void aCrashAfterAFailedFirstDeployBringsNothingBack() {
        service.applyAndSettle(release("1.0.0", 1, 1, false, true));
        assertThat(service.latestRollout().phase()).isEqualTo(RolloutPhase.ABORTED);
        assertThat(controller().runningVersions()).isEmpty();

        service.crashAndResume();
        service.settle(Optional.empty());

        assertThat(controller().runningVersions()).isEmpty();
        assertThat(controller().status().stable()).isEmpty();
    }

    /**
     * BUG: SchemaCoordinator.rollback (and checkRollback) computes the state after a rollback as the state minus the
     * in-flight version; for an opaque migration that is the empty set ({2} minus 2), while the engine really goes
     * back to the previous completed version {1}. So the guard refuses every opaque rollback while anything runs.
     */
    @Test
    void anOpaqueMigrationCanBeRolledBackWhileEveryRunningBinaryReadsThePreviousVersion() {
        service.applyAndSettle(release("1.0.0", 1, 2, false, false));
        startOpaque(2);
        assertThat(service.schemaState()).containsExactly(2);
        ServiceStatus.ActionCheck rollbackCheck = check(controller().status(), "schema rollback");

        service.schema().rollback(ACTOR);

        assertThat(service.schemaState()).containsExactly(1);
        assertThat(rollbackCheck.allowed()).as("status on schema rollback: " + rollbackCheck.reason()).isTrue();
    }

    // ------------------------------------------------------------------ helpers

    private RolloutController controller() {
        return service.controller();
    }

    /** Applies a release and waits until it runs (paused at 50 % or promoted) or failed. */

    private void promote() {
        controller().promote(ACTOR, false);
        ServiceUnderTest.await("the rollout is promoted", Duration.ofSeconds(5),
                () -> service.latestRollout().phase() == RolloutPhase.PROMOTED);
        service.settle(Optional.empty());
    }

    private void startOpaque(int version) {
        service.schema().start(service.migration(version, true), ACTOR, BackfillListener.NONE);
    }

    private static ServiceStatus.ActionCheck check(ServiceStatus status, String action) {
        return status.actions().stream().filter(check -> check.action().startsWith(action)).findFirst()
                .orElseThrow(() -> new AssertionError("status has no action " + action + ": " + status.actions()));
    }
}
