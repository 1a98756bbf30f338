package dev.slipway.schema;

import dev.slipway.schema.op.Operation;
import dev.slipway.schema.op.SchemaSnapshot;
import dev.slipway.schema.op.SerialTypes;
import dev.slipway.schema.op.SqlFragment;
import dev.slipway.schema.op.Sql;
import dev.slipway.schema.op.SyncRule;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
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
        requireStandardStrings(connection);
        for (Operation operation : migration.operations()) {
            List<SqlFragment> fragments = operation.fragments();
            // Types first: the other fragments are compiled against them.
            for (SqlFragment fragment : fragments.stream().filter(f -> f.kind() == SqlFragment.Kind.TYPE).toList()) {
                String problem = typeProblem(connection, fragment.text());
                if (problem != null) throw located(migration, operation, fragment.what() + ": type " + fragment.text(), problem);
            }
            for (SqlFragment fragment : fragments.stream().filter(f -> f.kind() != SqlFragment.Kind.TYPE).toList()) {
                String source = fragment.table() == null ? "" : " FROM " + row(rowOf(rules.after(), fragment.table()));
                String problem = compile(connection, "SELECT CAST((" + fragment.text() + ") AS "
                        + SerialTypes.asType(fragment.type()) + ")" + source);
                if (problem != null) {
                    throw located(migration, operation, fragment.what() + " \"" + fragment.text() + "\"", problem);
                }
            }
        }
        if (migration.opaque()) return;
        for (Operation operation : migration.operations()) {
            for (SyncRule rule : operation.syncRules()) {
                Map<String, String> scope = rules.scope(rule);
                String target = rules.physicalColumnsAfterStart(rule.table()).stream()
                        .filter(column -> column.physicalName().equals(rule.column()))
                        .map(column -> column.type()).findFirst().orElse(null);
                if (target == null) continue;
                String problem = compile(connection, "SELECT CAST((" + rule.expression() + ") AS "
                        + SerialTypes.asType(target) + ") FROM " + row(scope));
                if (problem != null) {
                    throw new MigrationException("migration " + migration.file() + ": " + operation.describe() + ": "
                            + (rule.direction() == SyncRule.Direction.UP ? "up" : "down") + " expression \""
                            + rule.expression() + "\" (as " + target + "): " + problem);
                }
            }
        }
    }

    /**
     * Names that look a relation up only when a migration's own expression runs (a regclass argument): no compile
     * sees them.
     */
    private static final java.util.regex.Pattern RUNTIME_LOOKUP =
            java.util.regex.Pattern.compile("(?i)regclass|nextval|currval|setval");

    /**
     * Whether the sync triggers of {@code table} must run its rules with the base schema's search path: a writer's
     * own path is its version schema, where the base schema's sequences, functions, types and operators are not
     * visible. Not needed when every rule compiles with pg_catalog alone on the path (it names only the row's
     * columns and what every path sees) and looks nothing up at run time; switching the path costs each written row
     * a few microseconds. Anything that does not compile so counts as needing it, and so does a rule Slipway wrote
     * that says it does ({@link SyncRule#needsBaseSchema}).
     */
    static boolean needsBaseSchema(Connection connection, SyncRules rules, List<SyncRule> tableRules) throws SQLException {
        for (SyncRule rule : tableRules) {
            if (rule.needsBaseSchema() || RUNTIME_LOOKUP.matcher(rule.expression()).find()
                    || compile(connection, "SELECT (" + rule.expression() + ") FROM " + row(rules.scope(rule)), "pg_catalog") != null) {
                return true;
            }
        }
        return false;
    }

    private static MigrationException located(Migration migration, Operation operation, String what, String problem) {
        return new MigrationException("migration " + migration.file() + ": " + operation.describe() + ": " + what + ": " + problem);
    }

    /**
     * Expressions are checked as PostgreSQL's lexer reads them with {@code standard_conforming_strings} on (the
     * default since 9.1): with it off, a backslash would escape a quote the check saw as closing.
     */
    private static void requireStandardStrings(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             java.sql.ResultSet rows = statement.executeQuery("SELECT current_setting('standard_conforming_strings')")) {
            rows.next();
            if (!"on".equals(rows.getString(1))) {
                throw new MigrationException("refused: standard_conforming_strings is off on this server; Slipway checks"
                        + " the expressions of migrations as PostgreSQL reads them with it on (the default)");
            }
        }
    }

    /** Whether the server knows the type: {@code to_regtype} parses it with the type-name grammar, bound as a value. */
    static String typeProblem(Connection connection, String type) throws SQLException {
        if (SerialTypes.base(type).isPresent()) return null;  // a shorthand, not a type: what it stands for is known
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try (PreparedStatement statement = connection.prepareStatement("SELECT to_regtype(?) IS NOT NULL")) {
            statement.setString(1, type);
            try (java.sql.ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getBoolean(1) ? null : "no such type";
            }
        } catch (SQLException e) {
            return problem(e);
        } finally {
            connection.rollback();
            connection.setAutoCommit(autoCommit);
        }
    }

    /** The server's message for SQL that does not compile; a lost connection is no answer and is thrown. */
    private static String problem(SQLException e) throws SQLException {
        if (e.getSQLState() == null || e.getSQLState().startsWith("08")) throw e;
        return e instanceof org.postgresql.util.PSQLException server && server.getServerErrorMessage() != null
                ? server.getServerErrorMessage().getMessage() : e.getMessage();
    }

    /** The columns of {@code table} as the new version sees them, with their types. */
    private static Map<String, String> rowOf(SchemaSnapshot layout, String table) {
        Map<String, String> columns = new java.util.LinkedHashMap<>();
        layout.table(table).ifPresent(snapshot -> snapshot.columns().forEach(column -> columns.put(column.name(), column.type())));
        return columns;
    }

    /** {@code (SELECT NULL::text AS "name", ...) AS slipway_row}: a row with the given columns. */
    static String row(Map<String, String> columns) {
        String items = columns.entrySet().stream()
                .map(entry -> "NULL::" + SerialTypes.asType(entry.getValue()) + " AS " + Sql.ident(entry.getKey()))
                .collect(Collectors.joining(", "));
        return "(SELECT " + items + ") AS slipway_row";
    }

    /**
     * Has the server parse and analyse {@code sql} without running it; the server's message when it does not
     * compile, null when it does.
     */
    static String compile(Connection connection, String sql) throws SQLException {
        return compile(connection, sql, null);
    }

    /** As {@link #compile(Connection, String)}, with {@code searchPath} (SQL) as the search path when not null. */
    private static String compile(Connection connection, String sql, String searchPath) throws SQLException {
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try {
            try (Statement readOnly = connection.createStatement()) {
                readOnly.execute("SET TRANSACTION READ ONLY");
                if (searchPath != null) readOnly.execute("SET LOCAL search_path TO " + searchPath);
            }
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                statement.getParameterMetaData();
                return null;
            } catch (SQLException e) {
                return problem(e);
            }
        } finally {
            connection.rollback();
            connection.setAutoCommit(autoCommit);
        }
    }
}
