package dev.slipway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.cli.demo.LoadGenerator;
import dev.slipway.router.RouterProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

import static dev.slipway.cli.CliHarness.await;
import static dev.slipway.cli.CliHarness.sleep;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue #15, faults of Slipway's own processes while clients send 50 requests/s through the router: the router
 * process killed with SIGKILL (the controller starts it again with the routes, the replicas are not touched), and a
 * second {@code slipway up} on the same state directory or the same database (refused at once, naming the first,
 * which keeps serving). Real processes, real PostgreSQL (embedded, started by the test).
 */
class ProcessFaultsEndToEndTest {
    private static final int RATE = 50;
    private static final int SEEDED = 500;

    @TempDir
    static Path databaseDirectory;
    private static Database database;

    /** Kept when the test fails: up-N.log, .slipway/logs/ (router, replicas, slipway.log) explain what happened. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path directory;

    @BeforeAll
    static void startDatabase() throws Exception {
        database = Database.open("embedded", databaseDirectory);
        // one database per test: a controller resumes what the store of its database holds
        OrdersDatabase.atVersionOne(database, "restarted", SEEDED);
        OrdersDatabase.atVersionOne(database, "faults", SEEDED);
    }

    @AfterAll
    static void stopDatabase() {
        database.close();
    }

    @Test
    void aKilledRouterIsStartedAgainWithItsRoutesAndTheReplicasKeepRunning() throws Exception {
        int routerPort = CliHarness.freePort();
        URI router = URI.create("http://127.0.0.1:" + routerPort + "/");
        try (SlipwayProcesses slipway = new SlipwayProcesses(directory.resolve("a"));
             LoadGenerator load = new LoadGenerator(router, RATE, SEEDED)) {
            Files.createDirectories(slipway.directory);
            slipway.up(spec(slipway, "restarted", routerPort));
            await(Duration.ofSeconds(60), () -> slipway.apiStatus().path("stable").path("readyReplicas").asInt() == 2);
            List<Long> replicas = slipway.replicaPids("1.0.0");
            assertThat(replicas).hasSize(2);
            load.start();
            await(Duration.ofSeconds(30), () -> load.succeeded() > RATE);

            long killedPid = routerPid(slipway);
            long killedAt = loadClock(load);
            ProcessHandle.of(killedPid).orElseThrow().destroyForcibly();
            // a request of its own on a new connection every 20 ms: the first answer is the end of the gap
            await(Duration.ofSeconds(60), () -> answers(router.resolve("/customers/1")));
            long servedAgainAt = loadClock(load);
            long answeredBefore = load.succeeded();
            await(Duration.ofSeconds(30), () -> load.succeeded() > answeredBefore + 2L * RATE);
            load.stop();

            List<LoadGenerator.Failure> failed = load.failures();
            String restarted = slipway.upOutput(1).lines().filter(line -> line.contains("router process " + killedPid
                    + " died; started router process")).findFirst().orElseThrow(() -> new AssertionError(
                    "no restart on the timeline:\n" + slipway.upOutput(1)));
            System.out.println("router restart: killed at " + killedAt + " ms, served again at " + servedAgainAt
                    + " ms (a gap of " + (servedAgainAt - killedAt) + " ms); " + failed.size() + " of " + load.sent()
                    + " client requests failed, sent between " + failed.stream().mapToLong(LoadGenerator.Failure::atMillis)
                    .min().orElse(0) + " and " + failed.stream().mapToLong(LoadGenerator.Failure::atMillis).max().orElse(0)
                    + " ms; by cause " + failed.stream().collect(Collectors.groupingBy(LoadGenerator.Failure::cause,
                    Collectors.counting())) + "; timeline: " + restarted);
            assertThat(slipway.replicaPids("1.0.0")).as("the replicas were not restarted").isEqualTo(replicas);
            assertThat(failed.stream().filter(failure -> failure.atMillis() > servedAgainAt).toList())
                    .as("requests sent once the new router answered").isEmpty();
            assertThat(load.sent()).as("the load ran on after the restart").isGreaterThan(3L * RATE);
            assertThat(slipway.apiStatus().path("stable").path("readyReplicas").asInt()).isEqualTo(2);
        }
    }

    @Test
    void aSecondUpOnTheSameStateDirectoryOrDatabaseIsRefusedAndTheFirstKeepsServing() throws Exception {
        int routerPort = CliHarness.freePort();
        try (SlipwayProcesses slipway = new SlipwayProcesses(directory.resolve("first"));
             SlipwayProcesses other = new SlipwayProcesses(directory.resolve("second"));
             LoadGenerator load = new LoadGenerator(URI.create("http://127.0.0.1:" + routerPort + "/"), RATE, SEEDED)) {
            Files.createDirectories(slipway.directory);
            Files.createDirectories(other.directory);
            Path spec = spec(slipway, "faults", routerPort);
            Process first = slipway.up(spec);
            await(Duration.ofSeconds(60), () -> slipway.apiStatus().path("stable").path("readyReplicas").asInt() == 2);
            List<Long> replicas = slipway.replicaPids("1.0.0");
            assertThat(replicas).hasSize(2);
            load.start();

            CliHarness.Result sameDirectory = slipway.cli("up", "-f", spec.toString());
            assertThat(sameDirectory.exitCode()).isEqualTo(1);
            assertThat(sameDirectory.err()).contains("refused: the state directory " + slipway.state
                    + " is in use by slipway up pid " + first.pid());

            // Its own state directory, its own router port, the same database: the database's lock refuses it.
            Path sameDatabase = spec(other, "faults", CliHarness.freePort());
            CliHarness.Result sameDatabaseRun = other.cli("up", "-f", sameDatabase.toString());
            assertThat(sameDatabaseRun.exitCode()).isEqualTo(1);
            assertThat(sameDatabaseRun.err()).contains("refused: the database faults is in use by another controller"
                    + " (slipway up pid " + first.pid() + " on ");
            assertThat(other.ourProcesses()).as("the refused up left nothing running").isEmpty();

            await(Duration.ofSeconds(30), () -> load.succeeded() > 2L * RATE);
            load.stop();
            assertThat(load.failures()).as("what the clients of the first saw").isEmpty();
            assertThat(first.isAlive()).isTrue();
            assertThat(slipway.replicaPids("1.0.0")).isEqualTo(replicas);
            JsonNode status = slipway.apiStatus();
            assertThat(status.path("stable").path("version").asText()).isEqualTo("1.0.0");
            assertThat(status.path("stable").path("readyReplicas").asInt()).isEqualTo(2);
        }
    }

    /** Milliseconds since the load generator was made: the clock of its failure records. */
    private static long loadClock(LoadGenerator load) {
        return Math.round(load.elapsedSeconds() * 1000);
    }

    /** Whether a GET on a new connection answers 2xx; pauses 20 ms when it does not. */
    private static boolean answers(URI uri) {
        try {
            HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
            connection.setRequestProperty("Connection", "close");
            connection.setConnectTimeout(1000);
            connection.setReadTimeout(5000);
            int status = connection.getResponseCode();
            connection.disconnect();
            if (status / 100 == 2) {
                return true;
            }
        } catch (IOException refused) {
            // the gap
        }
        sleep(20);
        return false;
    }

    private static long routerPid(SlipwayProcesses slipway) {
        try {
            return SlipwayProcesses.parse(Files.readString(slipway.state.resolve(RouterProcess.STATE_FILE_NAME)))
                    .path("pid").asLong();
        } catch (Exception notWrittenYet) {
            return -1;
        }
    }

    private Path spec(SlipwayProcesses slipway, String databaseName, int routerPort) {
        return slipway.ordersSpec(database, databaseName, databaseDirectory.resolve(EmbeddedServer.PASSWORD_FILE),
                routerPort, "1.0.0",
                "readiness: {path: /ready, period: 250ms, timeout: 1s, failureThreshold: 2, startPeriod: 30s}",
                "canary: {steps: [{setWeight: 100}]}");
    }
}
