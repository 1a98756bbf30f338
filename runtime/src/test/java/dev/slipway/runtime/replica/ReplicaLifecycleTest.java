package dev.slipway.runtime.replica;

import dev.slipway.model.HealthSpec;
import dev.slipway.model.ProbeSpec;
import dev.slipway.runtime.ReplicaState;
import dev.slipway.runtime.probe.ProbeResult;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The replica state machine alone, as both runtimes use it: launches and probe results are fed in by hand, and what
 * "runs" is a plain name standing for a process or a container.
 */
class ReplicaLifecycleTest {
    private static final Instant LAUNCH = Instant.parse("2026-11-01T12:00:00Z");
    private static final HealthSpec HEALTH = new HealthSpec(
            new ProbeSpec("/ready", Duration.ofMillis(100), Duration.ofMillis(500), 3, Duration.ofSeconds(2)),
            new ProbeSpec("/live", Duration.ofMillis(100), Duration.ofMillis(500), 2, Duration.ofSeconds(2)));

    @Test
    void readinessFailuresPastTheThresholdTakeAReadyReplicaOutOfTrafficUntilItPassesAgain() {
        ReplicaLifecycle<String> replica = launched();
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
        ReplicaLifecycle<String> replica = launched();
        replica.readinessProbed(0, false, LAUNCH.plusSeconds(1));
        assertThat(replica.state()).isEqualTo(ReplicaState.STARTING);

        replica.readinessProbed(0, false, LAUNCH.plusSeconds(3));
        assertThat(replica.state()).isEqualTo(ReplicaState.FAILED);
        assertThat(replica.failureReason()).hasValue("not ready within the start period of 2000 ms "
                + "(/ready never answered 2xx)");
        assertThat(replica.isProbed()).isFalse();
    }

    @Test
    void livenessFailuresCountOnlyOnceTheReplicaWasReady() {
        ReplicaLifecycle<String> replica = launched();
        assertThat(replica.livenessProbed(0, false)).isFalse();
        assertThat(replica.livenessProbed(0, false)).isFalse();

        replica.readinessProbed(0, true, LAUNCH.plusMillis(100));
        assertThat(replica.livenessProbed(0, false)).isFalse();
        assertThat(replica.livenessProbed(0, true)).isFalse();
        assertThat(replica.livenessProbed(0, false)).isFalse();
        assertThat(replica.livenessProbed(0, false)).as("second failure in a row").isTrue();
    }

    @Test
    void aRestartWaitingForItsTurnIsDroppedWhenLivenessRecoveredMeanwhile() {
        ReplicaLifecycle<String> replica = launched();
        replica.readinessProbed(0, true, LAUNCH.plusMillis(100));
        replica.livenessProbed(0, false);
        assertThat(replica.livenessProbed(0, false)).isTrue();
        assertThat(replica.stillNeedsRestart(0)).isTrue();

        replica.livenessProbed(0, true);
        assertThat(replica.stillNeedsRestart(0)).isFalse();
    }

    @Test
    void aLivenessPathAnswering404EndsLivenessProbingInsteadOfCallingForARestart() {
        ReplicaLifecycle<String> replica = launched();
        replica.readinessProbed(0, true, LAUNCH.plusMillis(100));

        assertThat(replica.livenessProbed(0, ProbeResult.NOT_FOUND)).isEqualTo(ReplicaLifecycle.LivenessVerdict.KEEP);
        assertThat(replica.livenessProbed(0, ProbeResult.NOT_FOUND))
                .isEqualTo(ReplicaLifecycle.LivenessVerdict.PATH_NOT_FOUND);
        assertThat(replica.isLivenessProbed()).isFalse();
        assertThat(replica.livenessProbed(0, ProbeResult.FAILED)).isEqualTo(ReplicaLifecycle.LivenessVerdict.KEEP);
        assertThat(replica.state()).isEqualTo(ReplicaState.READY);
    }

