package dev.slipway.cli;

import dev.slipway.analysis.judge.ThresholdJudge;
import dev.slipway.analysis.provider.Providers;
import dev.slipway.analysis.provider.RouterMetricProvider;
import dev.slipway.analysis.provider.RouterRequestSamples;
import dev.slipway.analysis.run.AnalysisStatus;
import dev.slipway.analysis.run.MetricStatus;
import dev.slipway.analysis.run.Phase;
import dev.slipway.cli.demo.LoadGenerator;
import dev.slipway.controller.DatabaseTarget;
import dev.slipway.controller.RolloutController;
import dev.slipway.controller.store.JdbcStore;
import dev.slipway.controller.store.RolloutPhase;
import dev.slipway.controller.store.RolloutRecord;
import dev.slipway.model.ServiceSpec;
import dev.slipway.model.SpecParser;
import dev.slipway.router.BuiltInRouter;
import dev.slipway.router.RouterConfig;
import dev.slipway.runtime.local.LocalRuntime;
import dev.slipway.schema.MigrationFile;
import dev.slipway.schema.SchemaEngine;
import dev.slipway.schema.SchemaOptions;
import dev.slipway.testkit.TestPrometheus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

import javax.sql.DataSource;
import java.net.URI;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Canary analysis end to end: the real controller, router, local replicas of the orders service and PostgreSQL,
 * a real Prometheus scraping the router, and a steady client load. A good release passes a Prometheus analysis and
 * a statistical judgement against fresh baseline replicas; a release 30 % slower without a single error is aborted
 * by the judge while a fixed error-rate threshold passes it (a fixed p99 threshold is recorded as a dry run: on a
 * loaded machine any fixed latency limit is either too loose to see 30 % or too tight for the machine); a release that holds a heavy lock is aborted by a database
 * gate; a dry-run metric that fails is recorded and aborts nothing.
 */
class AnalysisEndToEndTest {
    private static final int RATE = 80;
    @TempDir
    static Path shared;
    private static Path home;
    private static Database database;
    private static SchemaEngine engine;
    private static JdbcStore store;

    @TempDir
    Path stateDirectory;
    private String service;
    private BuiltInRouter router;
    private LocalRuntime runtime;
    private RolloutController controller;
    private TestPrometheus prometheus;
    private LoadGenerator load;

