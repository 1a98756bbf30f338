package dev.slipway.cli;

import dev.slipway.analysis.judge.ThresholdJudge;
import dev.slipway.analysis.provider.RouterMetricProvider;
import dev.slipway.cli.demo.LoadGenerator;
import dev.slipway.controller.DatabaseTarget;
import dev.slipway.controller.RolloutController;
import dev.slipway.controller.SchemaCoordinator;
import dev.slipway.controller.store.JdbcStore;
import dev.slipway.controller.store.RolloutPhase;
import dev.slipway.controller.store.RolloutRecord;
import dev.slipway.model.ReleaseSpec;
import dev.slipway.model.SpecParser;
import dev.slipway.router.BuiltInRouter;
import dev.slipway.router.RouterConfig;
import dev.slipway.runtime.Replica;
import dev.slipway.runtime.docker.DockerRuntime;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link RolloutEndToEndTest}'s rollouts on the docker runtime: every replica of the orders service is a container
 * of the local engine (host networking, loopback ports), run from an image slipway's image module built here on a
 * jlinked JRE base (see {@link DockerOrdersImage}: nothing is pulled). The router, the controller and a steady client
 * load of 200 requests/s (reads and writes) are the same as there, and so is the bar: not one failed request.
 * Skips with a printed reason when no engine answers (fails instead under SLIPWAY_CI_STRICT=1).
 */
class DockerRolloutEndToEndTest {
    private static final int RATE = 200;
    @TempDir
    static Path shared;
    private static Database database;
    private static DataSource dataSource;
    private static SchemaEngine engine;
    private static JdbcStore store;
    private static String image;
    /** Why these tests cannot run here (no engine, no orders jar), or null. */
    private static String unavailable;

    @TempDir
    Path stateDirectory;
    private String service;
    private BuiltInRouter router;
    private DockerRuntime runtime;
    private RolloutController controller;
    private LoadGenerator load;

    @BeforeAll
    static void buildImageAndStartDatabase() throws Exception {
        String problem = DockerServices.engineProblem();
        Path home = Path.of(System.getProperty("slipway.home", "..")).toAbsolutePath().normalize();
        Path jar = home.resolve("examples/orders/target/orders-1.0.0.jar");
        if (problem != null) {
            // checked again before each test, so that every test is reported skipped (or failed under strict)
            unavailable = problem + "; start one with: bash .ci/image-services.sh";
            return;
        }
        if (!Files.isRegularFile(jar)) {
            unavailable = jar + " is missing (mvn -pl examples/orders package)";
            return;
        }
        image = DockerOrdersImage.reference(jar);

        database = Database.open("embedded", shared);
        database.recreateDatabase("dockerrollouts");
        dataSource = database.dataSource("dockerrollouts");
        engine = new SchemaEngine(dataSource, "public", SchemaOptions.defaults());
        engine.init();
        store = new JdbcStore(dataSource);
        store.init();
        engine.start(MigrationFile.parse(home.resolve("examples/orders/migrations/001_initial.yaml")), progress -> { });
        engine.complete();
        try (var connection = dataSource.getConnection(); var statement = connection.createStatement()) {
            statement.execute("INSERT INTO public.customers (full_name) SELECT 'Seed ' || g FROM generate_series(1, 2000) g");
        }
    }

    @AfterAll
    static void stopDatabase() {
        if (database != null) {
            database.close();
        }
    }

    @BeforeEach
    void startStack(TestInfo test) {
        DockerServices.require(unavailable == null, unavailable);
        service = "dorders-" + test.getTestMethod().orElseThrow().getName().toLowerCase().replaceAll("[^a-z0-9]", "")
                .substring(0, 12);
        router = BuiltInRouter.start(RouterConfig.onLoopback());
        runtime = new DockerRuntime(stateDirectory);
        InetSocketAddress admin = router.adminAddress();
        SchemaCoordinator schema = new SchemaCoordinator(service, engine, store, Clock.systemUTC());
        controller = new RolloutController(service, runtime, router, new RouterMetricProvider(
                URI.create("http://127.0.0.1:" + admin.getPort() + "/metrics")), new ThresholdJudge(), store, schema,
                new DatabaseTarget(database.jdbcUrl("dockerrollouts"), database.user(), database.password()),
                Clock.systemUTC(), entry -> System.out.println(entry.event() + "  " + entry.weights()));
    }

    @AfterEach
    void stopStack() throws Exception {
        try {
            if (load != null) {
                load.close();
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
                removeLeftoverContainers();
            }
        }
    }

