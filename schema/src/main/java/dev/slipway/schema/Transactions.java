package dev.slipway.schema;

import java.sql.Connection;
import java.sql.SQLException;

/** One explicit transaction on a connection that is otherwise in auto-commit mode. */
final class Transactions {
    private Transactions() {
    }

    /** Runs {@code work} in a transaction: committed when it returns, rolled back when it throws. */
    static <T> T run(Connection connection, DdlExecutor.Work<T> work) throws SQLException {
        connection.setAutoCommit(false);
        try {
            T result = work.run(connection);
            connection.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(true);
        }
    }
}
