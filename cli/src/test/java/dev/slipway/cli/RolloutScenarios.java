package dev.slipway.cli;

import dev.slipway.analysis.judge.ThresholdJudge;
import dev.slipway.analysis.provider.RouterMetricProvider;
import dev.slipway.cli.demo.LoadGenerator;
import dev.slipway.controller.DatabaseTarget;
import dev.slipway.controller.RolloutController;
import dev.slipway.controller.store.JdbcStore;
import dev.slipway.controller.store.RolloutPhase;
import dev.slipway.controller.store.RolloutRecord;
import dev.slipway.model.ReleaseSpec;
import dev.slipway.model.SpecParser;
import dev.slipway.router.BuiltInRouter;
import dev.slipway.router.RouterConfig;
import dev.slipway.runtime.Replica;
import dev.slipway.runtime.ReplicaRequest;
import dev.slipway.runtime.ReplicaState;
import dev.slipway.runtime.Runtime;
import dev.slipway.schema.MigrationFile;
import dev.slipway.schema.SchemaEngine;
import dev.slipway.schema.SchemaOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

import javax.sql.DataSource;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rollouts of the orders service, once for every runtime: each subclass says how its runtime starts a release of
 * a given jar, how it is created on a state directory and how it is left behind by a crash. Traffic goes through the
 * built-in router under a steady client load of 200 requests/s (reads and writes), and every failed request is
 * counted as the client saw it. Real replicas, real PostgreSQL.
 */
abstract class RolloutScenarios {
    private static final int RATE = 200;
    @TempDir
    static Path shared;
    static Path home;
    private static Database database;
    private static SchemaEngine engine;
    private static JdbcStore store;

    @TempDir
    Path stateDirectory;
    String service;
    private BuiltInRouter router;
    Runtime runtime;
    RolloutController controller;
    LoadGenerator load;
    private final List<AutoCloseable> closeFirst = new ArrayList<>();

    /** Skips or fails (under SLIPWAY_CI_STRICT=1) when this runtime cannot run here; called before each test. */
    void requireRuntime() {
    }

    /** A runtime on {@code stateDirectory}, adopting the replicas an earlier one left running there. */
    abstract Runtime newRuntime(Path stateDirectory);

    /** What a controller crash leaves of a runtime: its threads end, its replicas keep running. */
    abstract void crash(Runtime runtime);

    /** {@code run.command} (a YAML flow sequence) that runs {@code examples/orders/target/<jar>} on this runtime. */
    abstract String command(String jar);

    /** Ends the replica's process with SIGKILL, from outside Slipway, as the kernel's OOM killer would. */
    abstract void kill(Replica replica);

    /** How many replicas really run on the machine for this state directory, whoever started them. */
    abstract int runningOnTheMachine(Path stateDirectory);

    /** Called once the stack of a test is closed. */
    void afterStack(Path stateDirectory) throws Exception {
    }

    @BeforeAll
    static void startDatabase() throws Exception {
        home = Path.of(System.getProperty("slipway.home", "..")).toAbsolutePath().normalize();
        database = Database.open("embedded", shared);
        database.recreateDatabase("rollouts");
        DataSource dataSource = database.dataSource("rollouts");
        engine = new SchemaEngine(dataSource, "public", SchemaOptions.defaults());
        engine.init();
        store = new JdbcStore(dataSource);
        store.init();
        Path migrations = home.resolve("examples/orders/migrations");
        engine.start(MigrationFile.parse(migrations.resolve("001_initial.yaml")), progress -> { });
        engine.complete();
        try (var connection = dataSource.getConnection(); var statement = connection.createStatement()) {
            statement.execute("INSERT INTO public.customers (full_name) SELECT 'Seed ' || g FROM generate_series(1, 2000) g");
        }
        // State {1, 2}: binaries for schema 1 and for schema 2 (the faulty build) can both run.
        engine.start(MigrationFile.parse(migrations.resolve("002_split_name.yaml")), progress -> { });
    }

    @AfterAll
    static void stopDatabase() {
        database.close();
    }

    @BeforeEach
    void startStack(TestInfo test) {
        requireRuntime();
        service = "orders-" + test.getTestMethod().orElseThrow().getName().toLowerCase().replaceAll("[^a-z0-9]", "")
                .substring(0, 12);
        router = BuiltInRouter.start(RouterConfig.onLoopback());
        runtime = newRuntime(stateDirectory);
        controller = newController(runtime);
    }