    @Test
    void aReadinessPathAnswering404FailsTheReplicaOnceItCameThresholdTimesInARow() {
        ReplicaLifecycle<String> replica = launched();
        replica.readinessProbed(0, ProbeResult.NOT_FOUND, LAUNCH.plusMillis(100));
        replica.readinessProbed(0, ProbeResult.NOT_FOUND, LAUNCH.plusMillis(200));
        replica.readinessProbed(0, ProbeResult.FAILED, LAUNCH.plusMillis(300));
        replica.readinessProbed(0, ProbeResult.NOT_FOUND, LAUNCH.plusMillis(400));
        replica.readinessProbed(0, ProbeResult.NOT_FOUND, LAUNCH.plusMillis(500));
        assertThat(replica.state()).as("not three in a row yet").isEqualTo(ReplicaState.STARTING);

        replica.readinessProbed(0, ProbeResult.NOT_FOUND, LAUNCH.plusMillis(600));
        assertThat(replica.state()).isEqualTo(ReplicaState.FAILED);
        assertThat(replica.failureReason()).hasValueSatisfying(reason ->
                assertThat(reason).startsWith("readiness path /ready answered 404 Not Found 3 times in a row"));
    }

    @Test
    void aRunThatCannotStartFailsTheReplicaWithTheReason() {
        ReplicaLifecycle<String> container = new ReplicaLifecycle<>("orders-1.0.0-0-abcdef", HEALTH);
        assertThat(container.launch(0, "", () -> {
            throw new IllegalStateException("create container x from image orders:9: No such image: orders:9");
        }, at(LAUNCH))).isEmpty();
        assertThat(container.state()).isEqualTo(ReplicaState.FAILED);
        assertThat(container.failureReason()).hasValue("cannot start: create container x from image orders:9: "
                + "No such image: orders:9");

        ReplicaLifecycle<String> process = new ReplicaLifecycle<>("orders-1.0.0-0-abcdef", HEALTH);
        process.launch(0, "[orders]", () -> {
            throw new IOException("Cannot run program \"orders\": error=2, No such file or directory");
        }, at(LAUNCH));
        assertThat(process.failureReason()).hasValue("cannot start [orders]: Cannot run program \"orders\": "
                + "error=2, No such file or directory");
    }

    @Test
    void aRestartStartsOverAndIgnoresNewsAboutTheReplacedRun() {
        ReplicaLifecycle<String> replica = launched();
        replica.readinessProbed(0, true, LAUNCH.plusMillis(100));

        assertThat(replica.beginRestart(0, LAUNCH.plusSeconds(5))).hasValue("run-0");
        assertThat(replica.state()).isEqualTo(ReplicaState.STARTING);
        assertThat(replica.restarts()).isEqualTo(1);
        assertThat(replica.generation()).isEqualTo(1);

        // The old run answers while dying, then exits: neither counts.
        replica.readinessProbed(0, true, LAUNCH.plusSeconds(5));
        assertThat(replica.exited(0, "exited with code 143")).isFalse();
        replica.readinessProbed(1, true, LAUNCH.plusSeconds(5));
        assertThat(replica.state()).isEqualTo(ReplicaState.STARTING);
        assertThat(replica.beginRestart(0, LAUNCH.plusSeconds(5))).as("the same failure decided twice").isEmpty();

        assertThat(replica.launch(1, "", () -> "run-1", at(LAUNCH.plusSeconds(6)))).hasValue("run-1");
        replica.readinessProbed(1, true, LAUNCH.plusSeconds(6));
        assertThat(replica.state()).isEqualTo(ReplicaState.READY);
        assertThat(replica.exited(1, "exited with code 1")).isTrue();
        assertThat(replica.failureReason()).hasValue("exited with code 1");
    }

