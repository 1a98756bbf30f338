package dev.slipway.analysis.provider;

import dev.slipway.analysis.run.Observation;
import dev.slipway.analysis.run.Phase;
import dev.slipway.model.ProviderSpec;
import dev.slipway.model.ProviderSpec.DatabaseMeasure;
import dev.slipway.schema.BackfillListener;
import dev.slipway.schema.MigrationFile;
import dev.slipway.schema.SchemaEngine;
import dev.slipway.schema.SchemaOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The database gates against a real PostgreSQL: sessions that name their release in {@code application_name} hold
 * locks, wait, keep transactions open, deadlock; a real throttled backfill moves rows.
 */
class DatabaseProviderTest {
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static EmbeddedPostgres postgres;
    private final List<Connection> sessions = new ArrayList<>();
    private String database;

    @BeforeAll
    static void startPostgres() throws Exception {
        postgres = EmbeddedPostgres.builder().setServerConfig("fsync", "off").start();
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        postgres.close();
    }

    @BeforeEach
    void freshDatabase() throws SQLException {
        database = "gates_" + DATABASES.incrementAndGet();
        try (Connection connection = postgres.getPostgresDatabase().getConnection();
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + database);
        }
        try (Connection connection = session("setup"); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE orders (id bigserial PRIMARY KEY, amount int NOT NULL)");
            statement.execute("INSERT INTO orders (amount) SELECT i FROM generate_series(1, 100) i");
        }
    }

    @AfterEach
    void closeSessions() throws SQLException {
        for (Connection session : sessions) {
            session.close();
        }
    }

    private PGSimpleDataSource source(String applicationName) {
        PGSimpleDataSource source = new PGSimpleDataSource();
        source.setServerNames(new String[] {"127.0.0.1"});
        source.setPortNumbers(new int[] {postgres.getPort()});
        source.setDatabaseName(database);
        source.setUser("postgres");
        source.setApplicationName(applicationName);
        return source;
    }

    /** A session as a replica of {@code applicationName} would open it. */
    private Connection session(String applicationName) throws SQLException {
        Connection connection = source(applicationName).getConnection();
        sessions.add(connection);
        return connection;
    }

    private DatabaseMeasurer gate(DatabaseMeasure measure, String revision, Duration window) {
        return new DatabaseMeasurer(() -> source("ignored").getConnection(),
                new ProviderSpec.Database(measure, revision, 0.99, window, Duration.ofMillis(50)), "orders", revision,
                Clock.systemUTC());
    }

    private static double value(Observation observation) {
        assertThat(observation.decided()).as(observation.message()).isEmpty();
        return (Double) observation.result();
    }

    private void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("never happened: " + what);
            }
            Thread.sleep(50);
        }
    }

    private boolean waiting(String applicationName) {
        try (Connection connection = postgres.getDatabase("postgres", database).getConnection();
             Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                     + " AND application_name = '" + applicationName + "'")) {
            row.next();
            return row.getLong(1) > 0;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aReleaseHoldingALockIsSeenBlockingOthersAndTheBlockedSeeTheirWait() throws Exception {
        Connection holder = session("orders/3.0.0");
        holder.setAutoCommit(false);
        holder.createStatement().execute("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE");
        Connection victim = session("orders/2.0.0");
        CompletableFuture<Void> read = CompletableFuture.runAsync(() -> {
            try (Statement statement = victim.createStatement()) {
                statement.executeQuery("SELECT count(*) FROM orders").close();
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        await(() -> waiting("orders/2.0.0"), "the stable release's read waits for the lock");

        double caused = value(gate(DatabaseMeasure.LOCK_WAIT_CAUSED, "3.0.0", Duration.ofMillis(600)).measure());
        double blocked = value(gate(DatabaseMeasure.BLOCKED_SESSIONS, "3.0.0", Duration.ofMillis(200)).measure());
        double waited = value(gate(DatabaseMeasure.LOCK_WAIT, "2.0.0", Duration.ofMillis(200)).measure());
        double causedByStable = value(gate(DatabaseMeasure.LOCK_WAIT_CAUSED, "2.0.0", Duration.ofMillis(200)).measure());
        double waitedByCanary = value(gate(DatabaseMeasure.LOCK_WAIT, "3.0.0", Duration.ofMillis(200)).measure());
        holder.commit();
        read.get();

        assertThat(caused).as("ms others waited for 3.0.0's lock").isGreaterThanOrEqualTo(600);
        assertThat(blocked).isEqualTo(1);
        assertThat(waited).as("ms 2.0.0 waited").isGreaterThan(caused);
        assertThat(causedByStable).isZero();
        assertThat(waitedByCanary).isZero();
    }

    @Test
    void longTransactionsAndConnectionsAreCountedPerRelease() throws Exception {
        Connection open = session("orders/3.0.0");
        open.setAutoCommit(false);
        open.createStatement().execute("SELECT 1");
        session("orders/3.0.0");
        session("orders/3.0.0");
        session("orders/2.0.0");
        long started = System.nanoTime();
        Thread.sleep(300);

        double longest = value(gate(DatabaseMeasure.LONGEST_TRANSACTION, "3.0.0", Duration.ofMillis(100)).measure());
        double connections = value(gate(DatabaseMeasure.CONNECTIONS, "3.0.0", Duration.ofMillis(100)).measure());
        double elapsed = (System.nanoTime() - started) / 1e9;
        open.commit();

        assertThat(longest).isBetween(0.3, elapsed + 0.5);
        assertThat(connections).isEqualTo(3);
        assertThat(value(gate(DatabaseMeasure.LONGEST_TRANSACTION, "2.0.0", Duration.ofMillis(100)).measure())).isZero();
    }

    @Test
    void aReleaseWithoutSessionsIsNoDataNeverAPass() throws Exception {
        session("orders/2.0.0");
        Observation observation = gate(DatabaseMeasure.LOCK_WAIT_CAUSED, "4.0.0", Duration.ofMillis(200)).measure();
        assertThat(observation.decided()).contains(Phase.INCONCLUSIVE);
        assertThat(observation.message()).startsWith("no data: no session with application_name 'orders/4.0.0'");
    }

    @Test
    void deadlocksAndRolledBackTransactionsAreRatesOfTheDatabase() throws Exception {
        DatabaseMeasurer deadlocks = gate(DatabaseMeasure.DEADLOCKS, "3.0.0", Duration.ofSeconds(1));
        DatabaseMeasurer errors = gate(DatabaseMeasure.STATEMENT_ERRORS, "3.0.0", Duration.ofSeconds(1));
        Connection first = session("orders/3.0.0");
        Connection second = session("orders/3.0.0");
        first.setAutoCommit(false);
        second.setAutoCommit(false);
        first.createStatement().execute("UPDATE orders SET amount = amount + 1 WHERE id = 1");
        second.createStatement().execute("UPDATE orders SET amount = amount + 1 WHERE id = 2");
        CompletableFuture<Void> crossing = CompletableFuture.runAsync(() -> update(first, 2));
        await(() -> waiting("orders/3.0.0"), "the first session waits for the second");
        update(second, 1); // one of the two is chosen as the deadlock victim after deadlock_timeout
        crossing.join();
        first.rollback();
        second.rollback();
        await(() -> deadlocksCounted() > 0, "the statistics count the deadlock");

        Observation deadlockRate = deadlocks.measure();
        Observation rollbackRate = errors.measure();

        assertThat(value(deadlockRate)).as("deadlocks per minute").isGreaterThan(0);
        assertThat(deadlockRate.message()).startsWith("1 deadlocks in the database in");
        assertThat(value(rollbackRate)).as("rollbacks per second").isGreaterThan(0);
    }

    private static void update(Connection session, int id) {
        try (Statement statement = session.createStatement()) {
            statement.execute("UPDATE orders SET amount = amount + 1 WHERE id = " + id);
        } catch (SQLException e) {
            if (!"40P01".equals(e.getSQLState())) {
                throw new IllegalStateException(e);
            }
        }
    }

    private long deadlocksCounted() {
        try (Connection connection = session("probe"); Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery(
                     "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")) {
            row.next();
            return row.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void theBackfillsProgressAndRateAreReadWhileItRuns() throws Exception {
        DatabaseMeasurer progress = gate(DatabaseMeasure.BACKFILL_PROGRESS, "3.0.0", Duration.ofSeconds(1));
        assertThat(progress.measure().decided()).as("no migration yet").contains(Phase.INCONCLUSIVE);
        SchemaEngine engine = new SchemaEngine(source("schema"), "public",
                SchemaOptions.defaults().withBackfillBatchSize(200).withMaxRowsPerSecond(4000).withActor("test"));
        engine.init();
        engine.start(MigrationFile.parse("001_initial.yaml", """
                operations:
                  - create_table:
                      name: customers
                      columns:
                        - {name: id, type: bigserial, pk: true}
                        - {name: name, type: text, nullable: false}
                """.getBytes(StandardCharsets.UTF_8)), BackfillListener.NONE);
        engine.complete();
        try (Connection connection = session("setup"); Statement statement = connection.createStatement()) {
            statement.execute("INSERT INTO customers (name) SELECT 'c' || i FROM generate_series(1, 16000) i");
        }
        DatabaseMeasurer rate = gate(DatabaseMeasure.BACKFILL_RATE, "3.0.0", Duration.ofSeconds(1));
        CompletableFuture<?> backfill = CompletableFuture.runAsync(() -> engine.start(MigrationFile.parse("002_upper.yaml", """
                operations:
                  - add_column:
                      table: customers
                      column: {name: shout, type: text}
                      up: "upper(name)"
                """.getBytes(StandardCharsets.UTF_8)), BackfillListener.NONE));
        await(() -> {
            try {
                return progress.measure().decided().isEmpty();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "the backfill has started and counted its rows");
        // The rate's window opens before the progress baseline is read: the rows done only grow, so a
        // progress reading above the baseline proves rows were backfilled inside the window.
        rate.measure();
        double before = value(progress.measure());
        await(() -> {
            try {
                return value(progress.measure()) > before;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "the backfill moves on");

        double rowsPerSecond = value(rate.measure());
        double share = value(progress.measure());
        backfill.join();

        assertThat(rowsPerSecond).as("rows per second while it moved").isGreaterThan(0);
        assertThat(share).isGreaterThan(before).isLessThanOrEqualTo(1.0);
        assertThat(value(progress.measure())).as("all rows done while the migration stays expanded").isEqualTo(1.0);
    }
}
