package dev.slipway.runtime.local;

import dev.slipway.model.HealthSpec;
import dev.slipway.model.ProbeSpec;
import dev.slipway.model.RunSpec;
import dev.slipway.runtime.Replica;
import dev.slipway.runtime.ReplicaRequest;
import dev.slipway.runtime.ReplicaState;
import dev.slipway.runtime.RecordingPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class LocalRuntimeTest {
    private static final Duration PATIENCE = Duration.ofSeconds(15);
    private static final HealthSpec QUICK_PROBES = new HealthSpec(
            new ProbeSpec("/ready", Duration.ofMillis(100), Duration.ofMillis(500), 2, Duration.ofSeconds(10)),
            new ProbeSpec("/live", Duration.ofMillis(100), Duration.ofMillis(500), 2, Duration.ofSeconds(10)));
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TempDir
    Path stateDirectory;

    private final List<LocalRuntime> runtimes = new ArrayList<>();

    @AfterEach
    void closeRuntimes() {
        runtimes.forEach(LocalRuntime::close);
    }

    @Test
    void aReplicaBecomesReadyWithItsPortAndEnvironment() throws Exception {
        LocalRuntime runtime = newRuntime();
        Replica replica = runtime.start(backend("1.0.0", Map.of("JDBC_URL", "jdbc:postgresql://127.0.0.1/orders")));

        assertThat(runtime.awaitReady(replica, PATIENCE)).isEqualTo(ReplicaState.READY);
        assertThat(runtime.state(replica)).isEqualTo(ReplicaState.READY);
        assertThat(replica.host()).isEqualTo("127.0.0.1");
        assertThat(get(replica, "/env?name=PORT")).isEqualTo(Integer.toString(replica.port()));
        assertThat(get(replica, "/env?name=HOST")).isEqualTo("127.0.0.1");
        assertThat(get(replica, "/env?name=FROM_RUN_SPEC")).isEqualTo("run");
        assertThat(get(replica, "/env?name=JDBC_URL")).isEqualTo("jdbc:postgresql://127.0.0.1/orders");
        assertThat(replica.id()).startsWith("orders-1.0.0-0-");
        assertThat(runtime.list("orders")).containsExactly(replica);
        assertThat(runtime.list("payments")).isEmpty();
        assertThat(runtime.logFile(replica)).isEqualTo(stateDirectory.resolve("logs/orders-1.0.0-0.log"));
        assertThat(Files.readString(runtime.logFile(replica))).contains("listening on 127.0.0.1:" + replica.port());
        assertThat(stateDirectory.resolve("run/" + replica.id() + ".properties")).exists();
    }

    @Test
    void aReplicaInheritsOnlyTheAllowedPartOfTheControllersEnvironment() throws Exception {
        Map<String, String> controller = Map.of("PATH", System.getenv("PATH"), "LC_ALL", "C.UTF-8",
                "AWS_SECRET_ACCESS_KEY", "controller-secret", "PGPASSWORD", "superuser-password");
        LocalRuntime runtime = new LocalRuntime(stateDirectory, Path.of("").toAbsolutePath(), controller);
        runtimes.add(runtime);
        Replica replica = runtime.start(backend("1.0.0", Map.of("DATABASE_PASSWORD", "replica-password")));
        assertThat(runtime.awaitReady(replica, PATIENCE)).isEqualTo(ReplicaState.READY);

        assertThat(get(replica, "/env?name=LC_ALL")).isEqualTo("C.UTF-8");
        assertThat(get(replica, "/env?name=PATH")).isEqualTo(System.getenv("PATH"));
        assertThat(get(replica, "/env?name=AWS_SECRET_ACCESS_KEY")).as("not inherited").isEmpty();
        assertThat(get(replica, "/env?name=PGPASSWORD")).as("not inherited").isEmpty();
        assertThat(get(replica, "/env?name=FROM_RUN_SPEC")).isEqualTo("run");
        assertThat(get(replica, "/env?name=DATABASE_PASSWORD")).isEqualTo("replica-password");
        assertThat(get(replica, "/env?name=PORT")).isEqualTo(Integer.toString(replica.port()));
    }

    @Test
    void replicasStartedTogetherGetDistinctPorts() {
        LocalRuntime runtime = newRuntime();
        List<Replica> replicas = new ArrayList<>();
        for (int ordinal = 0; ordinal < 3; ordinal++) {
            replicas.add(runtime.start(backend("1.0.0", ordinal, Map.of())));
        }

        assertThat(replicas).extracting(Replica::port).doesNotHaveDuplicates();
        for (Replica replica : replicas) {
            assertThat(runtime.awaitReady(replica, PATIENCE)).isEqualTo(ReplicaState.READY);
        }
    }

    @Test
    void aReplicaThatIsNeverReadyFailsWhenItsStartPeriodEnds() {
        LocalRuntime runtime = newRuntime();
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
    void aReplicaWhoseProcessExitsBeforeItIsReadyFails() {
        LocalRuntime runtime = newRuntime();
        Replica replica = runtime.start(backend("2.0.0", Map.of("NEVER_READY", "1", "EXIT_AFTER_MS", "500")));

        assertThat(runtime.awaitReady(replica, PATIENCE)).isEqualTo(ReplicaState.FAILED);
        assertThat(runtime.failureReason(replica)).hasValue("exited with code 3");
        assertThat(runtime.lastCrash(replica)).as("a release that cannot start is not started again").isEmpty();
        // the exit handler marks the replica FAILED, then removes its state file: wait for the second
        awaitTrue(() -> !Files.exists(stateDirectory.resolve("run/" + replica.id() + ".properties")));
        assertThat(runtime.list("orders")).containsExactly(replica);
    }

    @Test
    void aReplicaThatCrashesAfterItWasReadyIsStartedAgainWithADoublingBackoffAndReported() {
        LocalRuntime runtime = newRuntime();
        List<String> problems = new CopyOnWriteArrayList<>();
        runtime.useRestartPolicy(new RecordingPolicy(problems, replica -> { }));
        Replica replica = runtime.start(backend("2.0.0", Map.of("EXIT_AFTER_MS", "1000")));
        assertThat(runtime.awaitReady(replica, PATIENCE)).isEqualTo(ReplicaState.READY);
        long firstPid = runtime.processId(replica).orElseThrow();

        awaitTrue(() -> problems.size() >= 1);
        assertThat(problems.get(0)).contains("exited with code 3 after it was ready (crash 1 in a row); starting it"
                + " again in 1000 ms", "its log ends with:", "exiting with code 3 as told");
        awaitTrue(() -> runtime.state(replica) == ReplicaState.READY
                && runtime.processId(replica).orElse(firstPid) != firstPid);
        awaitTrue(() -> problems.size() >= 2);
        assertThat(problems.get(1)).contains("(crash 2 in a row); starting it again in 2000 ms");
        assertThat(runtime.lastCrash(replica)).hasValue(problems.get(1));
        assertThat(runtime.state(replica)).as("never given up on").isNotEqualTo(ReplicaState.FAILED);
        assertThat(runtime.list("orders")).containsExactly(replica);
    }

    @Test
    void aCommandThatCannotStartFailsAtOnce() {
        LocalRuntime runtime = newRuntime();
        Replica replica = runtime.start(new ReplicaRequest("orders", "9.9.9", 0,
                new RunSpec(List.of(stateDirectory.resolve("no-such-program").toString()), Map.of()), Map.of(),
                QUICK_PROBES));

        assertThat(runtime.state(replica)).isEqualTo(ReplicaState.FAILED);
        assertThat(runtime.failureReason(replica)).hasValueSatisfying(reason -> assertThat(reason).contains("cannot start"));
    }

    @Test
    void stopSendsSigtermAndTheProcessExitsGracefully() throws Exception {
        LocalRuntime runtime = newRuntime();
        Replica replica = runtime.start(backend("1.0.0", Map.of()));
        assertThat(runtime.awaitReady(replica, PATIENCE)).isEqualTo(ReplicaState.READY);
        ProcessHandle process = processOf(runtime, replica);

        long started = System.nanoTime();
        runtime.stop(replica, Duration.ofSeconds(60));

        // far inside the 60 s grace period: the replica ended on SIGTERM, nobody waited for the grace period to end
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(30));
        assertThat(process.isAlive()).isFalse();
        assertThat(runtime.state(replica)).isEqualTo(ReplicaState.STOPPED);
        assertThat(runtime.list("orders")).isEmpty();
        assertThat(Files.readString(runtime.logFile(replica))).contains("shutting down on SIGTERM");
        assertThat(stateDirectory.resolve("run/" + replica.id() + ".properties")).doesNotExist();

        runtime.stop(replica, Duration.ofSeconds(20));
        assertThat(runtime.state(replica)).isEqualTo(ReplicaState.STOPPED);
    }

    @Test
    void aProcessIgnoringSigtermIsKilledWhenTheGracePeriodEnds() throws Exception {
        LocalRuntime runtime = newRuntime();
        Replica replica = runtime.start(backend("1.0.0", Map.of("IGNORE_SIGTERM", "1")));
        assertThat(runtime.awaitReady(replica, PATIENCE)).isEqualTo(ReplicaState.READY);
        ProcessHandle process = processOf(runtime, replica);

        long started = System.nanoTime();
        runtime.stop(replica, Duration.ofSeconds(1));

        assertThat(Duration.ofNanos(System.nanoTime() - started))
                .isGreaterThanOrEqualTo(Duration.ofSeconds(1)).isLessThan(Duration.ofSeconds(30));
        assertThat(process.isAlive()).isFalse();
        assertThat(Files.readString(runtime.logFile(replica))).contains("ignoring SIGTERM", "killed");
    }

    @Test
    void failingLivenessRestartsTheProcessOnTheSamePortUntilItIsReadyAgain() throws Exception {
        LocalRuntime runtime = newRuntime();
        Replica replica = runtime.start(backend("1.0.0", Map.of("LIVE_FAIL_AFTER_MS", "1000",
                "LIVE_FAIL_ONCE_FILE", stateDirectory.resolve("liveness-failed-once").toString())));
        assertThat(runtime.awaitReady(replica, PATIENCE)).isEqualTo(ReplicaState.READY);
        long firstPid = processOf(runtime, replica).pid();

        awaitTrue(() -> runtime.restarts(replica) == 1);
        assertThat(runtime.awaitReady(replica, PATIENCE)).isEqualTo(ReplicaState.READY);

        assertThat(processOf(runtime, replica).pid()).isNotEqualTo(firstPid);
        assertThat(get(replica, "/pid")).isNotEqualTo(Long.toString(firstPid));
        assertThat(get(replica, "/env?name=PORT")).isEqualTo(Integer.toString(replica.port()));
        assertThat(Files.readString(runtime.logFile(replica))).contains("restarting " + replica.id(), "liveness failed");
        assertThat(runtime.restarts(replica)).isEqualTo(1);
    }

    @Test
    void replicasFailingLivenessTogetherRestartOneAtATimeAndEachLeavesRoutingWhileItStillRuns() throws Exception {
        LocalRuntime runtime = newRuntime();
        List<String> drainedWhileRunning = new CopyOnWriteArrayList<>();
        List<String> problems = new CopyOnWriteArrayList<>();
        runtime.useRestartPolicy(new RecordingPolicy(problems, replica -> {
            // the router's view: the replica is no longer READY, yet its process still answers in-flight requests
            if (runtime.state(replica) != ReplicaState.READY && answers(replica)) {
                drainedWhileRunning.add(replica.id());
            }
        }));
        List<Replica> replicas = new ArrayList<>();
        for (int ordinal = 0; ordinal < 2; ordinal++) {
            replicas.add(runtime.start(backend("1.0.0", ordinal, Map.of("LIVE_FAIL_AFTER_MS", "1000",
                    "LIVE_FAIL_ONCE_FILE", stateDirectory.resolve("liveness-failed-" + ordinal).toString()))));
        }
        for (Replica replica : replicas) {
            assertThat(runtime.awaitReady(replica, PATIENCE)).isEqualTo(ReplicaState.READY);
        }
        AtomicInteger mostDownAtOnce = new AtomicInteger();
        AtomicBoolean watching = new AtomicBoolean(true);
        Thread watcher = new Thread(() -> {
            while (watching.get()) {
                int down = (int) replicas.stream().filter(r -> runtime.state(r) != ReplicaState.READY).count();
                mostDownAtOnce.accumulateAndGet(down, Math::max);
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        watcher.start();
        try {
            awaitTrue(() -> replicas.stream().allMatch(r -> runtime.restarts(r) == 1
                    && runtime.state(r) == ReplicaState.READY));
        } finally {
            watching.set(false);
            watcher.join();
        }

        assertThat(mostDownAtOnce.get()).as("replicas of the revision out of service at the same moment").isEqualTo(1);
        assertThat(drainedWhileRunning).containsExactlyInAnyOrderElementsOf(replicas.stream().map(Replica::id).toList());
        assertThat(Files.readString(runtime.logFile(replicas.get(0))) + Files.readString(runtime.logFile(replicas.get(1))))
                .contains("waiting for the restart of another replica of 1.0.0 to finish first");
        assertThat(problems).isEmpty();
    }

    @Test
    void aReadinessPathAnswering404FailsTheReplicaAtOnceNamingThePath() {
        LocalRuntime runtime = newRuntime();
        HealthSpec wrongPath = new HealthSpec(
                new ProbeSpec("/healthz", Duration.ofMillis(100), Duration.ofMillis(500), 3, Duration.ofMinutes(5)), null);
        Replica replica = runtime.start(new ReplicaRequest("orders", "1.0.0", 0, backendRun(), Map.of(), wrongPath));

        // within PATIENCE, far inside its 5-minute start period
        assertThat(runtime.awaitReady(replica, PATIENCE)).isEqualTo(ReplicaState.FAILED);
        assertThat(runtime.failureReason(replica)).hasValueSatisfying(reason -> assertThat(reason)
                .contains("readiness path /healthz answered 404 Not Found", "release.health.readiness.path"));
    }

    @Test
    void aLivenessPathAnswering404IsReportedAndNeverRestartsTheReplica() {
        LocalRuntime runtime = newRuntime();
        List<String> problems = new CopyOnWriteArrayList<>();
        runtime.useRestartPolicy(new RecordingPolicy(problems, replica -> { }));
        HealthSpec noSuchLiveness = new HealthSpec(QUICK_PROBES.readiness(),
                new ProbeSpec("/alive", Duration.ofMillis(100), Duration.ofMillis(500), 2, Duration.ofSeconds(10)));
        Replica replica = runtime.start(new ReplicaRequest("orders", "1.0.0", 0, backendRun(), Map.of(), noSuchLiveness));
        assertThat(runtime.awaitReady(replica, PATIENCE)).isEqualTo(ReplicaState.READY);

        awaitTrue(() -> !problems.isEmpty());
        assertThat(problems).singleElement().asString()
                .contains("liveness path /alive answered 404 Not Found", "never restarted");
        assertThat(runtime.restarts(replica)).isZero();
        assertThat(runtime.state(replica)).isEqualTo(ReplicaState.READY);
    }

    @Test
    void aNewRuntimeAdoptsTheReplicasOfACrashedOneAndCanStopThem() throws Exception {
        LocalRuntime crashed = newRuntime();
        Replica replica = crashed.start(backend("1.0.0", Map.of()));
        assertThat(crashed.awaitReady(replica, PATIENCE)).isEqualTo(ReplicaState.READY);
        ProcessHandle process = processOf(crashed, replica);
        crashed.detach();

        LocalRuntime successor = newRuntime();
        assertThat(successor.list("orders")).containsExactly(replica);
        assertThat(successor.awaitReady(replica, PATIENCE)).isEqualTo(ReplicaState.READY);
        assertThat(successor.processId(replica)).hasValue(process.pid());

        successor.stop(replica, Duration.ofSeconds(10));
        assertThat(process.isAlive()).isFalse();
        assertThat(successor.list("orders")).isEmpty();
        assertThat(stateDirectory.resolve("run")).isEmptyDirectory();
    }

    @Test
    void stateFilesOfVanishedOrRecycledProcessesAreForgottenOnAdoption() throws Exception {
        LocalRuntime crashed = newRuntime();
        Replica vanishing = crashed.start(backend("1.0.0", 0, Map.of()));
        Replica recycled = crashed.start(backend("1.0.0", 1, Map.of()));
        assertThat(crashed.awaitReady(vanishing, PATIENCE)).isEqualTo(ReplicaState.READY);
        assertThat(crashed.awaitReady(recycled, PATIENCE)).isEqualTo(ReplicaState.READY);
        ProcessHandle vanishingProcess = processOf(crashed, vanishing);
        ProcessHandle recycledProcess = processOf(crashed, recycled);
        crashed.detach();

        vanishingProcess.destroyForcibly();
        vanishingProcess.onExit().get(10, TimeUnit.SECONDS);
        // Pretend the pid was reused by another process: this JVM, which must survive the adoption.
        Path recycledFile = ReplicaStateFile.pathFor(stateDirectory.resolve("run"), recycled.id());
        ReplicaStateFile described = ReplicaStateFile.read(recycledFile);
        new ReplicaStateFile(described.replica(), described.ordinal(), described.plan(), ProcessHandle.current().pid(),
                described.processStart(), described.restarts()).write(recycledFile);

        LocalRuntime successor = newRuntime();
        assertThat(successor.list("orders")).isEmpty();
        assertThat(stateDirectory.resolve("run")).isEmptyDirectory();

        recycledProcess.destroyForcibly();
        recycledProcess.onExit().get(10, TimeUnit.SECONDS);
    }

    @Test
    void closeStopsEveryReplica() {
        LocalRuntime runtime = newRuntime();
        Replica first = runtime.start(backend("1.0.0", 0, Map.of()));
        Replica second = runtime.start(backend("1.0.0", 1, Map.of()));
        assertThat(runtime.awaitReady(first, PATIENCE)).isEqualTo(ReplicaState.READY);
        assertThat(runtime.awaitReady(second, PATIENCE)).isEqualTo(ReplicaState.READY);
        List<ProcessHandle> processes = List.of(processOf(runtime, first), processOf(runtime, second));

        runtime.close();

        assertThat(processes).noneMatch(ProcessHandle::isAlive);
        assertThat(runtime.state(first)).isEqualTo(ReplicaState.STOPPED);
        assertThat(stateDirectory.resolve("run")).isEmptyDirectory();
    }

    // ---------------------------------------------------------------------------------------------------------------

    private LocalRuntime newRuntime() {
        LocalRuntime runtime = new LocalRuntime(stateDirectory);
        runtimes.add(runtime);
        return runtime;
    }

    private static ReplicaRequest backend(String revision, Map<String, String> environment) {
        return backend(revision, 0, environment);
    }

    private static ReplicaRequest backend(String revision, int ordinal, Map<String, String> environment) {
        return new ReplicaRequest("orders", revision, ordinal, backendRun(), environment, QUICK_PROBES);
    }

    /** The test backend as a real child JVM, tuned to start fast. */
    private static RunSpec backendRun() {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classes;
        try {
            classes = Path.of(TestBackend.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        List<String> command = Stream.of(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx32m",
                "-cp", classes, TestBackend.class.getName()).toList();
        return new RunSpec(command, Map.of("FROM_RUN_SPEC", "run"));
    }

    private static boolean answers(Replica replica) {
        try {
            return !get(replica, "/pid").isEmpty();
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static ProcessHandle processOf(LocalRuntime runtime, Replica replica) {
        long pid = runtime.processId(replica).orElseThrow();
        return ProcessHandle.of(pid).orElseThrow();
    }

    private static String get(Replica replica, String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + replica.address() + path))
                .timeout(Duration.ofSeconds(5)).build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString()).body();
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
