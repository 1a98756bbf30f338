package dev.slipway.schema;

import dev.slipway.schema.op.MigrationContext;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * Everything an engine command changes in the database goes through one of these: the operations' DDL, the
 * trigger and view transaction, the backfill and the history bookkeeping. {@link JdbcDdlExecutor} runs it (short
 * transactions under {@code lock_timeout}, retried with backoff; {@code CONCURRENTLY} outside transactions; the
 * engine lock); {@link RecordingDdlExecutor} only writes the statements down, which is how {@code plan} shows
 * exactly what {@code start} would run without running any of it.
 */
interface DdlExecutor extends MigrationContext.StatementRunner {

    /** JDBC work on the command's connection. */
    @FunctionalInterface
    interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    /** The statements and bookkeeping of one transaction. */
    interface Transaction {
        /** A statement that changes the schema: shown by plan. */
        void execute(String sql) throws SQLException;

        /** Slipway's own bookkeeping in the same transaction (history rows): not run by plan, which gets {@code planned}. */
        <T> T bookkeeping(Work<T> work, T planned) throws SQLException;
    }

    @FunctionalInterface
    interface TransactionBody {
        void run(Transaction transaction) throws SQLException;
    }

    /** One transaction; retried as a whole while locks are not available. */
    void transaction(String what, TransactionBody body) throws SQLException;

    /** Bookkeeping outside any DDL transaction: a history row. Plan does not run it and gets {@code planned}. */
    <T> T bookkeeping(Work<T> work, T planned) throws SQLException;

    /** A backfill: plan shows {@code -- description}; start runs it, retried from its saved position on lock timeouts. */
    long backfill(String description, Work<Long> work) throws SQLException;

    /** One engine command at a time per schema, even across processes; held until closed. */
    EngineLock lockEngine() throws SQLException;

    /**
     * One statement as its own transaction, under lock_timeout and retried like a transaction: for a lock that must
     * be held for as short a time as possible (no round trip to this process while it is held).
     */
    default void alone(String statement) {
        concurrently(statement, null);
    }

    /** Statements in one short transaction. */
    default void inTransaction(List<String> statements) {
        try {
            transaction(statements.get(0), transaction -> {
                for (String sql : statements) transaction.execute(sql);
            });
        } catch (SQLException e) {
            throw new DatabaseException(e);
        }
    }

    /** Held while an engine command runs. */
    interface EngineLock extends AutoCloseable {
        @Override
        void close() throws SQLException;
    }
}
