package dev.slipway.schema;

import java.sql.SQLException;

/** A {@link SQLException} carried through code that cannot throw checked exceptions (operation callbacks). */
final class DatabaseException extends RuntimeException {
    DatabaseException(SQLException cause) {
        super(cause.getMessage(), cause);
    }

    @Override
    public synchronized SQLException getCause() {
        return (SQLException) super.getCause();
    }
}
