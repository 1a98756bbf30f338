package dev.slipway.schema;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * Runs an engine command's changes on one connection. Every DDL transaction runs under {@code lock_timeout} so a
 * statement never queues behind a long reader (and never makes the readers behind it queue); plain statement
 * lists go to the server in one round trip ({@link #inTransaction}); a transaction that hits the timeout, or a deadlock, is rolled back and retried as a whole with
 * exponential backoff and full jitter, within {@code lockRetryBudget} in total. {@code CONCURRENTLY} statements run
 * outside any transaction. Every statement it runs is reported to {@code statementLog} (what {@code plan} must
 * match; tests listen to it).
 */
final class JdbcDdlExecutor implements DdlExecutor {
    private static final Logger log = LoggerFactory.getLogger(JdbcDdlExecutor.class);
    /** SQLSTATEs worth retrying a DDL transaction for: lock_not_available (lock_timeout) and deadlock_detected. */
    static final List<String> LOCK_STATES = List.of("55P03", "40P01");

    private final Connection connection;
    private final String schema;
    private final SchemaOptions options;
    private final Consumer<String> statementLog;

    JdbcDdlExecutor(Connection connection, String schema, SchemaOptions options, Consumer<String> statementLog) {
        this.connection = connection;
        this.schema = schema;
        this.options = options;
        this.statementLog = statementLog;
    }

    Connection connection() {
        return connection;
    }

    SchemaOptions options() {
        return options;
    }

    @Override
    public void transaction(String what, TransactionBody body) throws SQLException {
        withLockRetry(what, () -> Transactions.run(connection, c -> {
            try (Statement statement = c.createStatement()) {
                statement.execute("SET LOCAL lock_timeout = '" + options.lockTimeout().toMillis() + "ms'");
                body.run(new Transaction() {
                    @Override
                    public void execute(String sql) throws SQLException {
                        log.debug("{}", sql);
                        statement.execute(sql);
                        statementLog.accept(sql);
                    }

                    @Override
                    public <T> T bookkeeping(Work<T> work, T planned) throws SQLException {
                        return work.run(c);
                    }
                });
            }
            return null;
        }));
    }

    /** CONCURRENTLY cannot run in a transaction; a failed build leaves an INVALID index that cleanup drops. */
    @Override
    public void concurrently(String sql, String cleanupOnFailure) {
        autocommit(sql, List.of(sql), List.of(sql), cleanupOnFailure);
    }

    /**
     * All the statements in one round trip, as one transaction: {@code BEGIN}, the statements and {@code COMMIT} in
     * one query string (an explicit block, as LOCK TABLE needs). So the locks they take are held only while the
     * server works, never while this process — which a busy machine may not schedule for milliseconds — sends the
     * next statement or the commit. On an error the server skips the rest, COMMIT included, and the block is
     * rolled back here. Retried whole on lock timeouts.
     */
    @Override
    public void inTransaction(List<String> statements) {
        List<String> block = new java.util.ArrayList<>();
        block.add("BEGIN");
        block.addAll(statements);
        block.add("COMMIT");
        autocommit(statements.get(0), block, statements, "ROLLBACK");
    }

    /**
     * {@code sent} as one query string in auto-commit mode, under lock_timeout, retried; {@code logged} are the
     * statements of the migration among them. Each separator starts on a line of its own: a statement may end in a
     * {@code --} comment.
     */
    private void autocommit(String what, List<String> sent, List<String> logged, String cleanupOnFailure) {
        String sql = sent.size() == 1 ? sent.get(0) : String.join("\n;\n", sent);
        try {
            withLockRetry(what, () -> {
                connection.setAutoCommit(true);
                try (Statement statement = connection.createStatement()) {
                    statement.execute("SET lock_timeout = '" + options.lockTimeout().toMillis() + "ms'");
                    try {
                        log.debug("{}", sql);
                        statement.execute(sql);
                        logged.forEach(statementLog);
                    } catch (SQLException e) {
                        if (cleanupOnFailure != null) {
                            statement.execute(cleanupOnFailure);
                        }
                        throw e;
                    } finally {
                        statement.execute("RESET lock_timeout");
                    }
                }
                return null;
            });
        } catch (SQLException e) {
            throw new DatabaseException(e);
        }
    }

    @Override
    public <T> T bookkeeping(Work<T> work, T planned) throws SQLException {
        connection.setAutoCommit(true);
        return work.run(connection);
    }

    @Override
    public long backfill(String description, Work<Long> work) throws SQLException {
        statementLog.accept("-- " + description);
        return withLockRetry(description, () -> work.run(connection));
    }

    /** What to retry: a transaction or statement that must start over when a lock was not available in time. */
    @FunctionalInterface
    interface Attempt<T> {
        T run() throws SQLException;
    }

    /** Retries on lock timeout with exponential backoff and full jitter, within {@code lockRetryBudget} in total. */
    <T> T withLockRetry(String what, Attempt<T> attempt) throws SQLException {
        long deadline = System.nanoTime() + options.lockRetryBudget().toNanos();
        long backoffMillis = 50;
        for (int number = 1; ; number++) {
            try {
                return attempt.run();
            } catch (SQLException e) {
                if (!LOCK_STATES.contains(e.getSQLState())) {
                    throw e;
                }
                long pause = backoffMillis / 2 + ThreadLocalRandom.current().nextLong(backoffMillis / 2 + 1);
                if (System.nanoTime() + pause * 1_000_000 > deadline) {
                    throw new SQLException("gave up after " + number + " attempts within "
                            + options.lockRetryBudget().toMillis() + " ms waiting for locks (" + what + "): "
                            + e.getMessage(), e.getSQLState(), e);
                }
                log.info("lock not available ({}), attempt {}: retrying in {} ms", what, number, pause);
                try {
                    Thread.sleep(pause);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new SQLException("interrupted while waiting to retry " + what, "57014", interrupted);
                }
                backoffMillis = Math.min(backoffMillis * 2, 5_000);
            }
        }
    }

    /**
     * A session advisory lock per schema: one engine command at a time, even across processes. Released when the
     * command ends (or its connection dies).
     */
    @Override
    public EngineLock lockEngine() throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("SELECT pg_try_advisory_lock(hashtext(?))")) {
            statement.setString(1, "slipway:" + schema);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                if (!rows.getBoolean(1)) {
                    throw new MigrationException("refused: another slipway command is running on schema " + schema);
                }
            }
        }
        return () -> {
            if (connection.isClosed()) return;
            connection.setAutoCommit(true);
            try (PreparedStatement statement = connection.prepareStatement("SELECT pg_advisory_unlock(hashtext(?))")) {
                statement.setString(1, "slipway:" + schema);
                statement.execute();
            }
        };
    }
}
