package dev.slipway.analysis.provider;

import java.sql.Connection;
import java.sql.SQLException;

/** Opens a connection to the service's database for the database gates (statistics views only, read-only). */
@FunctionalInterface
public interface ConnectionSource {
    Connection open() throws SQLException;
}
