package dev.slipway.runtime.docker;

import dev.slipway.model.HealthSpec;
import dev.slipway.model.ProbeSpec;
import dev.slipway.model.RunSpec;
import dev.slipway.runtime.RecordingPolicy;
import dev.slipway.runtime.Replica;
import dev.slipway.runtime.ReplicaRequest;
import dev.slipway.runtime.ReplicaState;
import dev.slipway.testkit.TestServices;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/** The docker runtime against the real engine, with the image {@link TestImage} builds. */
class DockerRuntimeTest {
    private static final Duration PATIENCE = Duration.ofSeconds(20);
    private static final HealthSpec QUICK_PROBES = new HealthSpec(
            new ProbeSpec("/ready", Duration.ofMillis(100), Duration.ofMillis(500), 2, Duration.ofSeconds(10)),
            new ProbeSpec("/live", Duration.ofMillis(100), Duration.ofMillis(500), 2, Duration.ofSeconds(10)));
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TempDir
    Path stateDirectory;

    private final List<DockerRuntime> runtimes = new ArrayList<>();

    @BeforeEach
    void requireTheEngineAndTheTestImage() {
        TestServices.requireDockerEngine();
        TestImage.reference();
    }

    @AfterEach
    void closeRuntimesAndRemoveTheirContainers() {
        runtimes.forEach(DockerRuntime::close);
        TestEngine.removeContainersOf(stateDirectory);
    }

    @Test
    void aContainerBecomesReadyOnTheHostsLoopbackWithItsPortEnvironmentAndLabels() throws Exception {
        DockerRuntime runtime = newRuntime();
        Replica replica = runtime.start(backend("1.0.0", Map.of("JDBC_URL", "jdbc:postgresql://127.0.0.1/orders")));

        assertThat(runtime.awaitReady(replica, PATIENCE)).isEqualTo(ReplicaState.READY);
        assertThat(runtime.apiVersion()).isEqualTo(TestServices.runOrFail(
                List.of("docker", "version", "-f", "{{.Server.APIVersion}}"), 30).output().trim());
        assertThat(replica.host()).isEqualTo("127.0.0.1");
        assertThat(get(replica, "/env?name=PORT")).isEqualTo(Integer.toString(replica.port()));
        assertThat(get(replica, "/env?name=HOST")).isEqualTo("127.0.0.1");
        assertThat(get(replica, "/env?name=FROM_RUN_SPEC")).isEqualTo("run");
        assertThat(get(replica, "/env?name=JDBC_URL")).isEqualTo("jdbc:postgresql://127.0.0.1/orders");
        assertThat(runtime.list("orders")).containsExactly(replica);
        assertThat(runtime.list("payments")).isEmpty();

        String container = runtime.containerId(replica).orElseThrow();
        assertThat(TestEngine.inspect(container, "{{.HostConfig.NetworkMode}}")).isEqualTo("host");
        assertThat(TestEngine.inspect(container, "{{json .Config.Labels}}")).contains(
                "\"dev.slipway.service\":\"orders\"", "\"dev.slipway.revision\":\"1.0.0\"",
                "\"dev.slipway.replica\":\"" + replica.id() + "\"", "\"dev.slipway.port\":\"" + replica.port() + "\"");
        assertThat(runtime.logFile(replica)).isEqualTo(stateDirectory.toRealPath().resolve("logs/orders-1.0.0-0.log"));
        awaitTrue(() -> readQuietly(runtime.logFile(replica)).contains("listening on 127.0.0.1:" + replica.port()));
    }

    @Test
    void aContainerThatIsNeverReadyFailsWhenItsStartPeriodEnds() {
        DockerRuntime runtime = newRuntime();
        HealthSpec twoSecondStart = new HealthSpec(
                new ProbeSpec("/ready", Duration.ofMillis(100), Duration.ofMillis(500), 2, Duration.ofSeconds(2)),
                QUICK_PROBES.liveness());
        long started = System.nanoTime();
        Replica replica = runtime.start(new ReplicaRequest("orders", "2.0.0", 0, backendRun(),
                Map.of("NEVER_READY", "1"), twoSecondStart));

        assertThat(runtime.awaitReady(replica, PATIENCE)).isEqualTo(ReplicaState.FAILED);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
        assertThat(runtime.failureReason(replica)).hasValueSatisfying(reason -> assertThat(reason).contains("start period"));
    }

    @Test
    void aContainerThatExitsBeforeItIsReadyFailsAndIsKeptUntilItIsStopped() throws Exception {
        DockerRuntime runtime = newRuntime();
        Replica replica = runtime.start(backend("2.0.0", Map.of("NEVER_READY", "1", "EXIT_AFTER_MS", "1500")));

        assertThat(runtime.awaitReady(replica, PATIENCE)).isEqualTo(ReplicaState.FAILED);
        assertThat(runtime.failureReason(replica)).hasValue("exited with code 3");
        assertThat(runtime.lastCrash(replica)).as("a release that cannot start is not started again").isEmpty();
        assertThat(runtime.restarts(replica)).as("an exit is no liveness failure to restart").isZero();
        assertThat(runtime.list("orders")).containsExactly(replica);
        String container = runtime.containerId(replica).orElseThrow();
        assertThat(TestEngine.inspect(container, "{{.State.Status}}")).isEqualTo("exited");
        awaitTrue(() -> readQuietly(runtime.logFile(replica)).contains("exited with code 3"));
        assertThat(Files.readString(runtime.logFile(replica))).contains("exiting with code 3 as told");

        runtime.stop(replica, Duration.ofSeconds(5));
        assertThat(TestEngine.containerExists(container)).isFalse();
        assertThat(runtime.list("orders")).isEmpty();
    }

