package dev.slipway.runtime.docker;

import dev.slipway.model.HealthSpec;
import dev.slipway.model.ProbeSpec;
import dev.slipway.runtime.Replica;
import dev.slipway.runtime.ReplicaState;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

/** The container replica's state machine alone: launches and probe results are fed in by hand. */
class DockerReplicaTest {
    private static final Instant LAUNCH = Instant.parse("2026-11-01T12:00:00Z");
    private static final HealthSpec HEALTH = new HealthSpec(
            new ProbeSpec("/ready", Duration.ofMillis(100), Duration.ofMillis(500), 3, Duration.ofSeconds(2)),
            new ProbeSpec("/live", Duration.ofMillis(100), Duration.ofMillis(500), 2, Duration.ofSeconds(2)));

    @Test
    void aContainerTheEngineRefusesFailsTheReplicaWithTheEnginesWords() {
        DockerReplica replica = newReplica();

        assertThat(replica.launch(0, () -> {
            throw new DockerEngineException("create container x from image orders:9: No such image: orders:9", true, null);
        }, at(LAUNCH))).isEmpty();

        assertThat(replica.state()).isEqualTo(ReplicaState.FAILED);
        assertThat(replica.failureReason()).hasValue("cannot start: create container x from image orders:9: "
                + "No such image: orders:9");
    }

    @Test
    void aRestartKeepsTheContainerAndIgnoresNewsAboutItsPreviousRun() {
        DockerReplica replica = newReplica();
        replica.launch(0, () -> "c0ffee", at(LAUNCH));
        replica.readinessProbed(0, true, LAUNCH.plusMillis(100));
        assertThat(replica.state()).isEqualTo(ReplicaState.READY);

        assertThat(replica.beginRestart(0, LAUNCH.plusSeconds(5))).hasValue("c0ffee");
        assertThat(replica.state()).isEqualTo(ReplicaState.STARTING);
        // The stop for the restart makes the previous run exit: that is no failure.
        assertThat(replica.containerExited(0, "exited with code 143")).isFalse();
        replica.readinessProbed(0, true, LAUNCH.plusSeconds(5));
        assertThat(replica.state()).isEqualTo(ReplicaState.STARTING);

        assertThat(replica.beginRestart(0, LAUNCH.plusSeconds(5))).as("the same failure decided twice").isEmpty();
        assertThat(replica.launch(1, () -> "c0ffee", at(LAUNCH.plusSeconds(6)))).hasValue("c0ffee");
        replica.readinessProbed(1, true, LAUNCH.plusSeconds(6));
        assertThat(replica.state()).isEqualTo(ReplicaState.READY);
        assertThat(replica.restarts()).isEqualTo(1);
        assertThat(replica.containerExited(1, "exited with code 1")).isTrue();
        assertThat(replica.failureReason()).hasValue("exited with code 1");
    }

    @Test
    void aStoppedReplicaIsNeverStartedAgain() {
        DockerReplica replica = newReplica();
        replica.launch(0, () -> "c0ffee", at(LAUNCH));
        replica.readinessProbed(0, true, LAUNCH.plusMillis(100));
        replica.beginRestart(0, LAUNCH.plusSeconds(1));

        assertThat(replica.markStopped()).isTrue();
        assertThat(replica.launch(1, () -> {
            throw new AssertionError("a stopped replica must not start");
        }, at(LAUNCH.plusSeconds(2)))).isEmpty();
        assertThat(replica.state()).isEqualTo(ReplicaState.STOPPED);
    }

    @Test
    void anAdoptedContainerIsStartingUntilItPassesReadinessAgain() {
        DockerReplica replica = newReplica();
        replica.adopt("c0ffee", LAUNCH);
        assertThat(replica.state()).isEqualTo(ReplicaState.STARTING);

        replica.readinessProbed(0, true, LAUNCH.plusMillis(100));
        assertThat(replica.awaitReady(Duration.ofMillis(10))).isEqualTo(ReplicaState.READY);
    }

    private static Clock at(Instant instant) {
        return Clock.fixed(instant, ZoneOffset.UTC);
    }

    private static DockerReplica newReplica() {
        Replica replica = new Replica("orders-1.0.0-0-abcdef", "orders", "1.0.0", "127.0.0.1", 1);
        return new DockerReplica(new ContainerLabels(replica, 0, HEALTH, "/state"),
                new ReplicaLog(Path.of("target/orders-1.0.0-0.log")));
    }
}
