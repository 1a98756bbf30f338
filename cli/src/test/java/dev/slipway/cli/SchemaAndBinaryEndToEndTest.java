package dev.slipway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.cli.demo.LoadGenerator;
import dev.slipway.schema.MigrationFile;
import dev.slipway.schema.SchemaEngine;
import dev.slipway.schema.SchemaOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import javax.sql.DataSource;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static dev.slipway.cli.CliHarness.await;
import static dev.slipway.cli.CliHarness.sleep;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue #5, the acceptance list of the DocumentDB operator proposal, driven through the real command line: one
 * {@code slipway up} process for the class, each action a separate {@code slipway} process, real PostgreSQL,
 * and 100 requests/s of reads and writes through the router the whole time. The tests run in order and share
 * the service's history: schema {1} → {2} → {3} (contractAfter) → opaque {4}.
 *
 * <p>Binaries: {@code 1.0.0} reads [1, 1] (orders-1.0.0.jar); {@code 1.5.0} reads [1, 2] — a launcher that runs
 * the 1.0.0 code on schema 1 and the 2.0.0 code on schema 2, as a binary that reads both would;
 * {@code 2.1.0} reads [2, 3] and {@code 2.2.0} reads [3, 4] (orders-2.0.0.jar, which only uses columns those
 * versions share).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SchemaAndBinaryEndToEndTest {
    private static final int RATE = 100;
    private static final int SEEDED = 1000;
    private static final int REPLICAS = 2;
    /** Forward releases take a share of the traffic before all of it: their replicas start cold. */
    private static final String CANARY = "canary: {steps: [{setWeight: 25}, {pause: 2s}, {setWeight: 100}]}";

    @TempDir
    static Path databaseDirectory;
    /** Kept when a test fails: up-1.log and .slipway/logs/ explain what happened. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    static Path directory;

    private Database database;
    private SlipwayProcesses slipway;
    private LoadGenerator load;
    private int routerPort;
    private int failuresBefore;

    @BeforeAll
    void startUpWithOneZeroZero() throws Exception {
        database = Database.open("embedded", databaseDirectory);
        database.recreateDatabase("acceptance");
        DataSource dataSource = database.dataSource("acceptance");
        SchemaEngine engine = new SchemaEngine(dataSource, "public", SchemaOptions.defaults());
        engine.init();
        engine.start(MigrationFile.parse(home().resolve("examples/orders/migrations/001_initial.yaml")), progress -> { });
        engine.complete();
        try (var connection = dataSource.getConnection(); var statement = connection.createStatement()) {
            statement.execute("INSERT INTO public.customers (full_name, email) SELECT 'Seed Customer' || g, "
                    + "'seed@example.com' FROM generate_series(1, " + SEEDED + ") g");
        }
        slipway = new SlipwayProcesses(directory);
        routerPort = CliHarness.freePort();
        slipway.up(spec("1.0.0", jar("1.0.0"), "[1, 1]", "canary: {steps: [{setWeight: 100}]}", ""));
        await(Duration.ofSeconds(60), () -> slipway.apiStatus().path("stable").path("readyReplicas").asInt() == REPLICAS);
        load = new LoadGenerator(URI.create("http://127.0.0.1:" + routerPort + "/"), RATE, SEEDED);
        load.start();
        sleep(1000);
    }

    @AfterAll
    void stopEverything() {
        try {
            if (load != null) {
                load.stop();
                System.out.println("client: " + load.sent() + " sent, " + load.succeeded() + " succeeded, by revision "
                        + load.answersByRevision() + ", " + load.failures().size() + " failed");
                load.close();
            }
        } finally {
            if (slipway != null) {
                slipway.close();
            }
            if (database != null) {
                database.close();
            }
        }
    }

    @BeforeEach
    void countFailuresSoFar() {
        failuresBefore = load.failures().size();
    }

    /** What the client saw during this test: no failed request. */
    @AfterEach
    void noRequestFailed() {
        sleep(500);
        List<LoadGenerator.Failure> failed = load.failures().subList(failuresBefore, load.failures().size());
        assertThat(failed.size()).as("requests the client saw fail; the first: "
                + failed.subList(0, Math.min(10, failed.size()))).isZero();
    }

    @Test
    @Order(1)
    void theBinaryAndTheSchemaMoveSeparatelyAndStatusShowsBoth() throws Exception {
        // the binary moves: a release reading [1, 2] rolls out, and the schema stays {1}
        apply(spec("1.5.0", launcherReadingOneAndTwo(), "[1, 2]", """
                canary: {steps: [{setWeight: 50}, {pause: {}}]}""", ""));
        await(Duration.ofSeconds(60), () -> slipway.apiStatus().path("rollout").path("phase").asText().equals("PAUSED"));

        // (e) both binaries with the schema versions they read, and the schema state
        String line = slipway.cli("status").out();
        assertThat(line).startsWith("orders  stable 1.0.0 [1, 1] 2/2 ready | canary 1.5.0 [1, 2] 2/2 ready 50% | schema {1} |")
                .contains("rollout 1.5.0 PAUSED");
        JsonNode status = slipway.status();
        assertThat(status.path("stable").path("version").asText()).isEqualTo("1.0.0");
        assertThat(status.path("stable").path("schema").toString()).isEqualTo("[1,1]");
        assertThat(status.path("canary").path("version").asText()).isEqualTo("1.5.0");
        assertThat(status.path("canary").path("schema").toString()).isEqualTo("[1,2]");
        assertThat(status.path("canaryWeight").asInt()).isEqualTo(50);
        assertThat(status.path("schemaState").toString()).isEqualTo("[1]");
        assertThat(status.path("migration").isNull()).isTrue();
        assertThat(status.path("schemaUpdatePending").asBoolean()).isFalse();

        assertThat(slipway.cli("rollout", "promote").exitCode()).isZero();
        awaitStable("1.5.0");
        assertThat(slipway.status().path("schemaState").toString()).as("the binary moved, the schema did not").isEqualTo("[1]");

        // (c) undo is allowed while the schema has not moved; and forward again
        CliHarness.Result undo = slipway.cli("rollout", "undo");
        assertThat(undo.exitCode()).as(undo.err()).isZero();
        awaitStable("1.0.0");
        assertThat(slipway.cli("rollout", "undo", "--to", "1.5.0").exitCode()).isZero();
        awaitStable("1.5.0");

        // the schema moves: start expands to {1, 2}, the running binary untouched
        Path migration = home().resolve("examples/orders/migrations/002_split_name.yaml");
        CliHarness.Result started = slipway.cli("schema", "start", migration.toString());
        assertThat(started.exitCode()).as(started.err()).isZero();
        status = slipway.status();
        assertThat(status.path("schemaState").toString()).isEqualTo("[1,2]");
        assertThat(status.path("migration").path("version").asInt()).isEqualTo(2);
        assertThat(status.path("schemaUpdatePending").asBoolean()).isTrue();
        assertThat(status.path("contractAt").isNull()).as("no contractAfter: it waits for schema complete").isTrue();
        assertThat(status.path("stable").path("version").asText()).isEqualTo("1.5.0");
        assertThat(slipway.cli("status").out()).contains("schema {1, 2} (migration 2 expanded) update pending");

        // (f) explicitly: schema complete contracts to {2}; 1.5.0 keeps serving on schema 2
        CliHarness.Result completed = slipway.cli("schema", "complete");
        assertThat(completed.exitCode()).as(completed.err()).isZero();
        status = slipway.status();
        assertThat(status.path("schemaState").toString()).isEqualTo("[2]");
        assertThat(status.path("schemaUpdatePending").asBoolean()).isFalse();
        assertThat(status.path("stable").path("version").asText()).isEqualTo("1.5.0");
        assertThat(status.path("stable").path("readyReplicas").asInt()).isEqualTo(REPLICAS);
        assertThat(status.path("recentEvents").toString()).as("1.5.0 was started on schema 1, whose views go")
                .contains("moving 2 replica(s) of 1.5.0 to public_v2 before the old views go");
    }

    @Test
    @Order(2)
    void undoToABinaryThatCannotReadTheSchemaIsRefusedAndChangesNothing() {
        JsonNode before = comparable(slipway.status());

        CliHarness.Result undo = slipway.cli("rollout", "undo");

        assertThat(undo.exitCode()).isEqualTo(1);
        assertThat(undo.err()).startsWith("refused: undo to orders 1.0.0 would leave the schema at {2}, but")
                .contains("1.0.0 reads schema [1, 1]")
                .contains("Roll forward instead: ship a release that reads schema {2}.")
                .contains("Or write a reverse migration back to a version 1.0.0 reads ([1, 1]) and start it first.")
                .contains("--force --backup <file>");
        assertThat(comparable(slipway.status())).as("status after the refusal").isEqualTo(before);
        assertThat(slipway.cli("rollout", "history", "--limit", "1").out()).contains("undo to orders 1.0.0  refused");
    }

    @Test
    @Order(3)
    void contractAfterCompletesTheMigrationByItselfOnceTheReleaseIsAloneAndHealthy() throws Exception {
        Path migration = directory.resolve("003_order_note.yaml");
        Files.writeString(migration, """
                version: 3
                description: a note on orders
                operations:
                  - add_column:
                      table: orders
                      column: {name: note, type: text, nullable: true}
                      up: "''"
                """);
        assertThat(slipway.cli("schema", "start", migration.toString()).exitCode()).isZero();
        // long enough that status is read before it passes, even when a loaded machine slows the CLI processes
        apply(spec("2.1.0", jar("2.0.0"), "[2, 3]", CANARY, "contractAfter: 15s"));
        awaitStable("2.1.0");

        JsonNode pending = slipway.status();
        assertThat(pending.path("schemaState").toString()).isEqualTo("[2,3]");
        assertThat(pending.path("schemaUpdatePending").asBoolean()).isTrue();
        Instant contractAt = Instant.parse(pending.path("contractAt").asText());
        assertThat(contractAt).isAfter(Instant.now());
        assertThat(slipway.cli("status").out()).contains("schema {2, 3} (migration 3 expanded) update pending");

        await(Duration.ofSeconds(60), () -> slipway.apiStatus().path("schemaState").toString().equals("[3]"));
        assertThat(Instant.now()).isAfterOrEqualTo(contractAt);
        JsonNode done = slipway.status();
        assertThat(done.path("schemaUpdatePending").asBoolean()).isFalse();
        assertThat(done.path("migration").isNull()).isTrue();
        assertThat(slipway.cli("rollout", "history", "--limit", "5").out())
                .contains("contractAfter of 2.1.0  schema complete of version 3  done");
    }

    @Test
    @Order(4)
    void anOpaqueMigrationWaitsUntilEveryRunningBinaryReadsItsVersion() throws Exception {
        Path migration = directory.resolve("004_orders_by_amount.yaml");
        Files.writeString(migration, """
                version: 4
                description: an index the tool cannot see into
                operations:
                  - raw_sql:
                      up: "CREATE INDEX orders_by_amount ON public.orders (amount_cents)"
                      down: "DROP INDEX public.orders_by_amount"
                """);
        CliHarness.Result refused = slipway.cli("schema", "start", migration.toString());
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).startsWith("refused: schema start of version 4")
                .contains("would leave the schema at {4}, but stable orders 2.1.0 reads schema [2, 3]")
                .contains("roll out a binary that reads 4 everywhere first");
        assertThat(slipway.status().path("schemaState").toString()).isEqualTo("[3]");

        // the binary goes first...
        apply(spec("2.2.0", jar("2.0.0"), "[3, 4]", CANARY, ""));
        awaitStable("2.2.0");
        // ...then the schema follows
        CliHarness.Result started = slipway.cli("schema", "start", migration.toString());
        assertThat(started.exitCode()).as(started.err()).isZero();
        JsonNode status = slipway.status();
        assertThat(status.path("schemaState").toString()).isEqualTo("[4]");
        assertThat(status.path("recentEvents").toString())
                .contains("moving 2 replica(s) of 2.2.0 to public_v4,public_v3 before the opaque migration");
        sleep(3000);
        assertThat(slipway.status().path("stable").path("readyReplicas").asInt()).isEqualTo(REPLICAS);
    }

    @Test
    @Order(5)
    void aSchemaCommandNamingTheDatabaseDoesNotGoAroundTheGuard() {
        JsonNode before = comparable(slipway.status());

        CliHarness.Result direct = slipway.cli("schema", "rollback", "--db", database.jdbcUrl("acceptance")
                + "?user=" + database.user(), "--db-password-file",
                databaseDirectory.resolve(EmbeddedServer.PASSWORD_FILE).toString());

        assertThat(direct.exitCode()).isEqualTo(1);
        assertThat(direct.err()).contains("a Slipway controller").contains("leave out --db").contains("--direct");
        assertThat(comparable(slipway.status())).isEqualTo(before);
    }

    // ------------------------------------------------------------------ helpers

    private void apply(Path spec) {
        CliHarness.Result applied = slipway.cli("apply", "-f", spec.toString());
        assertThat(applied.exitCode()).as(applied.err()).isZero();
    }

    private void awaitStable(String version) {
        await(Duration.ofSeconds(90), () -> {
            JsonNode status = slipway.apiStatus();
            return status.path("rollout").path("phase").asText().equals("PROMOTED")
                    && status.path("stable").path("version").asText().equals(version)
                    && status.path("stable").path("readyReplicas").asInt() == REPLICAS && status.path("canary").isNull()
                    && slipway.runningReplicaRevisions().equals(java.util.Collections.nCopies(REPLICAS, version));
        });
    }

    /** The status without what moves by itself: the recent events, and readiness (a probe may time out under load). */
    private static JsonNode comparable(JsonNode status) {
        ObjectNode copy = status.deepCopy();
        copy.remove("recentEvents");
        for (String revision : List.of("stable", "canary")) {
            if (copy.path(revision).isObject()) {
                ((ObjectNode) copy.get(revision)).remove("readyReplicas");
            }
        }
        return copy;
    }

    private static Path home() {
        return SlipwayProcesses.home();
    }

    private String jar(String version) {
        return "[%s, -Xmx64m, -XX:TieredStopAtLevel=1, -XX:+UseSerialGC, \"%s\", -jar, \"%s\"]".formatted(java(),
                "%MARKER%", home().resolve("examples/orders/target/orders-" + version + ".jar"));
    }

    /** Runs the 1.0.0 code on schema 1 and the 2.0.0 code on schema 2: one binary that reads [1, 2]. */
    private String launcherReadingOneAndTwo() {
        Path jars = home().resolve("examples/orders/target");
        return "[sh, -c, 'case \"$DATABASE_SCHEMA\" in *_v1) code=1.0.0;; *) code=2.0.0;; esac; exec %s -Xmx64m "
                .formatted(java()) + "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC %MARKER% -jar " + jars + "/orders-$code.jar']";
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private Path spec(String version, String command, String schema, String strategy, String extra) throws Exception {
        Path file = directory.resolve("slipway-" + version + ".yaml");
        List<String> lines = new ArrayList<>(List.of(
                "service: orders",
                "database: {url: \"" + database.jdbcUrl("acceptance") + "?user=" + database.user()
                        + "\", passwordFile: \"" + databaseDirectory.resolve(EmbeddedServer.PASSWORD_FILE) + "\"}",
                "runtime: local",
                "router: {listen: 127.0.0.1:" + routerPort + "}",
                "release:",
                "  version: " + version,
                "  run: {command: " + command.replace("%MARKER%", slipway.replicaMarker(version)) + "}",
                "  schema: " + schema,
                "  replicas: " + REPLICAS,
                "  health:",
                "    readiness: {path: /ready, period: 250ms, timeout: 1s, failureThreshold: 2, startPeriod: 40s}",
                "    liveness: {path: /live, period: 2s, failureThreshold: 3, startPeriod: 40s}",
                "  strategy: {" + strategy.strip() + "}"));
        if (!extra.isEmpty()) {
            lines.add("  " + extra);
        }
        Files.write(file, lines);
        return file;
    }
}
