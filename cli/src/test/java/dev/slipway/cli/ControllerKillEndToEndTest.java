package dev.slipway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.cli.demo.LoadGenerator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.slipway.cli.CliHarness.await;
import static dev.slipway.cli.CliHarness.sleep;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue #4: {@code slipway up} is killed with SIGKILL in the middle of a canary while clients keep sending
 * 200 requests/s through the router, then started again. The router (its own process) and the replicas keep
 * serving through the gap; the new {@code up} adopts them and finishes the rollout from the step the store
 * recorded. Real processes, real PostgreSQL (embedded, started by the test).
 */
class ControllerKillEndToEndTest {
    private static final int RATE = 200;
    private static final int SEEDED = 2000;

    @TempDir
    static Path databaseDirectory;
    private static Database database;

    /** Kept when the test fails: up-N.log, .slipway/logs/ (router, replicas, slipway.log) explain what happened. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path directory;
    private long loadCreatedAt;

    @BeforeAll
    static void startDatabase() throws Exception {
        database = Database.open("embedded", databaseDirectory);
        OrdersDatabase.atVersionOne(database, "killed", SEEDED);
    }

    @AfterAll
    static void stopDatabase() {
        database.close();
    }

    @Test
    void aControllerKilledMidCanaryIsResumedByTheNextUpWithoutOneFailedRequest() throws Exception {
        int routerPort = CliHarness.freePort();
        try (SlipwayProcesses slipway = new SlipwayProcesses(directory);
             LoadGenerator load = new LoadGenerator(URI.create("http://127.0.0.1:" + routerPort + "/"), RATE, SEEDED)) {
            loadCreatedAt = System.currentTimeMillis();
            Path first = spec(slipway, routerPort, "1.0.0", "canary: {steps: [{setWeight: 100}]}");
            Process firstUp = slipway.up(first);
            await(Duration.ofSeconds(60), () -> slipway.apiStatus().path("stable").path("readyReplicas").asInt() == 2);
            load.start();
            mark("load started");
            sleep(2000);

            Path second = spec(slipway, routerPort, "1.1.0", """
                    canary:
                      steps:
                        - setWeight: 25
                        - pause: 5s
                        - setWeight: 60
                        - pause: 3s""");
            assertThat(slipway.cli("apply", "-f", second.toString()).exitCode()).isZero();
            slipway.awaitPaused("1.1.0", 25, Duration.ofSeconds(60));
            sleep(1500);

            // The crash: SIGKILL, no shutdown hook runs. Router and replicas are other processes and keep serving.
            firstUp.destroyForcibly().waitFor();
            mark("up killed");
            long answeredBeforeGap = load.succeeded();
            sleep(3000);
            long answeredInGap = load.succeeded() - answeredBeforeGap;
            System.out.println("answered in the 3 s without a controller: " + answeredInGap);
            assertThat(answeredInGap).as("answers through the router while no controller ran").isPositive();
            assertThat(slipway.runningReplicaRevisions()).as("replicas outlive the controller")
                    .containsExactlyInAnyOrder("1.0.0", "1.0.0", "1.1.0", "1.1.0");
            List<Long> canaryPids = slipway.replicaPids("1.1.0");

            mark("starting up again");
            Process secondUp = slipway.up(second);
            mark("second up serves its API");
            await(Duration.ofSeconds(90), () -> {
                JsonNode status = slipway.apiStatus();
                return status.path("rollout").path("phase").asText().equals("PROMOTED")
                        && status.path("stable").path("version").asText().equals("1.1.0")
                        && status.path("stable").path("readyReplicas").asInt() == 2
                        && slipway.runningReplicaRevisions().equals(List.of("1.1.0", "1.1.0"));
            });
            mark("promoted");
            sleep(1000);
            load.stop();
            List<LoadGenerator.Failure> failed = load.failures();
            System.out.println("client: " + load.sent() + " sent, " + load.succeeded() + " succeeded, by revision "
                    + load.answersByRevision() + ", " + failed.size() + " failed");

            assertThat(failed.size()).as("requests the client saw fail; the first: "
                    + failed.subList(0, Math.min(10, failed.size()))).isZero();
            assertThat(load.sent()).as("the load really ran").isGreaterThan(RATE * 5L);
            assertThat(load.succeeded()).isEqualTo(load.sent());
            assertThat(load.answersByRevision()).containsKeys("1.0.0", "1.1.0");

            JsonNode status = slipway.status();
            assertThat(status.path("rollout").path("from").asText()).isEqualTo("1.0.0");
            assertThat(status.path("rollout").path("to").asText()).isEqualTo("1.1.0");
            assertThat(status.path("canary").isNull()).isTrue();

            // No completed step ran twice: each setWeight happened once over both controllers' lifetimes.
            String timeline = slipway.upOutput(1) + slipway.upOutput(2);
            assertThat(count(timeline, "1.1.0: setWeight 25%")).as(timeline).isEqualTo(1);
            assertThat(count(timeline, "1.1.0: setWeight 60%")).as(timeline).isEqualTo(1);
            assertThat(slipway.upOutput(2)).contains("resumed: stable 1.0.0, rollout of 1.1.0 PAUSED at step 1")
                    .doesNotContain("1.1.0: setWeight 25%");
            // ...and the audit history records one start, one resume and one promotion of this rollout.
            List<String> history = history(slipway);
            assertThat(history).filteredOn(line -> line.startsWith("rollout 1.0.0 -> 1.1.0 started")).hasSize(1);
            assertThat(history).filteredOn(line -> line.startsWith("resume done")).hasSize(1);
            assertThat(history).filteredOn(line -> line.startsWith("rollout 1.0.0 -> 1.1.0 promoted")).hasSize(1);

            // Every orders process is accounted for: exactly the new release's replicas, each with its state file.
            assertThat(slipway.runningReplicaRevisions()).containsExactly("1.1.0", "1.1.0");
            assertThat(slipway.replicaPids("1.1.0")).as("the canary's processes were adopted, not started again")
                    .isEqualTo(canaryPids);
            try (var files = Files.list(slipway.state.resolve("run"))) {
                assertThat(files.filter(file -> file.getFileName().toString().startsWith("orders-1.1.0-"))).hasSize(2);
            }

            // SIGTERM: up stops its replicas and the router, then the JVM ends as the signal says (143)
            assertThat(slipway.stop(secondUp)).isIn(0, 143);
            await(Duration.ofSeconds(20), () -> slipway.ourProcesses().isEmpty());
        }
    }

    /** Prints when something happened, on the clock of the client's failure records. */
    private void mark(String what) {
        System.out.println("at " + (System.currentTimeMillis() - loadCreatedAt) + " ms: " + what);
    }

    private Path spec(SlipwayProcesses slipway, int routerPort, String version, String strategy) {
        return slipway.ordersSpec(database, "killed", databaseDirectory.resolve(EmbeddedServer.PASSWORD_FILE), routerPort,
                version, """
                        readiness: {path: /ready, period: 250ms, timeout: 1s, failureThreshold: 2, startPeriod: 30s}
                        liveness: {path: /live, period: 2s, failureThreshold: 3, startPeriod: 30s}""", strategy);
    }

    /** {@code rollout history} as "action outcome" lines, oldest first. */
    private static List<String> history(SlipwayProcesses slipway) {
        CliHarness.Result result = slipway.cli("rollout", "history", "--limit", "100", "--json");
        assertThat(result.exitCode()).isZero();
        List<String> lines = new ArrayList<>();
        for (JsonNode entry : SlipwayProcesses.parse(result.out()).path("entries")) {
            lines.add(0, entry.path("action").asText() + " " + entry.path("outcome").asText());
        }
        return lines;
    }

    private static int count(String text, String what) {
        Matcher matcher = Pattern.compile(Pattern.quote(what)).matcher(text);
        int count = 0;
        while (matcher.find()) {
            count++;
        }
        return count;
    }
}