    private RolloutController newController(Runtime replicas) {
        InetSocketAddress admin = router.adminAddress();
        return new RolloutController(service, replicas, router, new RouterMetricProvider(
                URI.create("http://127.0.0.1:" + admin.getPort() + "/metrics")), new ThresholdJudge(), store, engine,
                new DatabaseTarget(database.jdbcUrl("rollouts"), database.user(), database.password()),
                Clock.systemUTC(), entry -> System.out.println(entry.event() + "  " + entry.weights()));
    }

    @AfterEach
    void stopStack() throws Exception {
        try {
            if (load != null) {
                load.close();
            }
            // a restarted controller and its runtime go first: they drain through the router
            for (AutoCloseable closeable : closeFirst) {
                closeable.close();
            }
            if (controller != null) {
                controller.close();
            }
        } finally {
            try {
                if (runtime != null) {
                    runtime.close();
                }
            } finally {
                if (router != null) {
                    router.close();
                }
                afterStack(stateDirectory);
            }
        }
    }

    /** A release of the orders service as a spec file would give it. */
    ReleaseSpec release(String version, String jar, String schema, int replicas, String strategy) {
        return release(version, jar, schema, replicas, strategy, "/ready", "30s");
    }

    ReleaseSpec release(String version, String jar, String schema, int replicas, String strategy,
                                String readinessPath, String startPeriod) {
        String yaml = """
                version: "%s"
                run: {command: %s}
                schema: %s
                replicas: %d
                health:
                  readiness: {path: %s, period: 200ms, timeout: 1s, failureThreshold: 2, startPeriod: %s}
                strategy:
                %s
                """.formatted(version, command(jar), schema, replicas, readinessPath, startPeriod,
                strategy.indent(2).stripTrailing());
        return SpecParser.parseRelease("test release " + version, yaml);
    }

    ReleaseSpec v1(String version, int replicas, String strategy) {
        return release(version, "orders-1.0.0.jar", "[1, 1]", replicas, strategy);
    }

    void deployAndLoad(ReleaseSpec first) {
        controller.deploy(first, "test");
        InetSocketAddress address = router.address();
        load = new LoadGenerator(URI.create("http://127.0.0.1:" + address.getPort() + "/"), RATE, 2000);
        load.start();
        sleep(1500);
    }

    void assertNoFailedRequests() {
        long answeredBefore = load.succeeded();
        sleep(1000);
        load.stop();
        printLoad();
        assertThat(load.failures()).as("requests the client saw fail").isEmpty();
        // The load ran through the scenario and on after it. (Not a count over the whole test, whose length is the
        // machine's speed: a quick machine makes a short test.)
        assertThat(answeredBefore).as("answers while the scenario ran").isGreaterThan(RATE);
        assertThat(load.succeeded() - answeredBefore).as("answers in the second after it").isGreaterThan(RATE / 2);
        assertThat(load.succeeded()).isEqualTo(load.sent());
    }

    void printLoad() {
        System.out.println("load: " + load.sent() + " sent, " + load.succeeded() + " succeeded, "
                + load.failures().size() + " failed, answers by revision " + load.answersByRevision());
    }

    @Test
    void aCanaryTenFiftyHundredIsPromotedWithoutOneFailedRequest() {
        deployAndLoad(v1("1.0.0", 2, "canary: {steps: [{setWeight: 100}]}"));
        RolloutRecord ended = controller.rollout(v1("1.1.0", 2, """
                canary:
                  steps:
                    - setWeight: 10
                    - pause: 2s
                    - analysis: {errorRate: {max: 0.01}, minRequests: 40, window: 20s}
                    - setWeight: 50
                    - pause: 2s
                    - setWeight: 100
                    - pause: 1s"""), "test");

        assertThat(ended.phase()).isEqualTo(RolloutPhase.PROMOTED);
        assertThat(controller.stableVersion()).contains("1.1.0");
        assertThat(load.answersByRevision()).containsKeys("1.0.0", "1.1.0");
        assertNoFailedRequests();
        assertThat(runtime.list(service)).extracting(Replica::revision).containsOnly("1.1.0");
    }

