package dev.slipway.schema;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;

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
}
