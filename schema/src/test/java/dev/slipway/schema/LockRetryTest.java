package dev.slipway.schema;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** DDL waits at most lock_timeout per attempt, retries with backoff, and gives up within its budget. */
class LockRetryTest extends PostgresTestBase {
    private static final String ADD_PHONE = "operations: [{add_column: {table: customers, column: {name: phone, type: text}}}]";

    private void givenVersion1() {
        engine.start(DemoMigrationsTest.initial(), BackfillListener.NONE);
        engine.complete();
    }

    @Test
    void aBusyTableIsRetriedUntilItsLockIsFree() throws Exception {
        givenVersion1();
        SchemaEngine patient = new SchemaEngine(dataSource, "public",
                options().withLockTimeout(Duration.ofMillis(100)).withLockRetryBudget(Duration.ofSeconds(20)));
        try (Connection reader = version(1).getConnection(); Statement statement = reader.createStatement()) {
            reader.setAutoCommit(false);
            statement.execute("SELECT * FROM customers");   // ACCESS SHARE until commit: blocks ALTER TABLE
            Thread release = new Thread(() -> {
                try {
                    Thread.sleep(1_000);
                    reader.commit();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            release.start();
            long began = System.nanoTime();
            patient.start(migration("002_phone.yaml", ADD_PHONE), BackfillListener.NONE);
            assertThat(Duration.ofNanos(System.nanoTime() - began)).isGreaterThan(Duration.ofMillis(900));
            release.join();
        }
        assertThat(engine.status().state()).containsExactly(1, 2);
    }

    @Test
    void aTableBusyBeyondTheBudgetFailsAndIsUndone() throws Exception {
        givenVersion1();
        SchemaEngine hasty = new SchemaEngine(dataSource, "public",
                options().withLockTimeout(Duration.ofMillis(100)).withLockRetryBudget(Duration.ofMillis(600)));
        try (Connection reader = version(1).getConnection(); Statement statement = reader.createStatement()) {
            reader.setAutoCommit(false);
            statement.execute("SELECT * FROM customers");
            assertThatThrownBy(() -> hasty.start(migration("002_phone.yaml", ADD_PHONE), BackfillListener.NONE))
                    .hasMessageContaining("start failed and was undone")
                    .hasMessageContaining("gave up after");
            reader.commit();
        }
        assertThat(columns("public", "customers")).doesNotContain("phone");
        assertThat(engine.status().state()).containsExactly(1);
    }

    /**
     * The sync trigger needs SHARE ROW EXCLUSIVE on the table, which an open write transaction blocks: start gives
     * up the lock after lock_timeout (so the writers queued behind it are not blocked by it), retries, and
     * finishes once the writer commits, keeping the writer's row.
     */
    @Test
    void startRetriesTheTriggerLockWhileAWriterHoldsTheTableAndSucceedsOnceItCommits() throws Exception {
        givenVersion1();
        execute(version(1), "INSERT INTO customers (full_name, email) VALUES ('Ada Lovelace', 'ada@example.com')");
        SchemaEngine patient = new SchemaEngine(dataSource, "public",
                options().withLockTimeout(Duration.ofMillis(50)).withLockRetryBudget(Duration.ofMinutes(2)));
        Migration dropEmail = migration("002_drop_email.yaml",
                "operations: [{drop_column: {table: customers, column: email, down: \"'unknown'\"}}]");
        CompletableFuture<StartResult> started;
        try (Connection writer = version(1).getConnection(); Statement statement = writer.createStatement()) {
            writer.setAutoCommit(false);
            statement.execute("UPDATE customers SET email = 'held@example.com'");   // ROW EXCLUSIVE until commit
            started = CompletableFuture.supplyAsync(() -> patient.start(dropEmail, BackfillListener.NONE));
            // Each attempt is a new transaction waiting for the lock: two distinct ones mean a timed-out attempt was retried.
            Set<String> waitingAttempts = new HashSet<>();
            long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
            while (waitingAttempts.size() < 2 && !started.isDone() && System.nanoTime() < deadline) {
                waitingAttempts.addAll(query(dataSource, "SELECT a.pid || ' ' || a.xact_start FROM pg_locks l"
                        + " JOIN pg_stat_activity a ON a.pid = l.pid WHERE NOT l.granted AND l.locktype = 'relation'"
                        + " AND l.relation = 'public.customers'::regclass").stream().map(row -> row.get(0)).toList());
                Thread.sleep(5);   // a polling interval, not a synchronisation: the loop waits for the condition
            }
            assertThat(started).as("start must wait for the writer, not run past it").isNotDone();
            assertThat(waitingAttempts).as("attempts seen waiting for the table lock").hasSizeGreaterThanOrEqualTo(2);
            writer.commit();
        }
        assertThat(started.get().state()).containsExactly(1, 2);
        assertThat(single(version(1), "SELECT email FROM customers")).isEqualTo("held@example.com");
        execute(version(2), "INSERT INTO customers (full_name) VALUES ('Grace Hopper')");
        assertThat(single(version(1), "SELECT email FROM customers WHERE full_name = 'Grace Hopper'")).isEqualTo("unknown");
    }
}
