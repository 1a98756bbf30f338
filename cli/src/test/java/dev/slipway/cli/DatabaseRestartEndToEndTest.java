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
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.slipway.cli.CliHarness.await;
import static dev.slipway.cli.CliHarness.sleep;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue #15: the service's PostgreSQL server dies (SIGKILL of the postmaster and all its processes) and comes back
 * on the same data directory and port, while clients write orders through the router: once in the middle of a canary
 * rollout, once in the middle of a schema start's backfill. The controller stays up through the outage and says so
 * in its status, the rollout goes on and promotes, the backfill resumes from its last committed batch, and every row
 * a client was told about is there, once.
 */
class DatabaseRestartEndToEndTest {
    private static final int RATE = 100;
    private static final int SEEDED = 30_000;
    private static final String DATABASE = "restarted";

    @TempDir
    static Path databaseDirectory;
    private static Database database;
    private static int databasePort;

    /** Kept when the test fails: up-N.log, .slipway/logs/ explain what happened. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path directory;
    private long loadCreatedAt;

    @BeforeAll
    static void startDatabase() throws Exception {
        database = Database.open("embedded", databaseDirectory);
        databasePort = Integer.parseInt(Files.readAllLines(databaseDirectory.resolve("postgres/postmaster.pid")).get(3).strip());
        OrdersDatabase.atVersionOne(database, DATABASE, SEEDED);
        // The backfill's up expression: records each row it computes in a table (in the batch's own transaction, so
        // a rolled-back batch leaves no record) and sleeps now and then, so the backfill is still running when the
        // server is killed. SECURITY DEFINER: the sync trigger also calls it in the replicas' sessions.
        execute("""
                CREATE TABLE public.fills (customer_id bigint NOT NULL);
                CREATE FUNCTION public.first_word_counted(id bigint, name text) RETURNS text
                LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
                BEGIN
                  INSERT INTO public.fills VALUES (id);
                  IF id % 100 = 0 THEN PERFORM pg_sleep(0.02); END IF;
                  RETURN split_part(name, ' ', 1);
                END $$;""");
    }

    @AfterAll
    static void stopDatabase() {
        database.close();
    }

    @Test
    void theControllerRidesOutADatabaseRestartMidCanaryAndMidBackfillAndNoCommittedRowIsLostOrWrittenTwice()
            throws Exception {
        int routerPort = CliHarness.freePort();
        try (SlipwayProcesses slipway = new SlipwayProcesses(directory);
             LoadGenerator load = new LoadGenerator(URI.create("http://127.0.0.1:" + routerPort + "/"), RATE, SEEDED)) {
            loadCreatedAt = System.currentTimeMillis();
            Path first = spec(slipway, routerPort, "1.0.0", "canary: {steps: [{setWeight: 100}]}");
            Process up = slipway.up(first);
            await(Duration.ofSeconds(150), () -> slipway.apiStatus().path("stable").path("readyReplicas").asInt() == 2);
            long ordersBefore = count("SELECT coalesce(max(id), 0) FROM public.orders");
            load.start();
            mark("load started");

            // 1. Mid-canary: paused at 25 %, the server dies; the pause ends while it is away.
            Path second = spec(slipway, routerPort, "1.1.0", """
                    canary:
                      steps:
                        - setWeight: 25
                        - pause: 3s
                        - setWeight: 60
                        - pause: 2s""");
            assertThat(slipway.cli("apply", "-f", second.toString()).exitCode()).isZero();
            slipway.awaitPaused("1.1.0", 25, Duration.ofSeconds(150));
            Duration canaryOutage = outage(slipway, Duration.ofSeconds(5), true);
            await(Duration.ofSeconds(150), () -> {
                JsonNode status = slipway.apiStatus();
                return status.path("rollout").path("phase").asText().equals("PROMOTED")
                        && status.path("stable").path("version").asText().equals("1.1.0")
                        && status.path("stable").path("readyReplicas").asInt() == 2;
            });
            mark("promoted");
            assertThat(up.isAlive()).as("the controller outlived its database").isTrue();

            // 2. Mid-backfill: the server dies after the first batch committed, before the last.
            Path migration = directory.resolve("002_first_word.yaml");
            Files.writeString(migration, """
                    version: 2
                    description: first word of the name, counted
                    operations:
                      - add_column:
                          table: customers
                          column: {name: first_word, type: text, nullable: true}
                          up: "public.first_word_counted(id, full_name)"
                    """);
            List<CliHarness.Result> start = new ArrayList<>();
            Thread starting = new Thread(() -> start.add(slipway.cli("schema", "start", migration.toString())));
            starting.start();
            await(Duration.ofSeconds(120), () -> backfilled() >= 10_000);
            long doneAtKill = backfilled();
            Duration backfillOutage = outage(slipway, Duration.ofSeconds(3), false);
            starting.join(TimeUnit.SECONDS.toMillis(120));
            System.out.println("schema start during the outage: " + start);
            assertThat(start).as("schema start answered").hasSize(1);
            assertThat(start.get(0).exitCode()).as("schema start resumed its backfill by itself: " + start.get(0))
                    .isZero();
            assertThat(isExpanded()).isTrue();
            await(Duration.ofSeconds(30), () -> slipway.apiStatus().path("schemaState").toString().contains("2"));
            assertThat(up.isAlive()).as("the controller outlived its database twice").isTrue();
            sleep(1000);
            load.stop();
            mark("load stopped");

            List<LoadGenerator.Failure> failed = load.failures();
            System.out.println("client: " + load.sent() + " sent, " + load.succeeded() + " succeeded, by revision "
                    + load.answersByRevision() + ", " + failed.size() + " failed; outages " + canaryOutage.toMillis()
                    + " ms (canary), " + backfillOutage.toMillis() + " ms (backfill, killed at " + doneAtKill
                    + " rows)");
            System.out.println("failed requests, first 20: " + failed.subList(0, Math.min(20, failed.size())));

            // Nothing the client was told about is lost; nothing is there twice.
            Map<Long, LoadGenerator.WrittenOrder> acknowledged = load.writtenOrders();
            Map<Long, LoadGenerator.WrittenOrder> stored = orders(ordersBefore);
            assertThat(acknowledged).as("orders the client got a 2xx for").isNotEmpty();
            for (Map.Entry<Long, LoadGenerator.WrittenOrder> order : acknowledged.entrySet()) {
                assertThat(stored.get(order.getKey())).as("acknowledged order " + order.getKey()).isEqualTo(order.getValue());
            }
            long failedOrderWrites = failed.stream().filter(f -> f.method().equals("POST") && f.path().equals("/orders"))
                    .count();
            assertThat(stored.size() - acknowledged.size()).as("stored orders nobody was told about: at most one per"
                    + " failed write (its commit may have happened before its answer was lost), never a duplicate")
                    .isBetween(0, (int) failedOrderWrites);
            for (Long customer : load.writtenCustomers().keySet()) {
                assertThat(count("SELECT count(*) FROM public.customers WHERE id = " + customer)).isOne();
            }

            // The backfill: every row has its value, and each was computed exactly once (no batch ran twice).
            assertThat(count("SELECT count(*) FROM public.customers WHERE first_word IS DISTINCT FROM"
                    + " split_part(full_name, ' ', 1)")).as("rows with a wrong first_word").isZero();
            assertThat(count("SELECT count(*) FROM (SELECT customer_id FROM public.fills GROUP BY customer_id"
                    + " HAVING count(*) > 1) twice")).as("rows whose up expression ran twice").isZero();
            assertThat(count("SELECT count(*) FROM public.fills"))
                    .isEqualTo(count("SELECT count(*) FROM public.customers"));

            // The controller waited both outages out by itself, and said so on its timeline.
            String timeline = slipway.upOutput(1);
            assertThat(timeline).contains("the rollout waits for it", "the database is back: the rollout goes on",
                    "the backfill of version 2 resumes from its last committed batch once it is back",
                    "the database is back: the backfill of version 2 resumes");
            assertThat(slipway.stop(up)).isIn(0, 143);
        }
    }

    /**
     * Kills the server, keeps it away for {@code away} while checking that the controller answers and reports it (and,
     * with {@code tryGuardedAction}, refuses a schema complete as unavailable), then starts it again on the same data directory and port. Returns how long it was away.
     */
    private Duration outage(SlipwayProcesses slipway, Duration away, boolean tryGuardedAction) throws Exception {
        long killedAt = System.currentTimeMillis();
        EmbeddedServerTest.killServer(databaseDirectory.resolve("postgres"));
        mark("database killed");
        List<String> reported = new ArrayList<>();
        while (System.currentTimeMillis() - killedAt < away.toMillis()) {
            JsonNode status = slipway.apiStatus(); // fails the test when the API does not answer
            reported.add(status.path("database").toString());
            if (status.path("database").path("status").asText().equals("unavailable")) {
                // nothing read before the outage is offered as the truth, and the guard allows nothing meanwhile
                assertThat(status.path("schemaState")).as(status.toString()).isEmpty();
                assertThat(status.path("actions").findValuesAsText("allowed")).as(status.toString())
                        .isNotEmpty().containsOnly("false");
            }
            sleep(500);
        }
        System.out.println("status said about the database while it was away: " + reported);
        if (tryGuardedAction) {
            // A guarded action while the database is away: refused as unavailable, nothing decided on old reads.
            ApiClient.ApiResponse complete = ApiClient.fromStateDirectory(slipway.state).post("/api/v1/schema/complete", "");
            assertThat(complete.status()).as(complete.body().toString()).isEqualTo(503);
            assertThat(complete.body().toString()).contains("database-unavailable");
        }
        assertThat(reported).as("status reports the outage").anyMatch(text -> text.contains("unavailable"));
        database.close();
        database = Database.embedded(databaseDirectory, databasePort);
        mark("database back");
        Duration outage = Duration.ofMillis(System.currentTimeMillis() - killedAt);
        await(Duration.ofSeconds(30), () -> !slipway.apiStatus().path("database").toString().contains("unavailable"));
        return outage;
    }