    @Test
    void aContainerThatCrashesAfterItWasReadyIsStartedAgainWithADoublingBackoffAndReported() {
        DockerRuntime runtime = newRuntime();
        List<String> problems = new CopyOnWriteArrayList<>();
        runtime.useRestartPolicy(new RecordingPolicy(problems, replica -> { }));
        // 3 s from its first answered readiness probe: time for the runtime to see one pass on a loaded machine
        Replica replica = runtime.start(backend("2.0.0", Map.of("EXIT_AFTER_MS", "3000")));
        assertThat(runtime.awaitReady(replica, PATIENCE)).isEqualTo(ReplicaState.READY);
        String container = runtime.containerId(replica).orElseThrow();
        String firstStart = TestEngine.inspect(container, "{{.State.StartedAt}}");

        awaitTrue(() -> problems.size() >= 1);
        assertThat(problems.get(0)).contains("exited with code 3 after it was ready (crash 1 in a row); starting it"
                + " again in 1000 ms", "its log ends with:", "exiting with code 3 as told");
        awaitTrue(() -> runtime.state(replica) == ReplicaState.READY
                && !TestEngine.inspect(container, "{{.State.StartedAt}}").equals(firstStart));
        assertThat(runtime.containerId(replica)).as("the same container, on the same port").hasValue(container);
        awaitTrue(() -> problems.size() >= 2);
        assertThat(problems.get(1)).contains("(crash 2 in a row); starting it again in 2000 ms");
        assertThat(runtime.lastCrash(replica)).hasValue(problems.get(1));
        assertThat(runtime.state(replica)).as("never given up on").isNotEqualTo(ReplicaState.FAILED);
        assertThat(runtime.list("orders")).containsExactly(replica);
    }

    @Test
    void stopSendsSigtermThenRemovesTheContainerKeepingItsLastWordsInTheLog() throws Exception {
        DockerRuntime runtime = newRuntime();
        Replica replica = runtime.start(backend("1.0.0", Map.of()));
        assertThat(runtime.awaitReady(replica, PATIENCE)).isEqualTo(ReplicaState.READY);
        String container = runtime.containerId(replica).orElseThrow();

        long started = System.nanoTime();
        runtime.stop(replica, Duration.ofSeconds(60));

        // far inside the 60 s grace period: the replica ended on SIGTERM, nobody waited for the grace period to end
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(30));
        assertThat(TestEngine.containerExists(container)).isFalse();
        assertThat(runtime.state(replica)).isEqualTo(ReplicaState.STOPPED);
        assertThat(runtime.list("orders")).isEmpty();
        assertThat(Files.readString(runtime.logFile(replica))).contains("shutting down on SIGTERM");

