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
import dev.slipway.model.RunSpec;
import dev.slipway.model.SpecParser;
import dev.slipway.router.BuiltInRouter;
import dev.slipway.router.RouterConfig;
import dev.slipway.runtime.Replica;
import dev.slipway.runtime.ReplicaRequest;
import dev.slipway.runtime.ReplicaState;
import dev.slipway.runtime.swarm.SwarmRuntime;
import dev.slipway.runtime.swarm.SwarmSettings;
import dev.slipway.schema.SchemaEngine;
import dev.slipway.testkit.TestRegistry;
import dev.slipway.testkit.TestServices;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.sql.DataSource;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The swarm runtime on a swarm of three engines on this machine ({@link SwarmCluster}: a manager and two workers,
 * each a dockerd in a network namespace of its own), driven by the controller and the built-in router on the host
 * under a steady client load, with the database and the registry on the host's end of the cluster's bridge.
 *
 * <p>It shows that the replicas spread over the nodes, that a canary loses no request, and then what clients see when
 * a worker dies (every process of it killed, its link down): the requests that fail, how long until Swarm notices
 * the node is down, and how long until the replica it ran answers, READY, on another node. The figures are printed
 * (look for "multi-node swarm:"); the test asserts what must hold on any machine: the canary loses nothing, the lost
 * replica is READY elsewhere within two minutes, and nothing fails once it is.
 *
 * <p>Needs root, iproute2, util-linux, docker.io and docker-registry (skips without them; fails under
 * SLIPWAY_CI_STRICT=1). Never touches the host's own engine beyond building the test's base image, and leaves no
 * namespace, link, mount or process behind.
 */
class MultiNodeSwarmEndToEndTest {
    private static final int RATE = 100;
    private static final int SEEDED = 1000;
    private static final int REPLICAS = 3;

    @TempDir
    Path directory;

