package dev.slipway.runtime.local;

import dev.slipway.model.HealthSpec;
import dev.slipway.model.ProbeSpec;
import dev.slipway.runtime.Replica;
import dev.slipway.runtime.ReplicaState;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The replica state machine alone: probe results are fed in by hand, no process is launched. */
class LocalReplicaTest {
    private static final Instant LAUNCH = Instant.parse("2026-11-01T12:00:00Z");
    private static final ProbeSpec READINESS = new ProbeSpec("/ready", Duration.ofMillis(100), Duration.ofMillis(500), 3,
            Duration.ofSeconds(2));
    private static final ProbeSpec LIVENESS = new ProbeSpec("/live", Duration.ofMillis(100), Duration.ofMillis(500), 2,
            Duration.ofSeconds(2));

    @Test
    void readinessFailuresPastTheThresholdTakeAReadyReplicaOutOfTrafficUntilItPassesAgain() {
        LocalReplica replica = runningReplica();
        replica.readinessProbed(0, true, LAUNCH.plusMillis(100));
        assertThat(replica.state()).isEqualTo(ReplicaState.READY);

        replica.readinessProbed(0, false, LAUNCH.plusSeconds(10));
        replica.readinessProbed(0, false, LAUNCH.plusSeconds(10));
        assertThat(replica.state()).isEqualTo(ReplicaState.READY);
        replica.readinessProbed(0, false, LAUNCH.plusSeconds(10));
        assertThat(replica.state()).isEqualTo(ReplicaState.NOT_READY);

        replica.readinessProbed(0, true, LAUNCH.plusSeconds(11));
        assertThat(replica.state()).isEqualTo(ReplicaState.READY);
    }

    @Test
    void failuresWithinTheStartPeriodKeepAReplicaStartingAndFailItAfterwards() {
        LocalReplica replica = runningReplica();
        replica.readinessProbed(0, false, LAUNCH.plusSeconds(1));
        assertThat(replica.state()).isEqualTo(ReplicaState.STARTING);

        replica.readinessProbed(0, false, LAUNCH.plusSeconds(3));
        assertThat(replica.state()).isEqualTo(ReplicaState.FAILED);
        assertThat(replica.isProbed()).isFalse();
    }

    @Test
    void livenessFailuresCountOnlyOnceTheReplicaWasReady() {
        LocalReplica replica = runningReplica();
        assertThat(replica.livenessProbed(0, false)).isFalse();
        assertThat(replica.livenessProbed(0, false)).isFalse();

        replica.readinessProbed(0, true, LAUNCH.plusMillis(100));
        assertThat(replica.livenessProbed(0, false)).isFalse();
        assertThat(replica.livenessProbed(0, true)).isFalse();
        assertThat(replica.livenessProbed(0, false)).isFalse();
        assertThat(replica.livenessProbed(0, false)).as("second failure in a row").isTrue();
    }

    @Test
    void aRestartStartsOverAndIgnoresNewsAboutTheReplacedProcess() {
        LocalReplica replica = runningReplica();
        replica.readinessProbed(0, true, LAUNCH.plusMillis(100));

        assertThat(replica.beginRestart(LAUNCH.plusSeconds(5))).isPresent();
        assertThat(replica.state()).isEqualTo(ReplicaState.STARTING);
        assertThat(replica.restarts()).isEqualTo(1);
        assertThat(replica.generation()).isEqualTo(1);

        // The old process answers while dying, then exits: neither counts.
        replica.readinessProbed(0, true, LAUNCH.plusSeconds(5));
        assertThat(replica.processExited(0, "exited with code 143")).isFalse();
        replica.readinessProbed(1, true, LAUNCH.plusSeconds(5));
        assertThat(replica.state()).isEqualTo(ReplicaState.STARTING);
    }

    @Test
    void aStoppedReplicaStaysStoppedWhateverHappensNext() {
        LocalReplica replica = runningReplica();
        assertThat(replica.markStopped()).isTrue();
        assertThat(replica.markStopped()).isFalse();

        replica.readinessProbed(0, true, LAUNCH.plusMillis(100));
        assertThat(replica.processExited(0, "exited with code 143")).isFalse();
        assertThat(replica.beginRestart(LAUNCH.plusSeconds(1))).isEmpty();
        assertThat(replica.state()).isEqualTo(ReplicaState.STOPPED);
        assertThat(replica.awaitReady(Duration.ofSeconds(5))).isEqualTo(ReplicaState.STOPPED);
    }

    @Test
    void awaitReadyGivesUpAtTheDeadline() {
        LocalReplica replica = runningReplica();
        assertThat(replica.awaitReady(Duration.ofMillis(50))).isEqualTo(ReplicaState.STARTING);
    }

    /** A replica whose "process" is this JVM, taken over as if adopted, so no launch is needed. */
    private static LocalReplica runningReplica() {
        LaunchPlan plan = new LaunchPlan(List.of("backend"), Map.of(), Path.of("."), new HealthSpec(READINESS, LIVENESS));
        LocalReplica replica = new LocalReplica(new Replica("orders-1.0.0-0-abcdef", "orders", "1.0.0", "127.0.0.1", 1),
                0, plan, Path.of("orders-1.0.0-0.log"));
        replica.adopt(ProcessHandle.current(), LAUNCH, 0, LAUNCH);
        return replica;
    }
}