    private static long backfilled() {
        try {
            return count("SELECT coalesce(sum(done), 0) FROM slipway.backfills");
        } catch (IllegalStateException notYet) {
            return 0;
        }
    }

    private static boolean isExpanded() {
        return count("SELECT count(*) FROM information_schema.schemata WHERE schema_name = 'public_v2'") == 1
                && count("SELECT count(*) FROM slipway.backfills WHERE NOT finished") == 0;
    }

    private static Map<Long, LoadGenerator.WrittenOrder> orders(long after) throws SQLException {
        Map<Long, LoadGenerator.WrittenOrder> orders = new HashMap<>();
        try (Connection connection = database.dataSource(DATABASE).getConnection();
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT id, customer_id, amount_cents FROM public.orders WHERE id > "
                     + after)) {
            while (rows.next()) {
                orders.put(rows.getLong(1), new LoadGenerator.WrittenOrder(rows.getLong(2), rows.getLong(3)));
            }
        }
        return orders;
    }

    private static long count(String sql) {
        try (Connection connection = database.dataSource(DATABASE).getConnection();
             Statement statement = connection.createStatement(); ResultSet row = statement.executeQuery(sql)) {
            row.next();
            return row.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    private static void execute(String sql) throws SQLException {
        try (Connection connection = database.dataSource(DATABASE).getConnection();
             Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    /** Prints when something happened, on the clock of the client's failure records. */
    private void mark(String what) {
        System.out.println("at " + (System.currentTimeMillis() - loadCreatedAt) + " ms: " + what);
    }

    private Path spec(SlipwayProcesses slipway, int routerPort, String version, String strategy) throws Exception {
        return slipway.ordersSpec(database, DATABASE, databaseDirectory.resolve(EmbeddedServer.PASSWORD_FILE), routerPort,
                version, strategy);
    }
}