    @Test
    void replicasSpreadOverTheNodesACanaryLosesNothingAndALostNodesReplicaMovesToAnother() throws Exception {
        String unavailable = SwarmCluster.unavailable();
        if (unavailable == null) {
            unavailable = TestServices.dockerEngineProblem();
        }
        Path jar = SlipwayProcesses.home().resolve("examples/orders/target/orders-1.0.0.jar");
        if (unavailable == null && !Files.isRegularFile(jar)) {
            unavailable = jar + " is missing (mvn -pl examples/orders package)";
        }
        TestServices.require(unavailable == null, unavailable + "; run: bash .ci/image-services.sh");

        List<AutoCloseable> resources = new ArrayList<>();
        SwarmCluster cluster = SwarmCluster.network(List.of("m", "w1", "w2"));
        try {
            TestRegistry registry = TestRegistry.start(directory);
            resources.add(registry);
            String mirror = registry.serveAlsoOn(cluster.hostAddress());
            cluster.startEngines(mirror);
            String pushed = DockerOrdersImage.pushed(jar, registry);
            String image = mirror + pushed.substring(registry.host().length());
            System.out.println("cluster up: nodes " + cluster.hostnamesById().values() + ", image " + image);

            EmbeddedPostgres postgres = postgresFor(cluster);
            resources.add(0, postgres);
            Database database = Database.open("jdbc:postgresql://" + cluster.hostAddress() + ":" + postgres.getPort()
                    + "/postgres?user=postgres", directory);
            SchemaEngine engine = OrdersDatabase.atVersionOne(database, "orders", SEEDED);
            DataSource dataSource = database.dataSource("orders");
            JdbcStore store = new JdbcStore(dataSource);
            store.init();

            Path state = Files.createDirectories(directory.resolve("state"));
            SwarmSettings settings = SwarmSettings.defaults().withManager(cluster.manager().engine());
            // Bad input first, on the real cluster: a worker is no manager; an image named by this machine's loopback
            // registry is one that no node can pull.
            SwarmSettings workerAsManager = settings.withManager(cluster.node("w1").engine());
            assertThatThrownBy(() -> new SwarmRuntime(state, workerAsManager))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("is a swarm worker, not a manager");

            BuiltInRouter router = BuiltInRouter.start(RouterConfig.onLoopback());
            resources.add(0, router);
            SwarmRuntime runtime = new SwarmRuntime(state, settings);
            resources.add(0, runtime);
            Replica unpullable = runtime.start(new ReplicaRequest("orders", "0.0.1", 0,
                    new RunSpec(List.of("image:" + pushed), Map.of()), Map.of(), null));
            assertThat(runtime.awaitReady(unpullable, Duration.ofSeconds(60))).isEqualTo(ReplicaState.FAILED);
            assertThat(runtime.failureReason(unpullable)).hasValueSatisfying(reason -> assertThat(reason)
                    .contains("cannot start it: No such image: " + pushed, "push it to a registry all nodes reach"));
            CliHarness.await(Duration.ofSeconds(30), () -> runtime.list("orders").size() == 1
                    && cluster.dockerOrFail(cluster.manager(), "service", "ls", "-q").isBlank());
            runtime.stop(unpullable, Duration.ofSeconds(5));

            RolloutController controller = new RolloutController("orders", runtime, router,
                    new RouterMetricProvider(URI.create("http://127.0.0.1:" + router.adminAddress().getPort() + "/metrics")),
                    new ThresholdJudge(), store, engine,
                    new DatabaseTarget(database.jdbcUrl("orders"), database.user(), database.password()),
                    Clock.systemUTC(), entry -> System.out.println(entry.event() + "  " + entry.weights()));
            resources.add(0, controller);

            controller.deploy(release("1.0.0", image, "canary: {steps: [{setWeight: 100}]}"), "test");
            Map<String, String> nodeByAddress = cluster.nodes().stream()
                    .collect(Collectors.toMap(SwarmCluster.Node::address, SwarmCluster.Node::name));
            Map<String, Long> stableSpread = perNode(runtime, "1.0.0", nodeByAddress);
            System.out.println("1.0.0 replicas per node: " + stableSpread);
            assertThat(stableSpread).as("Swarm spreads the replicas over the nodes").hasSize(REPLICAS);

            LoadGenerator load = new LoadGenerator(URI.create("http://127.0.0.1:" + router.address().getPort() + "/"),
                    RATE, SEEDED);
            long loadCreatedAt = System.currentTimeMillis();
            resources.add(0, load);
            load.start();
            CliHarness.sleep(1500);

            RolloutRecord canary = controller.rollout(release("1.1.0", image, """
                    canary:
                      steps:
                        - setWeight: 33
                        - pause: 2s
                        - setWeight: 66
                        - pause: 2s"""), "test");
            assertThat(canary.phase()).isEqualTo(RolloutPhase.PROMOTED);
            CliHarness.sleep(1000);
            List<LoadGenerator.Failure> duringCanary = List.copyOf(load.failures());
            long sentThroughCanary = load.sent();
            Map<String, Long> canarySpread = perNode(runtime, "1.1.0", nodeByAddress);
            System.out.println("1.1.0 replicas per node: " + canarySpread + "; canary: " + sentThroughCanary
                    + " requests, " + duringCanary.size() + " failed, answers " + load.answersByRevision());
            assertThat(duringCanary).as("requests that failed during the canary").isEmpty();
            assertThat(load.answersByRevision()).containsKeys("1.0.0", "1.1.0");

            // A worker that runs a replica dies.
            SwarmCluster.Node victim = cluster.nodes().stream().skip(1)
                    .filter(node -> canarySpread.containsKey(node.name())).findFirst().orElseThrow();
            Replica lost = runtime.list("orders").stream()
                    .filter(replica -> replica.host().equals(victim.address())).findFirst().orElseThrow();
            long killedAt = System.currentTimeMillis() - loadCreatedAt;
            long killed = System.nanoTime();
            cluster.kill(victim);
            long notReady = -1;
            long swarmDown = -1;
            long recovered = -1;
            long deadline = killed + Duration.ofSeconds(120).toNanos();
            while (recovered < 0 && System.nanoTime() < deadline) {
                long now = System.nanoTime();
                ReplicaState stateNow = runtime.state(lost);
                if (notReady < 0 && stateNow != ReplicaState.READY) {
                    notReady = now;
                }
                if (swarmDown < 0 && cluster.status(victim).equals("down")) {
                    swarmDown = System.nanoTime();
                }
                if (stateNow == ReplicaState.READY && !runtime.current(lost).host().equals(victim.address())) {
                    recovered = now;
                }
                CliHarness.sleep(100);
            }
            long recoveredAt = System.currentTimeMillis() - loadCreatedAt;
            assertThat(recovered).as("the lost replica is READY on another node within 120 s").isPositive();
            CliHarness.sleep(3000);
            load.stop();

            List<LoadGenerator.Failure> failed = load.failures();
            List<LoadGenerator.Failure> duringLoss = failed.stream().filter(failure -> failure.atMillis() >= killedAt)
                    .toList();
            Map<String, Long> causes = duringLoss.stream().collect(Collectors.groupingBy(LoadGenerator.Failure::cause,
                    TreeMap::new, Collectors.counting()));
            long lastFailure = duringLoss.stream().mapToLong(LoadGenerator.Failure::atMillis).max().orElse(killedAt);
            Replica movedTo = runtime.current(lost);
            System.out.printf("multi-node swarm: %d nodes %s; replicas per node before the loss %s; killed node %s"
                            + " (every process, link down) at %.1f s under %d requests/s; the router stopped sending to"
                            + " it (readiness) after %.1f s; Swarm marked it down after %.1f s; its replica was READY"
                            + " on %s after %.1f s; %d of %d requests sent from the kill to the recovery failed %s,"
                            + " the last one sent %.1f s after the kill; replicas per node after %s%n",
                    cluster.nodes().size(), cluster.hostnamesById().values(), canarySpread, victim.name(),
                    killedAt / 1000.0, RATE, seconds(notReady - killed), seconds(swarmDown - killed),
                    nodeByAddress.get(movedTo.host()), seconds(recovered - killed), duringLoss.size(),
                    sentBetween(load, killedAt, recoveredAt), causes, (lastFailure - killedAt) / 1000.0,
                    perNode(runtime, "1.1.0", nodeByAddress));
            assertThat(failed).as("failures before the node was lost").allMatch(failure -> failure.atMillis() >= killedAt);
            assertThat(duringLoss).as("nothing fails once the replica answers on another node")
                    .allMatch(failure -> failure.atMillis() <= recoveredAt);
            assertThat(perNode(runtime, "1.1.0", nodeByAddress)).doesNotContainKey(victim.name())
                    .values().containsOnly(1L, 2L);
        } finally {
            for (AutoCloseable resource : resources) {
                closeQuietly(resource);
            }
            cluster.close();
            assertThat(cluster.leftovers()).as("what the cluster left behind").isEmpty();
        }
    }

