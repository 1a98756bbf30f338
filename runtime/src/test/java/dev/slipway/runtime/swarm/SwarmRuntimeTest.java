package dev.slipway.runtime.swarm;

import dev.slipway.model.HealthSpec;
import dev.slipway.model.ProbeSpec;
import dev.slipway.model.RunSpec;
import dev.slipway.runtime.RecordingPolicy;
import dev.slipway.runtime.Replica;
import dev.slipway.runtime.ReplicaRequest;
import dev.slipway.runtime.ReplicaState;
import dev.slipway.runtime.TestReplicas;
import dev.slipway.runtime.docker.ContainerBackend;
import dev.slipway.runtime.docker.ImageCommand;
import dev.slipway.runtime.docker.TestImage;
import dev.slipway.testkit.TestJre;
import dev.slipway.testkit.TestServices;
import dev.slipway.testkit.TestSwarm;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The swarm runtime against the local engine as a single-node swarm (testkit's {@link TestSwarm}), with the docker
 * runtime's test image. The node's address is 127.0.0.1, so replicas bind there.
 */
class SwarmRuntimeTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final HealthSpec QUICK_PROBES = new HealthSpec(
            new ProbeSpec("/ready", Duration.ofMillis(100), Duration.ofMillis(500), 2, Duration.ofSeconds(15)),
            new ProbeSpec("/live", Duration.ofMillis(100), Duration.ofMillis(500), 2, Duration.ofSeconds(15)));

    @TempDir
    Path stateDirectory;

    private final List<SwarmRuntime> runtimes = new ArrayList<>();

    @BeforeEach
    void requireASwarmAndTheTestImage() {
        TestSwarm.requireManager();
        TestImage.reference();
    }

    /** Every test ends by closing its runtimes: close must leave no service behind. */
    @AfterEach
    void closeRuntimesAndRemoveTheirServices() {
        runtimes.forEach(SwarmRuntime::close);
        List<String> left = TestManager.servicesOf(stateDirectory);
        TestManager.removeServicesOf(stateDirectory);
        assertThat(left).as("services left after close").isEmpty();
    }

    @Test
    void aReplicaIsAServiceOfOneTaskAnsweringAtItsNodesAddressWithItsLabelsAndEnvironment() throws Exception {
        SwarmRuntime runtime = newRuntime(settings());
        Replica replica = runtime.start(backend("1.0.0", 0, Map.of("JDBC_URL", "jdbc:postgresql://127.0.0.1/orders")));
        assertThat(replica.host()).isEqualTo("unplaced");

        assertThat(runtime.awaitReady(replica, PATIENCE)).isEqualTo(ReplicaState.READY);
        Replica placed = runtime.current(replica);
        assertThat(placed.host()).as("the node advertises 127.0.0.1").isEqualTo("127.0.0.1");
        assertThat(placed.port()).isBetween(SwarmSettings.DEFAULT_FIRST_PORT, SwarmSettings.DEFAULT_LAST_PORT);
        assertThat(TestReplicas.get(placed, "/env?name=PORT")).isEqualTo(Integer.toString(placed.port()));
        assertThat(TestReplicas.get(placed, "/env?name=HOST")).isEqualTo("127.0.0.1");
        assertThat(TestReplicas.get(placed, "/env?name=FROM_RUN_SPEC")).isEqualTo("run");
        assertThat(TestReplicas.get(placed, "/env?name=JDBC_URL")).isEqualTo("jdbc:postgresql://127.0.0.1/orders");
        assertThat(runtime.list("orders")).containsExactly(placed);

        String service = runtime.serviceId(replica).orElseThrow();
        assertThat(TestManager.servicesOf(stateDirectory)).containsExactly(service);
        assertThat(TestManager.inspect(service, "{{.Spec.Name}}")).isEqualTo(SwarmRuntime.serviceName(replica.id()));
        assertThat(TestManager.inspect(service, "{{.Spec.Mode.Replicated.Replicas}}")).isEqualTo("1");
        assertThat(TestManager.inspect(service, "{{json .Spec.Labels}}")).contains(
                "\"dev.slipway.service\":\"orders\"", "\"dev.slipway.revision\":\"1.0.0\"",
                "\"dev.slipway.replica\":\"" + replica.id() + "\"", "\"dev.slipway.port\":\"" + replica.port() + "\"");
        assertThat(TestManager.inspect(service, "{{json .Spec.EndpointSpec.Ports}}"))
                .contains("\"PublishedPort\":" + replica.port(), "\"PublishMode\":\"host\"");
        assertThat(runtime.logFile(replica)).isEqualTo(stateDirectory.resolve("logs/orders-1.0.0-0.log"));
        awaitTrue(() -> TestReplicas.readQuietly(runtime.logFile(replica)).contains("listening on 127.0.0.1:" + replica.port()));
    }

    @Test
    void stopRemovesTheServiceAfterSigtermAndKeepsTheLastWordsInTheLog() throws Exception {
        SwarmRuntime runtime = newRuntime(settings());
        Replica replica = runtime.start(backend("1.0.0", 0, Map.of()));
        assertThat(runtime.awaitReady(replica, PATIENCE)).isEqualTo(ReplicaState.READY);

        runtime.stop(replica, Duration.ofSeconds(10));

        assertThat(TestManager.servicesOf(stateDirectory)).isEmpty();
        assertThat(runtime.state(replica)).isEqualTo(ReplicaState.STOPPED);
        assertThat(runtime.list("orders")).isEmpty();
        assertThat(Files.readString(runtime.logFile(replica))).contains("shutting down on SIGTERM", "stopped: its task ended and its service was removed");
    }

    @Test
    void aContainerThatExitsBeforeItIsReadyFailsAndItsServiceIsKeptWithoutATaskUntilTheReplicaIsStopped() {
        SwarmRuntime runtime = newRuntime(settings());
        Replica replica = runtime.start(backend("2.0.0", 0, Map.of("NEVER_READY", "1", "EXIT_AFTER_MS", "2000")));

        assertThat(runtime.awaitReady(replica, PATIENCE)).isEqualTo(ReplicaState.FAILED);
        assertThat(runtime.failureReason(replica)).hasValueSatisfying(reason ->
                assertThat(reason).startsWith("exited with code 3 on node "));
        assertThat(runtime.lastCrash(replica)).as("a release that cannot start is not started again").isEmpty();
        assertThat(runtime.restarts(replica)).as("an exit is not a move").isZero();
        String service = runtime.serviceId(replica).orElseThrow();
        awaitTrue(() -> TestManager.inspect(service, "{{.Spec.Mode.Replicated.Replicas}}").equals("0"));
        assertThat(runtime.list("orders")).hasSize(1);

        runtime.stop(replica, Duration.ofSeconds(5));
        assertThat(TestManager.servicesOf(stateDirectory)).isEmpty();
    }

    @Test
    void aContainerThatCrashesAfterItWasReadyIsStartedAgainWithADoublingBackoffAndEachCrashIsReported() {
        SwarmRuntime runtime = newRuntime(settings());
        List<String> problems = new CopyOnWriteArrayList<>();
        runtime.useRestartPolicy(new RecordingPolicy(problems, replica -> { }));
        // 3 s from its first answered readiness probe: time for the runtime to see one pass on a loaded machine
        Replica replica = runtime.start(backend("2.0.0", 0, Map.of("EXIT_AFTER_MS", "3000")));
        assertThat(runtime.awaitReady(replica, PATIENCE)).isEqualTo(ReplicaState.READY);

        awaitTrue(() -> problems.size() >= 1);
        assertThat(problems.get(0)).startsWith("exited with code 3 on node ").contains(
                "after it was ready (crash 1 in a row); starting it again in 1000 ms");
        awaitTrue(() -> runtime.state(replica) == ReplicaState.READY && runtime.restarts(replica) >= 1);
        awaitTrue(() -> problems.size() >= 2);
        assertThat(problems.get(1)).contains("(crash 2 in a row); starting it again in 2000 ms");
        assertThat(runtime.lastCrash(replica)).hasValue(problems.get(1));
        awaitTrue(() -> runtime.state(replica) == ReplicaState.READY && runtime.restarts(replica) >= 2);
        assertThat(TestReplicas.readQuietly(runtime.logFile(replica))).as("Swarm's own delay does not grow")
                .contains("holding its next task back for 2000 ms");
        assertThat(runtime.state(replica)).as("never given up on").isNotEqualTo(ReplicaState.FAILED);
        assertThat(runtime.list("orders")).extracting(Replica::id).containsExactly(replica.id());
    }

    @Test
    void anImageNoNodeCanPullFailsAtOnceWithSwarmsWordsAndLeavesNoService() {
        SwarmRuntime runtime = newRuntime(settings());
        String image = "127.0.0.1:" + TestServices.freePort() + "/slipway-test/nowhere:1.0.0";
        long started = System.nanoTime();
        Replica replica = runtime.start(new ReplicaRequest("orders", "9.9.9", 0,
                new RunSpec(List.of(ImageCommand.PREFIX + image), Map.of()), Map.of(), QUICK_PROBES));

        assertThat(runtime.awaitReady(replica, PATIENCE)).isEqualTo(ReplicaState.FAILED);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("long before the start period")
                .isLessThan(Duration.ofSeconds(15));
        assertThat(runtime.failureReason(replica)).hasValueSatisfying(reason -> assertThat(reason)
                .contains("cannot run: node ", "No such image: " + image, "push it to a registry all nodes reach"));
        awaitTrue(() -> TestManager.servicesOf(stateDirectory).isEmpty());
    }

    @Test
    void aPlacementNoNodeMeetsFailsAtOnceAndLeavesNoService() {
        SwarmRuntime runtime = newRuntime(settings().withConstraints(List.of("node.labels.slipway-test==nowhere")));
        Replica replica = runtime.start(backend("1.0.0", 0, Map.of()));

        assertThat(runtime.awaitReady(replica, PATIENCE)).isEqualTo(ReplicaState.FAILED);
        assertThat(runtime.failureReason(replica)).hasValue("cannot run: no node can take it: no suitable node "
                + "(scheduling constraints not satisfied on 1 node)");
        awaitTrue(() -> TestManager.servicesOf(stateDirectory).isEmpty());
    }

    @Test
    void aReplicaFailingLivenessGetsANewTaskFromSwarmAndIsReadyAgain() throws Exception {
        SwarmRuntime runtime = newRuntime(settings());
        Replica replica = runtime.start(backend("1.0.0", 0, Map.of("LIVE_FAIL_AFTER_MS", "4000")));
        assertThat(runtime.awaitReady(replica, PATIENCE)).isEqualTo(ReplicaState.READY);
        String service = runtime.serviceId(replica).orElseThrow();
        List<String> firstTask = TestManager.runningTasks(service);

        awaitTrue(() -> runtime.restarts(replica) >= 1);
        assertThat(runtime.awaitReady(replica, PATIENCE)).isEqualTo(ReplicaState.READY);

        assertThat(TestManager.runningTasks(service)).isNotEqualTo(firstTask);
        assertThat(TestManager.inspect(service, "{{.Spec.TaskTemplate.ForceUpdate}}")).isNotEqualTo("0");
        assertThat(Files.readString(runtime.logFile(replica))).contains("restarting " + replica.id(),
                "liveness failed", "Swarm replaces its task");
    }

    @Test
    void anImageHealthcheckHoldsTheReplicaBackUntilItPasses() throws Exception {
        SwarmRuntime runtime = newRuntime(settings());
        long started = System.nanoTime();
        Replica replica = runtime.start(new ReplicaRequest("orders", "1.0.0", 0, healthcheckedRun(),
                Map.of("HEALTHY_AFTER_MS", "3000"), QUICK_PROBES));

        assertThat(runtime.awaitReady(replica, PATIENCE)).isEqualTo(ReplicaState.READY);

        assertThat(Duration.ofNanos(System.nanoTime() - started))
                .as("/ready answers at once; the HEALTHCHECK passes only after 3 s")
                .isGreaterThanOrEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void anImageHealthcheckThatNeverPassesFailsTheReplicaAndLeavesNoService() {
        SwarmRuntime runtime = newRuntime(settings());
        Replica replica = runtime.start(new ReplicaRequest("orders", "1.0.0", 0, healthcheckedRun(), Map.of(),
                QUICK_PROBES));

        assertThat(runtime.awaitReady(replica, PATIENCE)).isEqualTo(ReplicaState.FAILED);
        assertThat(runtime.failureReason(replica)).hasValueSatisfying(reason ->
                assertThat(reason).startsWith("cannot run: its container HEALTHCHECK never passed on node "));
        awaitTrue(() -> TestManager.servicesOf(stateDirectory).isEmpty());
    }

    @Test
    void aNewRuntimeAdoptsTheServicesOfACrashedOneAndRemovesTheOnesKeptForAFailure() throws Exception {
        SwarmRuntime crashed = newRuntime(settings());
        Replica running = crashed.start(backend("1.0.0", 0, Map.of()));
        Replica exiting = crashed.start(backend("1.0.0", 1, Map.of("NEVER_READY", "1", "EXIT_AFTER_MS", "1500")));
        assertThat(crashed.awaitReady(running, PATIENCE)).isEqualTo(ReplicaState.READY);
        awaitTrue(() -> crashed.state(exiting) == ReplicaState.FAILED);
        String runningService = crashed.serviceId(running).orElseThrow();
        String exitedService = crashed.serviceId(exiting).orElseThrow();
        awaitTrue(() -> TestManager.inspect(exitedService, "{{.Spec.Mode.Replicated.Replicas}}").equals("0"));
        Replica where = crashed.current(running);
        crashed.detach();

        SwarmRuntime successor = newRuntime(settings());
        assertThat(TestManager.servicesOf(stateDirectory)).containsExactly(runningService);
        assertThat(successor.list("orders")).extracting(Replica::id).containsExactly(running.id());
        assertThat(successor.awaitReady(running, PATIENCE)).isEqualTo(ReplicaState.READY);
        assertThat(successor.current(running)).isEqualTo(where);
        assertThat(successor.serviceId(running)).hasValue(runningService);
        assertThat(Files.readString(successor.logFile(running))).contains("adopted " + running.id());
        assertThat(Files.readString(stateDirectory.resolve("logs/orders-1.0.0-1.log")))
                .contains("removing service " + SwarmRuntime.serviceName(exiting.id()));

        successor.stop(running, Duration.ofSeconds(10));
        assertThat(TestManager.servicesOf(stateDirectory)).isEmpty();
    }

    @Test
    void aServiceRemovedOutsideSlipwayFailsItsReplicaWhileTheOthersAreStillFollowed() {
        SwarmRuntime runtime = newRuntime(settings());
        Replica removed = runtime.start(backend("1.0.0", 0, Map.of()));
        Replica kept = runtime.start(backend("1.0.0", 1, Map.of()));
        assertThat(runtime.awaitReady(removed, PATIENCE)).isEqualTo(ReplicaState.READY);
        assertThat(runtime.awaitReady(kept, PATIENCE)).isEqualTo(ReplicaState.READY);

        TestServices.runOrFail(List.of("docker", "service", "rm", runtime.serviceId(removed).orElseThrow()), 30);

        awaitTrue(() -> runtime.state(removed) == ReplicaState.FAILED);
        assertThat(runtime.failureReason(removed)).hasValue("its Swarm service "
                + SwarmRuntime.serviceName(removed.id()) + " was removed outside Slipway");
        assertThat(runtime.state(kept)).isEqualTo(ReplicaState.READY);
        TestServices.runOrFail(List.of("docker", "service", "update", "--detach", "--force",
                runtime.serviceId(kept).orElseThrow()), 30);
        awaitTrue(() -> runtime.restarts(kept) == 1);
        assertThat(runtime.awaitReady(kept, PATIENCE)).as("its new task is followed").isEqualTo(ReplicaState.READY);
    }

    // ---------------------------------------------------------------------------------------------------------------

    /** The local engine advertises 127.0.0.1: replicas listen there, not on every interface of this machine. */
    private static SwarmSettings settings() {
        return SwarmSettings.defaults().withBind("127.0.0.1");
    }

    private SwarmRuntime newRuntime(SwarmSettings settings) {
        SwarmRuntime runtime = new SwarmRuntime(stateDirectory, settings);
        runtimes.add(runtime);
        return runtime;
    }

    private static ReplicaRequest backend(String revision, int ordinal, Map<String, String> environment) {
        return new ReplicaRequest("orders", revision, ordinal,
                new RunSpec(TestImage.backendCommand(), Map.of("FROM_RUN_SPEC", "run")), environment, QUICK_PROBES);
    }

    /**
     * The test image with a HEALTHCHECK that passes once {@code /tmp/healthy} exists (the backend makes it after
     * {@code HEALTHY_AFTER_MS}): every second; failures count after a start period of 6 s, three make it unhealthy.
     */
    private static RunSpec healthcheckedRun() {
        String base = TestImage.reference();
        String reference = "slipway-testkit/runtime-swarm-healthcheck:" + TestJre.hash(base, "check-file v2");
        if (TestServices.run(List.of("docker", "image", "inspect", reference), 30).exitCode() != 0) {
            String container = TestServices.runOrFail(List.of("docker", "create", base, "/opt/jre/bin/java"), 60).output().strip();
            try {
                TestServices.runOrFail(List.of("sh", "-c", "docker export " + container + " | docker import"
                        + " --change 'ENV PATH=/opt/jre/bin:/usr/bin:/bin'"
                        + " --change 'HEALTHCHECK --interval=1s --timeout=5s --start-period=6s --retries=3 CMD [\"/opt/jre/bin/java\","
                        + " \"-XX:TieredStopAtLevel=1\", \"-Xshare:auto\", \"-cp\", \"/app\", \""
                        + ContainerBackend.class.getName() + "\", \"check-file\", \"/tmp/healthy\"]' - " + reference), 120);
            } finally {
                TestServices.run(List.of("docker", "rm", container), 30);
            }
            TestServices.removeOtherTags("slipway-testkit/runtime-swarm-healthcheck", reference);
        }
        List<String> command = new ArrayList<>(TestImage.backendCommand());
        command.set(0, ImageCommand.PREFIX + reference);
        return new RunSpec(command, Map.of());
    }

    private static void awaitTrue(BooleanSupplier condition) {
        TestReplicas.awaitTrue(condition, PATIENCE);
    }
}