    @Test
    void aStoppedReplicaStaysStoppedAndIsNeverStartedAgain() {
        ReplicaLifecycle<String> replica = launched();
        replica.readinessProbed(0, true, LAUNCH.plusMillis(100));
        replica.beginRestart(0, LAUNCH.plusSeconds(1));

        assertThat(replica.stop(Duration.ofSeconds(1), () -> { })).isTrue();
        assertThat(replica.stop(Duration.ofSeconds(1), () -> {
            throw new AssertionError("a replica is stopped once");
        })).isFalse();
        assertThat(replica.launch(1, "", () -> {
            throw new AssertionError("a stopped replica must not start");
        }, at(LAUNCH.plusSeconds(2)))).isEmpty();
        replica.readinessProbed(1, true, LAUNCH.plusSeconds(2));
        assertThat(replica.exited(1, "exited with code 143")).isFalse();
        assertThat(replica.beginRestart(1, LAUNCH.plusSeconds(3))).isEmpty();
        assertThat(replica.state()).isEqualTo(ReplicaState.STOPPED);
        assertThat(replica.awaitReady(Duration.ofSeconds(5))).isEqualTo(ReplicaState.STOPPED);
    }

    @Test
    void anAdoptedRunIsStartingUntilItPassesReadinessAgainAndKeepsItsRestartCount() {
        ReplicaLifecycle<String> replica = new ReplicaLifecycle<>("orders-1.0.0-0-abcdef", HEALTH);
        replica.adopt("run-7", 2, LAUNCH);
        assertThat(replica.state()).isEqualTo(ReplicaState.STARTING);
        assertThat(replica.restarts()).isEqualTo(2);

        replica.readinessProbed(0, true, LAUNCH.plusMillis(100));
        assertThat(replica.awaitReady(Duration.ofMillis(10))).isEqualTo(ReplicaState.READY);
    }

    @Test
    void awaitReadyGivesUpAtTheDeadline() {
        assertThat(launched().awaitReady(Duration.ofMillis(50))).isEqualTo(ReplicaState.STARTING);
    }

    @Test
    void aCrashAfterReadinessRestartsInPlaceCountingCrashesInARowUntilARunLastsAMinute() {
        ReplicaLifecycle<String> replica = launched();
        assertThat(replica.crashed(0, LAUNCH.plusSeconds(1))).as("never ready: not a crash to restart").isZero();
        replica.readinessProbed(0, true, LAUNCH.plusMillis(100));

        assertThat(replica.crashed(0, LAUNCH.plusSeconds(5))).isEqualTo(1);
        assertThat(replica.state()).isEqualTo(ReplicaState.STARTING);
        assertThat(replica.crashed(0, LAUNCH.plusSeconds(5))).as("the same exit twice counts once").isZero();
        replica.launch(1, "", () -> "run-1", at(LAUNCH.plusSeconds(6)));
        replica.readinessProbed(1, true, LAUNCH.plusSeconds(7));
        assertThat(replica.crashed(1, LAUNCH.plusSeconds(8))).isEqualTo(2);

        replica.launch(2, "", () -> "run-2", at(LAUNCH.plusSeconds(10)));
        replica.readinessProbed(2, true, LAUNCH.plusSeconds(11));
        assertThat(replica.crashed(2, LAUNCH.plusSeconds(10).plus(CrashBackoff.FORGIVEN).plusSeconds(1)))
                .as("a run that lasted a minute starts the count again").isEqualTo(1);
        assertThat(replica.restarts()).isEqualTo(3);
        assertThat(replica.state()).isNotEqualTo(ReplicaState.FAILED);
    }

    @Test
    void theCrashBackoffDoublesFromOneSecondUpToThirtySeconds() {
        assertThat(java.util.stream.IntStream.rangeClosed(1, 8).mapToObj(CrashBackoff::delay).map(Duration::toSeconds))
                .containsExactly(1L, 2L, 4L, 8L, 16L, 30L, 30L, 30L);
        assertThat(CrashBackoff.delay(Integer.MAX_VALUE)).isEqualTo(Duration.ofSeconds(30));
    }

    private static ReplicaLifecycle<String> launched() {
        ReplicaLifecycle<String> replica = new ReplicaLifecycle<>("orders-1.0.0-0-abcdef", HEALTH);
        replica.launch(0, "", () -> "run-0", at(LAUNCH));
        return replica;
    }

    private static Clock at(Instant instant) {
        return Clock.fixed(instant, ZoneOffset.UTC);
    }
}