    @BeforeAll
    static void startDatabase() {
        TestPrometheus.require();
        home = Path.of(System.getProperty("slipway.home", "..")).toAbsolutePath().normalize();
        database = Database.open("embedded", shared);
        database.recreateDatabase("analysis");
        DataSource dataSource = database.dataSource("analysis");
        engine = new SchemaEngine(dataSource, "public", SchemaOptions.defaults());
        engine.init();
        store = new JdbcStore(dataSource);
        store.init();
        Path migrations = home.resolve("examples/orders/migrations");
        engine.start(MigrationFile.parse(migrations.resolve("001_initial.yaml")), progress -> { });
        engine.complete();
        try (var connection = dataSource.getConnection(); var statement = connection.createStatement()) {
            statement.execute("INSERT INTO public.customers (full_name) SELECT 'Seed ' || g FROM generate_series(1, 2000) g");
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        engine.start(MigrationFile.parse(migrations.resolve("002_split_name.yaml")), progress -> { });
        engine.complete();
    }

    @AfterAll
    static void stopDatabase() {
        if (database != null) {
            database.close();
        }
    }

    @BeforeEach
    void startStack(TestInfo test) {
        service = "orders-" + test.getTestMethod().orElseThrow().getName().toLowerCase().replaceAll("[^a-z0-9]", "")
                .substring(0, 10);
        router = BuiltInRouter.start(RouterConfig.onLoopback());
        prometheus = TestPrometheus.start(List.of(new TestPrometheus.Target("router",
                "127.0.0.1:" + router.adminAddress().getPort(), "/metrics")));
        runtime = new LocalRuntime(stateDirectory);
        URI admin = URI.create("http://127.0.0.1:" + router.adminAddress().getPort());
        RouterMetricProvider metrics = new RouterMetricProvider(admin.resolve("/metrics"));
        DatabaseTarget target = new DatabaseTarget(database.jdbcUrl("analysis"), database.user(), database.password());
        // as the service stack measures: the router's counters and per-request samples, the service's database
        Providers providers = new Providers(new Providers.Environment(service, metrics,
                () -> new RouterRequestSamples(admin), Optional.of(() -> DriverManager.getConnection(target.jdbcUrl(),
                target.user(), target.password())), stateDirectory, Clock.systemUTC()));
        controller = new RolloutController(service, runtime, router, metrics, new ThresholdJudge(), store, engine,
                target, Clock.systemUTC(), entry -> System.out.println(entry.event() + "  " + entry.weights()),
                providers);
        controller.deploy(spec("2.0.0", "orders-2.0.0.jar", "{}").release(), "test");
        load = new LoadGenerator(URI.create("http://127.0.0.1:" + router.address().getPort() + "/"), RATE, 2000);
        load.start();
    }

    @AfterEach
    void stopStack() {
        try {
            if (load != null) {
                load.close();
            }
            if (controller != null) {
                controller.close();
            }
        } finally {
            try {
                runtime.close();
            } finally {
                router.close();
                prometheus.close();
            }
        }
    }

    /**
     * The orders service at {@code version} from {@code jar} with {@code env}, canary steps of a test, and the
     * templates the tests use: a Prometheus error share, a fixed p99 threshold, a statistical judge of per-request
     * latencies (the router's samples) against the baseline, and a lock-wait gate. The judge looks six times over a
     * minute (about 1400 requests a side at this load), sharing the default false-positive budget (0.5 %) between
     * the six looks; bench/analysis measures the power of such an analysis.
     */
    private ServiceSpec spec(String version, String jar, String env, String steps) {
        String address = prometheus.address();
        String yaml = """
                service: %1$s
                analysisTemplates:
                  - name: prometheus-checks
                    metrics:
                      - name: error-share
                        interval: 4s
                        count: 3
                        inconclusiveLimit: 2
                        successCondition: result < 0.05
                        provider:
                          prometheus:
                            address: %2$s
                            query: >-
                              sum(rate(slipway_router_requests_total{revision="{{args.canary}}",code="5xx"}[15s]))
                              / sum(rate(slipway_router_requests_total{revision="{{args.canary}}"}[15s]))
                      - name: p99-threshold
                        dryRun: true
                        interval: 4s
                        count: 3
                        inconclusiveLimit: 2
                        successCondition: result < 1000
                        provider: {router: {metric: latencyP99, minRequests: 10}}
                      - name: impossible
                        dryRun: true
                        interval: 3s
                        count: 2
                        successCondition: result < 0
                        provider: {router: {metric: requests}}
                  - name: judge
                    metrics:
                      - name: canary-vs-baseline
                        initialDelay: 10s
                        interval: 10s
                        count: 6
                        inconclusiveLimit: 5
                        provider:
                          statistical:
                            groups:
                              - name: latency
                                metrics:
                                  - {name: latency, source: router.latency, critical: true}
                  - name: database
                    metrics:
                      - name: lock-waits
                        interval: 3s
                        count: 6
                        inconclusiveLimit: 5
                        failureCondition: result > 100
                        provider: {database: {measure: lockWaitCaused, window: 2s}}
                release:
                  version: "%3$s"
                  run:
                    command: [java, -Xmx64m, -XX:TieredStopAtLevel=1, -XX:+UseSerialGC, -jar, "%4$s"]
                    env: %5$s
                  schema: 2
                  replicas: 1
                  health:
                    readiness: {path: /ready, period: 200ms, timeout: 1s, failureThreshold: 2, startPeriod: 90s}
                  strategy:
                    canary:
                      steps:
                %6$s
                """.formatted(service, address, version, home.resolve("examples/orders/target/" + jar), env,
                steps.indent(8).stripTrailing());
        return SpecParser.parse("slipway.yaml", yaml);
    }

    private ServiceSpec spec(String version, String jar, String env) {
        return spec(version, jar, env, "- setWeight: 100");
    }

    private static final String PROMETHEUS_AND_JUDGE = """
            - setWeight: 30
            - analysis: {templates: [prometheus-checks]}
            - experiment:
                replicas: 1
                analyses:
                  - templates: [judge]
            - setWeight: 100""";

    /** Runs a rollout to its end; one that pauses (an inconclusive analysis) fails the test with the analyses. */
    private RolloutRecord rollout(ServiceSpec spec) {
        java.util.concurrent.CompletableFuture<RolloutRecord> rollout = java.util.concurrent.CompletableFuture
                .supplyAsync(() -> controller.rollout(spec.release(), "test"));
        CliHarness.await(java.time.Duration.ofMinutes(3), () -> rollout.isDone()
                || controller.status().rollout().filter(r -> r.phase() == RolloutPhase.PAUSED).isPresent());
        if (!rollout.isDone()) {
            controller.abort("test", "paused");
            rollout.join();
            throw new AssertionError("the rollout paused (load: " + load.sent() + " sent, " + load.succeeded()
                    + " succeeded, by revision " + load.answersByRevision() + "): "
                    + controller.status().rollout().orElseThrow().message()
                    + "\nanalyses: " + controller.analyses());
        }
        return rollout.join();
    }

    private MetricStatus metric(String analysisPrefix, String metric) {
        return controller.analyses().stream().filter(a -> a.name().startsWith(analysisPrefix)).findFirst()
                .flatMap(a -> a.metric(metric)).orElseThrow(() -> new AssertionError("no metric " + metric + " in "
                        + controller.analyses()));
    }

    @Test
    void aGoodReleasePassesPrometheusAndTheStatisticalJudgeAndADryRunFailureAbortsNothing() {
        RolloutRecord ended = rollout(spec("2.1.0", "orders-2.0.0.jar", "{}", PROMETHEUS_AND_JUDGE));

        assertThat(ended.phase()).as(ended.message()).isEqualTo(RolloutPhase.PROMOTED);
        assertThat(metric("step 2", "error-share").phase()).isEqualTo(Phase.SUCCESSFUL);
        assertThat(metric("step 3", "canary-vs-baseline").phase()).isEqualTo(Phase.SUCCESSFUL);
        MetricStatus impossible = metric("step 2", "impossible");
        assertThat(impossible.dryRun()).isTrue();
        assertThat(impossible.phase()).as("the dry-run metric failed, and was only recorded").isEqualTo(Phase.FAILED);
        AnalysisStatus step = controller.analyses().get(0);
        assertThat(step.phase()).isEqualTo(Phase.SUCCESSFUL);
        assertThat(step.dryRunFailures()).extracting(MetricStatus::name).contains("impossible");
        MetricStatus judge = metric("step 3", "canary-vs-baseline");
        assertThat(judge.measurements().get(judge.measurements().size() - 1).value()).isEqualTo("score 100");
        assertThat(runtime.list(service)).extracting(r -> r.revision()).containsOnly("2.1.0");
    }

    @Test
    void aReleaseThirtyPercentSlowerIsAbortedByTheJudgeWhereAFixedThresholdPassesIt() {
        RolloutRecord ended = rollout(spec("3.0.0", "orders-3.0.0.jar",
                "{ORDERS_FAULT_RATE: \"0\", ORDERS_ADDED_LATENCY: \"30%\"}", PROMETHEUS_AND_JUDGE));

        assertThat(ended.phase()).isEqualTo(RolloutPhase.ABORTED);
        assertThat(ended.message()).startsWith("analysis step 3 experiment: judge failed: metric canary-vs-baseline failed")
                .contains("critical metric failed: latency high");
        assertThat(metric("step 2", "error-share").phase()).as("a fixed error-rate threshold let it through")
                .isEqualTo(Phase.SUCCESSFUL);
        assertThat(controller.stableVersion()).contains("2.0.0");
        assertThat(runtime.list(service)).extracting(r -> r.revision()).containsOnly("2.0.0");
    }

    @Test
    void aReleaseHoldingAHeavyLockIsAbortedByTheDatabaseGate() {
        RolloutRecord ended = rollout(spec("3.0.0", "orders-3.0.0.jar",
                "{ORDERS_FAULT_RATE: \"0\", ORDERS_LOCK_HOLD: 300ms, ORDERS_LOCK_SHARE: \"0.5\"}", """
                        - setWeight: 30
                        - analysis: {templates: [database]}
                        - setWeight: 100"""));

        assertThat(ended.phase()).isEqualTo(RolloutPhase.ABORTED);
        assertThat(ended.message()).startsWith("analysis step 2: database failed: metric lock-waits failed")
                .contains("failureCondition 'result > 100' held").contains("sessions of " + service + "/3.0.0");
        assertThat(controller.stableVersion()).contains("2.0.0");
    }
}
