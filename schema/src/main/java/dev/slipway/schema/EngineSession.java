package dev.slipway.schema;

import java.sql.Connection;

/**
 * What one engine command works with: the base schema, the options, the history, the command's connection (for
 * reads: the catalog, the history) and the executor every change goes through.
 */
record EngineSession(String schema, SchemaOptions options, SchemaHistory history, Connection connection,
                     DdlExecutor executor) {
}