        runtime.stop(replica, Duration.ofSeconds(20));
        assertThat(runtime.state(replica)).isEqualTo(ReplicaState.STOPPED);
    }

    @Test
    void aContainerIgnoringSigtermIsKilledWhenTheGracePeriodEnds() throws Exception {
        DockerRuntime runtime = newRuntime();
        Replica replica = runtime.start(backend("1.0.0", Map.of("IGNORE_SIGTERM", "1")));
        assertThat(runtime.awaitReady(replica, PATIENCE)).isEqualTo(ReplicaState.READY);
        String container = runtime.containerId(replica).orElseThrow();

        long started = System.nanoTime();
        runtime.stop(replica, Duration.ofSeconds(1));

        assertThat(Duration.ofNanos(System.nanoTime() - started))
                .isGreaterThanOrEqualTo(Duration.ofSeconds(1)).isLessThan(Duration.ofSeconds(30));
        assertThat(TestEngine.containerExists(container)).isFalse();
        assertThat(Files.readString(runtime.logFile(replica))).contains("ignoring SIGTERM", "killed");
    }

    @Test
    void failingLivenessRestartsTheSameContainerOnTheSamePortUntilItIsReadyAgain() throws Exception {
        DockerRuntime runtime = newRuntime();
        Replica replica = runtime.start(backend("1.0.0", Map.of("LIVE_FAIL_AFTER_MS", "1000",
                "LIVE_FAIL_ONCE_FILE", "/tmp/liveness-failed-once")));
        assertThat(runtime.awaitReady(replica, PATIENCE)).isEqualTo(ReplicaState.READY);
        String container = runtime.containerId(replica).orElseThrow();
        String firstStart = TestEngine.inspect(container, "{{.State.StartedAt}}");

        awaitTrue(() -> runtime.restarts(replica) == 1);
        assertThat(runtime.awaitReady(replica, PATIENCE)).isEqualTo(ReplicaState.READY);

        assertThat(runtime.containerId(replica)).hasValue(container);
        assertThat(TestEngine.inspect(container, "{{.State.StartedAt}}")).isNotEqualTo(firstStart);
        assertThat(get(replica, "/env?name=PORT")).isEqualTo(Integer.toString(replica.port()));
        assertThat(Files.readString(runtime.logFile(replica))).contains("restarting " + replica.id(), "liveness failed");
        assertThat(runtime.restarts(replica)).isEqualTo(1);
    }

    @Test
    void aNewRuntimeAdoptsTheRunningContainersOfACrashedOneAndRemovesTheExitedOnes() throws Exception {
        DockerRuntime crashed = newRuntime();
        Replica running = crashed.start(backend("1.0.0", 0, Map.of()));
        Replica exiting = crashed.start(backend("1.0.0", 1, Map.of("NEVER_READY", "1", "EXIT_AFTER_MS", "1000")));
        assertThat(crashed.awaitReady(running, PATIENCE)).isEqualTo(ReplicaState.READY);
        awaitTrue(() -> crashed.state(exiting) == ReplicaState.FAILED);
        String runningContainer = crashed.containerId(running).orElseThrow();
        String exitedContainer = crashed.containerId(exiting).orElseThrow();
        crashed.detach();

        DockerRuntime successor = newRuntime();
        assertThat(successor.list("orders")).containsExactly(running);
        assertThat(successor.containerId(running)).hasValue(runningContainer);
        assertThat(successor.awaitReady(running, PATIENCE)).isEqualTo(ReplicaState.READY);
        assertThat(get(running, "/env?name=PORT")).isEqualTo(Integer.toString(running.port()));
        assertThat(TestEngine.containerExists(exitedContainer)).isFalse();
        assertThat(Files.readString(successor.logFile(running))).contains("adopted " + running.id());
        assertThat(Files.readString(stateDirectory.resolve("logs/orders-1.0.0-1.log")))
                .contains("removing container slipway-" + exiting.id() + " left by an earlier runtime: exited with code 3");

        successor.stop(running, Duration.ofSeconds(10));
        assertThat(TestEngine.containerExists(runningContainer)).isFalse();
        assertThat(successor.list("orders")).isEmpty();
        assertThat(Files.readString(successor.logFile(running))).contains("shutting down on SIGTERM");
        assertThat(TestEngine.containersOf(stateDirectory)).isEmpty();
    }

    @Test
    void anImageTheEngineDoesNotHaveFailsAtOnceWithTheEnginesWords() {
        DockerRuntime runtime = newRuntime();
        Replica replica = runtime.start(new ReplicaRequest("orders", "9.9.9", 0,
                new RunSpec(List.of("image:slipway-test/no-such-image:9.9.9"), Map.of()), Map.of(), QUICK_PROBES));

        assertThat(runtime.state(replica)).isEqualTo(ReplicaState.FAILED);
        assertThat(runtime.failureReason(replica)).hasValueSatisfying(reason -> assertThat(reason)
                .contains("cannot start", "slipway-test/no-such-image:9.9.9"));
        assertThat(TestEngine.containersOf(stateDirectory)).isEmpty();
    }

    @Test
    void closeStopsAndRemovesEveryContainer() {
        DockerRuntime runtime = newRuntime();
        Replica first = runtime.start(backend("1.0.0", 0, Map.of()));
        Replica second = runtime.start(backend("1.0.0", 1, Map.of()));
        assertThat(first.port()).isNotEqualTo(second.port());
        assertThat(runtime.awaitReady(first, PATIENCE)).isEqualTo(ReplicaState.READY);
        assertThat(runtime.awaitReady(second, PATIENCE)).isEqualTo(ReplicaState.READY);

        runtime.close();

        assertThat(runtime.state(first)).isEqualTo(ReplicaState.STOPPED);
        assertThat(runtime.state(second)).isEqualTo(ReplicaState.STOPPED);
        assertThat(TestEngine.containersOf(stateDirectory)).isEmpty();
    }

    // ---------------------------------------------------------------------------------------------------------------

    private DockerRuntime newRuntime() {
        DockerRuntime runtime = new DockerRuntime(stateDirectory);
        runtimes.add(runtime);
        return runtime;
    }

    private static ReplicaRequest backend(String revision, Map<String, String> environment) {
        return backend(revision, 0, environment);
    }

    private static ReplicaRequest backend(String revision, int ordinal, Map<String, String> environment) {
        return new ReplicaRequest("orders", revision, ordinal, backendRun(), environment, QUICK_PROBES);
    }

    private static RunSpec backendRun() {
        return new RunSpec(TestImage.backendCommand(), Map.of("FROM_RUN_SPEC", "run"));
    }

    private static String get(Replica replica, String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + replica.address() + path))
                .timeout(Duration.ofSeconds(5)).build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString()).body();
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }

    private static void awaitTrue(BooleanSupplier condition) {
        long end = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition still false after %s", PATIENCE).isLessThan(end);
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