    @Test
    void aCanaryAbortedMidwayReturnsAllTrafficToStable() {
        deployAndLoad(v1("1.0.0", 2, "canary: {steps: [{setWeight: 100}]}"));
        CompletableFuture<RolloutRecord> rollout = CompletableFuture.supplyAsync(() ->
                controller.rollout(v1("1.1.0", 1, "canary: {steps: [{setWeight: 30}, {pause: {}}]}"), "test"));
        await(() -> controller.status().canaryWeight() == 30, Duration.ofSeconds(45));
        sleep(1500);
        controller.abort("test", "changed my mind");

        RolloutRecord ended = rollout.orTimeout(60, TimeUnit.SECONDS).join();
        assertThat(ended.phase()).isEqualTo(RolloutPhase.ABORTED);
        assertThat(ended.message()).isEqualTo("aborted by test: changed my mind");
        assertThat(controller.stableVersion()).contains("1.0.0");
        assertThat(load.answersByRevision()).containsKeys("1.0.0", "1.1.0");
        assertNoFailedRequests();
        assertThat(runtime.list(service)).extracting(Replica::revision).containsOnly("1.0.0");
    }

    @Test
    void aRollingUpdateOfThreeReplicasLosesNothing() {
        deployAndLoad(v1("1.0.0", 3, "rolling: {maxSurge: 1, maxUnavailable: 0}"));
        RolloutRecord ended = controller.rollout(v1("1.1.0", 3, "rolling: {maxSurge: 1, maxUnavailable: 0}"), "test");

        assertThat(ended.phase()).isEqualTo(RolloutPhase.PROMOTED);
        assertThat(controller.status().stable().orElseThrow().readyReplicas()).isEqualTo(3);
        assertNoFailedRequests();
        assertThat(runtime.list(service)).extracting(Replica::revision).containsOnly("1.1.0");
    }

    @Test
    void blueGreenSwitchesAtOnceAndUndoIsInstant() {
        deployAndLoad(v1("1.0.0", 2, "canary: {steps: [{setWeight: 100}]}"));
        RolloutRecord ended = controller.rollout(v1("1.1.0", 2,
                "blueGreen: {autoPromoteAfter: 2s, scaleDownDelay: 60s}"), "test");
        assertThat(ended.phase()).isEqualTo(RolloutPhase.PROMOTED);
        assertThat(controller.runningVersions()).containsExactly("1.1.0", "1.0.0");
        sleep(1500);

        long before = System.nanoTime();
        controller.undo(null, "test");
        long undoMillis = (System.nanoTime() - before) / 1_000_000;

        assertThat(controller.stableVersion()).contains("1.0.0");
        System.out.println("blue-green undo took " + undoMillis + " ms (draining the undone release included)");
        assertNoFailedRequests();
    }

    @Test
    void aControllerThatDiesMidCanaryIsResumedByANewOneAndTheRolloutCompletes() {
        deployAndLoad(v1("1.0.0", 2, "canary: {steps: [{setWeight: 100}]}"));
        // apply runs the rollout on the controller's own worker thread, which the "crash" below ends
        controller.apply(v1("1.1.0", 2, """
                canary:
                  steps:
                    - setWeight: 25
                    - pause: 3s
                    - setWeight: 60
                    - pause: 2s"""), "test");
        await(() -> controller.status().canaryWeight() == 25, Duration.ofSeconds(45));
        // A working replica of no revision the store knows, such as a crash between starting and recording one
        // leaves behind: the new controller must not leave it running unaccounted for.
        ReleaseSpec unknown = v1("0.9.0", 1, "canary: {steps: [{setWeight: 100}]}");
        Replica stray = runtime.start(new ReplicaRequest(service, unknown.version(), 0, unknown.run(), Map.of(
                "DATABASE_URL", database.jdbcUrl("rollouts"), "DATABASE_USER", database.user(),
                "DATABASE_PASSWORD", database.password(), "DATABASE_SCHEMA", engine.versionSchema(1),
                "SLIPWAY_REVISION", unknown.version()), unknown.health()));
        assertThat(runtime.awaitReady(stray, Duration.ofSeconds(30))).isEqualTo(ReplicaState.READY);
        // The crash: threads gone, replicas and the router (its own process in production) keep running.
        controller.detach();
        crash(runtime);
        sleep(1500);

        Runtime adoptedRuntime = newRuntime(stateDirectory);
        closeFirst.add(adoptedRuntime);
        RolloutController restarted = newController(adoptedRuntime);
        closeFirst.add(0, restarted::close);
        assertThat(restarted.resume("test")).isTrue();
        await(() -> restarted.stableVersion().filter("1.1.0"::equals).isPresent()
                && restarted.status().canary().isEmpty()
                && adoptedRuntime.list(service).stream().allMatch(r -> r.revision().equals("1.1.0")),
                Duration.ofSeconds(60));

        assertThat(store.latestRollout(service).orElseThrow().phase()).isEqualTo(RolloutPhase.PROMOTED);
        assertThat(adoptedRuntime.list(service)).extracting(Replica::revision).containsOnly("1.1.0");
        // The replaced stable revision and the stray drain and end after they left the list.
        await(() -> runningOnTheMachine(stateDirectory) == 2, Duration.ofSeconds(30));
        assertNoFailedRequests();
    }

