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
            Set<String> waitingAttempts = attemptsWaitingForTheTable(started);
            assertThat(started).as("start must wait for the writer, not run past it").isNotDone();
            assertThat(waitingAttempts).as("attempts seen waiting for the table lock").hasSizeGreaterThanOrEqualTo(2);
            writer.commit();
        }
        assertThat(started.get().state()).containsExactly(1, 2);
        assertThat(single(version(1), "SELECT email FROM customers")).isEqualTo("held@example.com");
        execute(version(2), "INSERT INTO customers (full_name) VALUES ('Grace Hopper')");
        assertThat(single(version(1), "SELECT email FROM customers WHERE full_name = 'Grace Hopper'")).isEqualTo("unknown");
    }

    /**
     * complete drops the sync trigger (ACCESS EXCLUSIVE on the table) and the old column in one transaction. While
     * a writer keeps the table busy, each attempt gives the lock request up after lock_timeout, so readers queued
     * behind it get through while the writer is still open; once the writer commits, complete succeeds, keeps the
     * writer's row and leaves no sync function behind.
     */
    @Test
    void completeRetriesTheTableLockWhileAWriterHoldsTheTableAndReadersGetThrough() throws Exception {
        givenVersion1();
        execute(version(1), "INSERT INTO customers (full_name, email) VALUES ('Ada Lovelace', 'ada@example.com')");
        SchemaEngine patient = new SchemaEngine(dataSource, "public",
                options().withLockTimeout(Duration.ofMillis(50)).withLockRetryBudget(Duration.ofMinutes(2)));
        patient.start(migration("002_drop_email.yaml",
                "operations: [{drop_column: {table: customers, column: email, down: \"'unknown'\"}}]"), BackfillListener.NONE);
        CompletableFuture<Void> completed;
        try (Connection writer = version(2).getConnection(); Statement statement = writer.createStatement()) {
            writer.setAutoCommit(false);
            // Through version 2's view, which complete keeps: the table's lock, not a view's, is what it waits for.
            statement.execute("UPDATE customers SET full_name = 'Ada King'");   // ROW EXCLUSIVE until commit
            completed = CompletableFuture.runAsync(patient::complete);
            Set<String> waitingAttempts = attemptsWaitingForTheTable(completed);
            assertThat(completed).as("complete must wait for the writer, not run past it").isNotDone();
            assertThat(waitingAttempts).as("attempts seen waiting for the table lock").hasSizeGreaterThanOrEqualTo(2);
            // A reader arriving now queues behind complete's lock request for at most one lock_timeout.
            CompletableFuture<String> reader = CompletableFuture.supplyAsync(() ->
                    single(dataSource, "SELECT count(*) FROM public.customers"));
            assertThat(reader.get(1, java.util.concurrent.TimeUnit.MINUTES)).isEqualTo("1");
            assertThat(completed).as("the writer is still open").isNotDone();
            writer.commit();
        }
        completed.get(1, java.util.concurrent.TimeUnit.MINUTES);
        assertThat(engine.status().state()).containsExactly(2);
        assertThat(columns("public", "customers")).doesNotContain("email");
        assertThat(single(version(2), "SELECT full_name FROM customers")).isEqualTo("Ada King");
        assertThat(single(dataSource, "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
                + " WHERE n.nspname = 'slipway' AND p.proname LIKE 'sync%'")).isEqualTo("0");
        execute(version(2), "INSERT INTO customers (full_name) VALUES ('Grace Hopper')");
    }

    /**
     * The transactions seen waiting for a lock on customers until two are seen or {@code command} ends. Each
     * attempt is a new transaction: two distinct ones mean a timed-out attempt was retried.
     */
    private Set<String> attemptsWaitingForTheTable(CompletableFuture<?> command) throws InterruptedException {
        Set<String> waitingAttempts = new HashSet<>();
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (waitingAttempts.size() < 2 && !command.isDone() && System.nanoTime() < deadline) {
            waitingAttempts.addAll(query(dataSource, "SELECT a.pid || ' ' || a.xact_start FROM pg_locks l"
                    + " JOIN pg_stat_activity a ON a.pid = l.pid WHERE NOT l.granted AND l.locktype = 'relation'"
                    + " AND l.relation = 'public.customers'::regclass").stream().map(row -> row.get(0)).toList());
            Thread.sleep(5);   // a polling interval, not a synchronisation: the loop waits for the condition
        }
        return waitingAttempts;
    }
}