    /** Node name → how many ready replicas of {@code revision} run there. */
    private static Map<String, Long> perNode(SwarmRuntime runtime, String revision, Map<String, String> nodeByAddress) {
        return runtime.list("orders").stream().filter(replica -> replica.revision().equals(revision))
                .filter(replica -> runtime.state(replica) == ReplicaState.READY)
                .collect(Collectors.groupingBy(replica -> nodeByAddress.getOrDefault(replica.host(), replica.host()),
                        TreeMap::new, Collectors.counting()));
    }

    /** How many requests the load sent in that window, from its rate (it sends on a fixed schedule). */
    private static long sentBetween(LoadGenerator load, long fromMillis, long toMillis) {
        return Math.max(0, (toMillis - fromMillis) * RATE / 1000);
    }

    private static ReleaseSpec release(String version, String image, String strategy) {
        return SpecParser.parseRelease("release " + version, """
                version: "%s"
                run: {command: ["image:%s"]}
                schema: [1, 1]
                replicas: %d
                health:
                  readiness: {path: /ready, period: 250ms, timeout: 1s, failureThreshold: 3, startPeriod: 60s}
                  liveness: {path: /live, period: 5s, timeout: 2s, failureThreshold: 3, startPeriod: 60s}
                strategy:
                %s
                """.formatted(version, image, REPLICAS, strategy.indent(2).stripTrailing()));
    }

    /**
     * PostgreSQL for the controller and the replicas, listening on loopback and on the host's end of the cluster's
     * bridge, where the nodes reach it, and trusting connections from the cluster's subnet.
     */
    private EmbeddedPostgres postgresFor(SwarmCluster cluster) throws Exception {
        Path data = directory.resolve("postgres");
        EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                .setDataDirectory(data)
                .setServerConfig("listen_addresses", "127.0.0.1," + cluster.hostAddress())
                .setPGStartupWait(Duration.ofSeconds(60))
                .start();
        Files.writeString(data.resolve("pg_hba.conf"), "host all all " + cluster.subnetCidr() + " trust\n",
                java.nio.file.StandardOpenOption.APPEND);
        try (Connection connection = postgres.getPostgresDatabase().getConnection();
             Statement statement = connection.createStatement()) {
            statement.execute("SELECT pg_reload_conf()");
        }
        return postgres;
    }

    private static double seconds(long nanos) {
        return nanos < 0 ? -1 : nanos / 1e9;
    }

    private static void closeQuietly(AutoCloseable resource) {
        try {
            resource.close();
        } catch (Exception e) {
            System.out.println("could not close " + resource.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }
}
