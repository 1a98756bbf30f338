package dev.slipway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.cli.demo.LoadGenerator;
import dev.slipway.runtime.swarm.SwarmRuntime;
import dev.slipway.testkit.TestRegistry;
import dev.slipway.testkit.TestServices;
import dev.slipway.testkit.TestSwarm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static dev.slipway.cli.CliHarness.await;
import static dev.slipway.cli.CliHarness.sleep;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code slipway up} with {@code runtime: swarm}, as a user runs it: a spec with a swarm section, the image pulled by
 * digest from a registry (1.1.0 is a thin patch of 1.0.0's image, as {@code slipway image patch} makes it), replicas as
 * Swarm services of the local single-node swarm. {@code up} is killed with
 * SIGKILL in the middle of a canary under 200 requests/s; the router (its own process) and the services keep serving,
 * and the next {@code up} adopts the services by their labels and finishes the rollout. A spec whose manager does not
 * answer is refused at once, making nothing.
 */
class SwarmUpEndToEndTest {
    private static final int RATE = 200;
    private static final int SEEDED = 1000;

    /** Kept when the test fails: up-N.log and .slipway/logs/ explain what happened. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path directory;

    @Test
    void anUpKilledMidCanaryIsResumedByTheNextOneThroughTheServicesLabelsWithoutOneFailedRequest() throws Exception {
        Path jar = SlipwayProcesses.home().resolve("examples/orders/target/orders-1.0.0.jar");
        TestServices.require(Files.isRegularFile(jar), jar + " is missing (mvn -pl examples/orders package)");
        TestServices.requireRegistry();
        TestSwarm.requireManager();

        try (Database database = Database.open("embedded", directory.resolve("db"));
             TestRegistry registry = TestRegistry.start(Files.createDirectories(directory.resolve("registry")));
             SlipwayProcesses slipway = new SlipwayProcesses(directory)) {
            OrdersDatabase.atVersionOne(database, "orders", SEEDED);
            String image = DockerOrdersImage.pushed(jar, registry);
            String patched = DockerOrdersImage.patched(image, registry, directory);
            int routerPort = CliHarness.freePort();
            try (LoadGenerator load = new LoadGenerator(URI.create("http://127.0.0.1:" + routerPort + "/"), RATE, SEEDED)) {
                Process firstUp = slipway.up(spec(slipway, database, routerPort, "1.0.0", image,
                        "canary: {steps: [{setWeight: 100}]}"));
                await(Duration.ofSeconds(90), () -> slipway.apiStatus().path("stable").path("readyReplicas").asInt() == 2);
                assertThat(services(slipway)).hasSize(2);
                load.start();
                sleep(1500);

                Path second = spec(slipway, database, routerPort, "1.1.0", patched, """
                        canary:
                          steps:
                            - setWeight: 25
                            - pause: 5s
                            - setWeight: 60
                            - pause: 2s""");
                assertThat(slipway.cli("apply", "-f", second.toString()).exitCode()).isZero();
                slipway.awaitPaused("1.1.0", 25, Duration.ofSeconds(90));
                firstUp.destroyForcibly().waitFor();
                long answeredBefore = load.succeeded();
                sleep(2000);
                assertThat(load.succeeded() - answeredBefore).as("answers while no controller ran").isPositive();
                assertThat(services(slipway)).as("the services outlive the controller").hasSize(4);

                Process secondUp = slipway.up(second);
                await(Duration.ofSeconds(90), () -> {
                    JsonNode status = slipway.apiStatus();
                    return status.path("rollout").path("phase").asText().equals("PROMOTED")
                            && status.path("stable").path("version").asText().equals("1.1.0")
                            && status.path("stable").path("readyReplicas").asInt() == 2
                            && services(slipway).size() == 2;
                });
                sleep(1000);
                load.stop();
                System.out.println("client: " + load.sent() + " sent, " + load.succeeded() + " succeeded, by revision "
                        + load.answersByRevision() + ", " + load.failures().size() + " failed");
                assertThat(load.failures()).as("requests the client saw fail").isEmpty();
                assertThat(load.answersByRevision()).containsKeys("1.0.0", "1.1.0");
                assertThat(slipway.upOutput(2)).contains("resumed: stable 1.0.0, rollout of 1.1.0 PAUSED");

                assertThat(slipway.stop(secondUp)).isIn(0, 143);
                assertThat(services(slipway)).as("up removes its services when it stops").isEmpty();
            } finally {
                removeServices(slipway);
            }
        }
    }

    @Test
    void aSpecWhoseManagerDoesNotAnswerIsRefusedAtOnceAndMakesNothing() throws Exception {
        try (SlipwayProcesses slipway = new SlipwayProcesses(directory)) {
            Path nowhere = directory.resolve("no-manager.sock");
            Path spec = Files.writeString(directory.resolve("slipway.yaml"), """
                    service: orders
                    runtime: swarm
                    swarm: {manager: "unix://%s"}
                    router: {listen: 127.0.0.1:%d}
                    release:
                      version: 1.0.0
                      run: {command: ["image:registry.example:5000/orders:1.0.0"]}
                      schema: [1, 1]
                      strategy: {rolling: {}}
                    """.formatted(nowhere, CliHarness.freePort()));

            CliHarness.Result up = slipway.cli("up", "-f", spec.toString());

            assertThat(up.exitCode()).isNotZero();
            assertThat(up.err()).contains("cannot reach the Docker engine at unix://" + nowhere);
            await(Duration.ofSeconds(20), () -> slipway.ourProcesses().isEmpty());
        }
    }

    /**
     * The local engine advertises 127.0.0.1, so replicas bind there rather than on every interface. The probes give a
     * replica a few seconds: a JVM starting next to it on two busy cores can stall it that long.
     */
    private static Path spec(SlipwayProcesses slipway, Database database, int routerPort, String version, String image,
                             String strategy) throws Exception {
        Path file = slipway.directory.resolve("slipway-" + version + ".yaml");
        Files.writeString(file, """
                service: orders
                database: {url: "%s?user=%s", passwordFile: "%s"}
                runtime: swarm
                swarm: {bind: 127.0.0.1}
                router: {listen: 127.0.0.1:%d}
                release:
                  version: %s
                  run: {command: ["image:%s"]}
                  schema: [1, 1]
                  replicas: 2
                  health:
                    readiness: {path: /ready, period: 500ms, timeout: 2s, failureThreshold: 3, startPeriod: 60s}
                    liveness: {path: /live, period: 5s, timeout: 2s, failureThreshold: 3, startPeriod: 60s}
                  strategy:
                %s
                """.formatted(database.jdbcUrl("orders"), database.user(),
                slipway.directory.resolve("db").resolve(EmbeddedServer.PASSWORD_FILE), routerPort, version, image,
                strategy.indent(4).stripTrailing()));
        return file;
    }

    private static List<String> services(SlipwayProcesses slipway) {
        return TestServices.run(List.of("docker", "service", "ls", "-q", "--filter",
                        "label=dev.slipway.state-directory=" + SwarmRuntime.ownerOf(slipway.state)), 30)
                .output().lines().map(String::strip).filter(line -> !line.isEmpty()).toList();
    }

    /** A safety net: no service of this test may outlive it, whatever happened. */
    private static void removeServices(SlipwayProcesses slipway) {
        List<String> left = services(slipway);
        if (!left.isEmpty()) {
            List<String> remove = new ArrayList<>(List.of("docker", "service", "rm"));
            remove.addAll(left);
            TestServices.run(remove, 60);
        }
    }
}
