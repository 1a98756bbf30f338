package dev.slipway.controller.status;

import dev.slipway.controller.ServiceStatus;
import dev.slipway.controller.sequence.OnePostgresPerClass;
import dev.slipway.controller.sequence.ServiceUnderTest;
import dev.slipway.model.ReleaseSpec;
import dev.slipway.schema.BackfillListener;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static dev.slipway.controller.sequence.ServiceUnderTest.ACTOR;
import static dev.slipway.controller.sequence.ServiceUnderTest.release;
import static org.assertj.core.api.Assertions.assertThat;

/** Status is built from one read of the schema and of the latest rollout, however much it shows. */
class StatusReaderTest extends OnePostgresPerClass {

    @Test
    void statusWithARolloutAndAMigrationInFlightReadsTheDatabaseAFewTimesOnly() {
        try (ServiceUnderTest service = new ServiceUnderTest(postgres)) {
            service.givenSchemaVersion1();
            rollOut(service, release("1.0.0", 1, 1, false, false));
            rollOut(service, release("1.0.1", 1, 2, false, false));
            service.schema().start(service.migration(2, false), ACTOR, BackfillListener.NONE);
            rollOut(service, release("1.0.2", 1, 2, true, false));
            int before = service.connectionsTaken();

            ServiceStatus status = service.controller().status();

            // the schema's status (its history tables made sure of, then read) and the latest rollout
            assertThat(service.connectionsTaken() - before).as("connections taken by one status").isLessThanOrEqualTo(3);
            assertThat(status.stable()).map(ServiceStatus.RevisionStatus::version).contains("1.0.1");
            assertThat(status.canary()).map(ServiceStatus.RevisionStatus::version).contains("1.0.2");
            assertThat(status.canarySteps()).hasValue(2);
            assertThat(status.schemaState()).containsExactly(1, 2);
            assertThat(status.migration()).map(ServiceStatus.MigrationStatus::version).contains(2);
            assertThat(status.actions()).extracting(ServiceStatus.ActionCheck::action)
                    .containsExactly("rollout promote", "rollout abort", "rollout undo", "schema complete", "schema rollback");
        }
    }

    private static void rollOut(ServiceUnderTest service, ReleaseSpec release) {
        ServiceUnderTest.PendingApply pending = service.pendingApply(release.version());
        service.controller().apply(release, ACTOR);
        service.settle(Optional.of(pending));
    }
}