    @Test
    void aCanaryThatCrashesAfterItWasReadyIsAbortedWithItsExitCodeWhileStableServesEveryRequest() {
        deployAndLoad(v1("1.0.0", 2, "canary: {steps: [{setWeight: 100}]}"));
        // The canary pauses at weight 0: its crashes cost the clients nothing, only the rollout.
        ReleaseSpec crashing = SpecParser.parseRelease("test release 1.2.0", """
                version: "1.2.0"
                run: {command: %s, env: {ORDERS_EXIT_AFTER: 2s}}
                schema: [1, 1]
                replicas: 1
                health:
                  readiness: {path: /ready, period: 200ms, timeout: 1s, failureThreshold: 2, startPeriod: 30s}
                strategy:
                  canary: {steps: [{pause: 5m}, {setWeight: 100}]}
                """.formatted(command("orders-1.0.0.jar")));
        RolloutRecord ended = controller.rollout(crashing, "test");

        assertThat(ended.phase()).isEqualTo(RolloutPhase.ABORTED);
        // "crashed: exited with code 3 after it was ready (crash 1 in a row) ...", or on a machine so loaded that the
        // runtime never saw it ready before it exited, "failed: exited with code 3"
        assertThat(ended.message()).contains("of 1.2.0", "exited with code 3");
        assertThat(controller.stableVersion()).contains("1.0.0");
        assertNoFailedRequests();
        assertThat(runtime.list(service)).extracting(Replica::revision).containsOnly("1.0.0");
    }

    /**
     * A replica killed under load is out of routing as soon as the runtime learns of its exit, reported, and started
     * again, while the other one serves. The only requests a crash may cost are writes already sent to the dying process:
     * the router cannot know whether they were applied, so it never sends them twice (reads it sends again).
     */
    @Test
    void aStableReplicaKilledUnderLoadIsStartedAgainWhileTheOtherServes() {
        deployAndLoad(v1("1.0.0", 2, "canary: {steps: [{setWeight: 100}]}"));
        Replica victim = runtime.list(service).get(0);
        kill(victim);

        // reported on the timeline, then as the replica's last crash (which a canary's rollout stops on)
        await(() -> runtime.lastCrash(victim).isPresent(), Duration.ofSeconds(30));
        long crashKnownAt = (long) (load.elapsedSeconds() * 1000);
        assertThat(runtime.lastCrash(victim).orElseThrow()).contains("after it was ready (crash 1 in a row)");
        assertThat(controller.timeline()).anySatisfy(entry -> assertThat(entry.event())
                .contains("replica " + victim.id() + ": ", "after it was ready (crash 1 in a row)"));
        await(() -> runtime.state(victim) == ReplicaState.READY
                && controller.status().stable().orElseThrow().readyReplicas() == 2, Duration.ofSeconds(60));
        long answeredWhenBothWereBack = load.succeeded();
        sleep(1500); // both replicas serve again
        load.stop();
        printLoad();
        // Reads are sent again and a refused connection is retried on the other replica, so only writes that were on
        // their way to the killed process may fail: those sent before Slipway knew of the crash, or while the new
        // route table was reaching the router (2 s of slack, against a loaded machine; the kill itself is a moment).
        assertThat(load.failures()).as("requests the client saw fail: only writes already sent to the killed process")
                .allSatisfy(failure -> {
                    assertThat(failure.method()).isEqualTo("POST");
                    assertThat(failure.atMillis()).isLessThanOrEqualTo(crashKnownAt + 2000);
                });
        // The load ran before the kill and on after the restart. (Not a count over the whole test: a quick restart on a
        // quiet machine makes the test short, so such a count measures the machine's speed.)
        assertThat(answeredWhenBothWereBack).as("answers before the victim was back").isGreaterThan(RATE);
        assertThat(load.succeeded() - answeredWhenBothWereBack).as("answers in the 1.5 s after it was back")
                .isGreaterThan(RATE / 2);
        assertThat(runtime.list(service)).as("started again in place, not replaced").hasSize(2)
                .extracting(Replica::id).contains(victim.id());
    }

    private static void await(BooleanSupplier condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + timeout.toSeconds() + " s");
            }
            sleep(100);
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