    /** A safety net behind DockerRuntime.close: no container of this test's state directory may outlive it. */
    private void removeLeftoverContainers() throws Exception {
        String label = "dev.slipway.state-directory=" + stateDirectory.toRealPath();
        DockerServices.Outcome listed = DockerServices.run(List.of("docker", "ps", "-aq", "--filter", "label=" + label), 30);
        if (unavailable != null || listed.exitCode() != 0) {
            return;
        }
        String ids = listed.output().strip();
        if (!ids.isEmpty()) {
            System.out.println("removing containers DockerRuntime.close left behind: " + ids.replace('\n', ' '));
            for (String id : ids.split("\\s+")) {
                DockerServices.run(List.of("docker", "rm", "-f", id), 60);
            }
        }
        assertThat(ids).as("containers left after DockerRuntime.close").isEmpty();
    }

    /** A release of the orders image: the image's entrypoint runs the jar, so the command names only the image. */
    private ReleaseSpec release(String version, int replicas, String strategy) {
        String yaml = """
                version: "%s"
                run: {command: ["image:%s"]}
                schema: [1, 1]
                replicas: %d
                health:
                  readiness: {path: /ready, period: 200ms, timeout: 1s, failureThreshold: 2, startPeriod: 30s}
                strategy:
                %s
                """.formatted(version, image, replicas, strategy.indent(2).stripTrailing());
        return SpecParser.parseRelease("docker test release " + version, yaml);
    }

    private void deployAndLoad(ReleaseSpec first) {
        controller.deploy(first, "test");
        assertThat(runtime.list(service)).allSatisfy(replica ->
                assertThat(runtime.containerId(replica)).as("a container runs " + replica.id()).isPresent());
        InetSocketAddress address = router.address();
        load = new LoadGenerator(URI.create("http://127.0.0.1:" + address.getPort() + "/"), RATE, 2000);
        load.start();
        sleep(1500);
    }

    private void assertNoFailedRequests() {
        sleep(1000);
        load.stop();
        System.out.println("load: " + load.sent() + " sent, " + load.succeeded() + " succeeded, by revision "
                + load.answersByRevision());
        assertThat(load.failures()).as("requests the client saw fail").isEmpty();
        assertThat(load.sent()).as("the load really ran").isGreaterThan(RATE * 3L);
        assertThat(load.succeeded()).isEqualTo(load.sent());
    }

    @Test
    void aCanaryTenFiftyHundredIsPromotedWithoutOneFailedRequest() {
        deployAndLoad(release("1.0.0", 2, "canary: {steps: [{setWeight: 100}]}"));
        RolloutRecord ended = controller.rollout(release("1.1.0", 2, """
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
        deployAndLoad(release("1.0.0", 2, "canary: {steps: [{setWeight: 100}]}"));
        CompletableFuture<RolloutRecord> rollout = CompletableFuture.supplyAsync(() ->
                controller.rollout(release("1.1.0", 1, "canary: {steps: [{setWeight: 30}, {pause: {}}]}"), "test"));
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
        deployAndLoad(release("1.0.0", 3, "rolling: {maxSurge: 1, maxUnavailable: 0}"));
        RolloutRecord ended = controller.rollout(release("1.1.0", 3, "rolling: {maxSurge: 1, maxUnavailable: 0}"),
                "test");

        assertThat(ended.phase()).isEqualTo(RolloutPhase.PROMOTED);
        assertThat(controller.status().stable().orElseThrow().readyReplicas()).isEqualTo(3);
        assertNoFailedRequests();
        assertThat(runtime.list(service)).extracting(Replica::revision).containsOnly("1.1.0");
    }

    @Test
    void blueGreenSwitchesAtOnceAndUndoIsInstant() {
        deployAndLoad(release("1.0.0", 2, "canary: {steps: [{setWeight: 100}]}"));
        RolloutRecord ended = controller.rollout(release("1.1.0", 2,
                "blueGreen: {autoPromoteAfter: 2s, scaleDownDelay: 60s}"), "test");
        assertThat(ended.phase()).isEqualTo(RolloutPhase.PROMOTED);
        assertThat(controller.runningVersions()).containsExactly("1.1.0", "1.0.0");
        sleep(1500);

        long before = System.nanoTime();
        controller.undo(null, "test");
        long undoMillis = (System.nanoTime() - before) / 1_000_000;

        assertThat(controller.stableVersion()).contains("1.0.0");
        System.out.println("blue-green undo on docker took " + undoMillis + " ms (draining the undone release included)");
        assertNoFailedRequests();
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

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
