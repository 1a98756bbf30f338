package dev.slipway.schema;

import dev.slipway.schema.op.Operation;
import dev.slipway.schema.op.Sql;
import dev.slipway.schema.op.SyncRule;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Compiles every {@code up}/{@code down} expression of a migration before anything changes:
 * {@code SELECT CAST((expression) AS column type)} over a row with the columns the sync trigger gives the
 * expression (the old version's names for {@code up}, the new version's for {@code down}) is parsed and analysed by
 * the server (the extended protocol's Parse and Describe) and never executed, inside a read-only transaction that is
 * rolled back. A missing column, an unknown function or an impossible cast is reported with its operation.
 */
final class ExpressionCheck {
    private ExpressionCheck() {
    }

    static void check(Connection connection, Migration migration, SyncRules rules) throws SQLException {
        if (migration.opaque()) return;
        for (Operation operation : migration.operations()) {
            for (SyncRule rule : operation.syncRules()) {
                Map<String, String> scope = rules.scope(rule);
                String target = rules.physicalColumnsAfterStart(rule.table()).stream()
                        .filter(column -> column.physicalName().equals(rule.column()))
                        .map(column -> column.type()).findFirst().orElse(null);
                if (target == null) continue;
                String problem = compile(connection, "SELECT CAST((" + rule.expression() + ") AS "
                        + SyncTriggers.variableType(target) + ") FROM " + row(scope));
                if (problem != null) {
                    throw new MigrationException("migration " + migration.file() + ": " + operation.describe() + ": "
                            + (rule.direction() == SyncRule.Direction.UP ? "up" : "down") + " expression \""
                            + rule.expression() + "\" (as " + target + "): " + problem);
                }
            }
        }
    }

    /** {@code (SELECT NULL::text AS "name", ...) AS slipway_row}: a row with the given columns. */
    static String row(Map<String, String> columns) {
        String items = columns.entrySet().stream()
                .map(entry -> "NULL::" + SyncTriggers.variableType(entry.getValue()) + " AS " + Sql.ident(entry.getKey()))
                .collect(Collectors.joining(", "));
        return "(SELECT " + items + ") AS slipway_row";
    }

    /**
     * Has the server parse and analyse {@code sql} without running it; the server's message when it does not
     * compile, null when it does.
     */
    static String compile(Connection connection, String sql) throws SQLException {
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try {
            try (Statement readOnly = connection.createStatement()) {
                readOnly.execute("SET TRANSACTION READ ONLY");
            }
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                statement.getParameterMetaData();
                return null;
            } catch (SQLException e) {
                if (e.getSQLState() == null || e.getSQLState().startsWith("08")) throw e;
                return e instanceof org.postgresql.util.PSQLException server && server.getServerErrorMessage() != null
                        ? server.getServerErrorMessage().getMessage() : e.getMessage();
            }
        } finally {
            connection.rollback();
            connection.setAutoCommit(autoCommit);
        }
    }
}
