package dev.slipway.schema;

import javax.sql.DataSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Slipway's own tables in the database ({@code slipway.migrations}, {@code slipway.backfills},
 * {@code slipway.repairs}, ...) and every read and write of the migration history of one schema.
 * <p>
 * The catalog's DDL lives in versioned SQL resources ({@code catalog/V1__history.sql}, {@code V2__...}). An engine
 * brings the database's catalog up to the newest version it knows once, on first use, under an advisory lock (many
 * processes may start at once); a later release adds a resource and upgrades older catalogs the same way. A catalog
 * newer than this build knows is refused rather than written to.
 */
final class SchemaHistory {
    /** The resources, in order; the index + 1 is the catalog version each brings the database to. */
    private static final List<String> CATALOG_VERSIONS = List.of("V1__history.sql", "V2__version_views.sql",
            "V3__version_roles.sql");
    /** The checksum recorded for a baseline: there is no file behind it. */
    static final String BASELINE_CHECKSUM = "baseline";

    private final DataSource dataSource;
    private final String schema;
    private volatile boolean catalogReady;

    SchemaHistory(DataSource dataSource, String schema) {
        this.dataSource = dataSource;
        this.schema = schema;
    }

    /** The newest catalog version this build knows. */
    static int latestCatalogVersion() {
        return CATALOG_VERSIONS.size();
    }

    /** Creates or upgrades the catalog the first time this engine needs it; a cheap no-op afterwards. */
    void ensureCatalog() {
        if (catalogReady) return;
        synchronized (this) {
            if (catalogReady) return;
            try (Connection connection = dataSource.getConnection()) {
                upgrade(connection);
            } catch (SQLException e) {
                throw new MigrationException("cannot create the slipway catalog: " + e.getMessage(), e);
            }
            catalogReady = true;
        }
    }

    private static void upgrade(Connection connection) throws SQLException {
        if (catalogVersion(connection) == latestCatalogVersion()) return;
        Transactions.run(connection, c -> {
            try (Statement statement = c.createStatement()) {
                statement.execute("SELECT pg_advisory_xact_lock(hashtext('slipway:init'))");
                // Read again under the lock: another process may have upgraded meanwhile.
                int version = catalogVersion(c);
                if (version > latestCatalogVersion()) {
                    throw new MigrationException("the slipway catalog of this database is at version " + version
                            + ", newer than this Slipway knows (" + latestCatalogVersion() + "): upgrade Slipway");
                }
                for (int next = version + 1; next <= latestCatalogVersion(); next++) {
                    statement.execute(resource(CATALOG_VERSIONS.get(next - 1)));
                }
                statement.execute("CREATE TABLE IF NOT EXISTS slipway.catalog_version (version integer NOT NULL)");
                statement.execute("DELETE FROM slipway.catalog_version");
                statement.execute("INSERT INTO slipway.catalog_version VALUES (" + latestCatalogVersion() + ")");
            }
            return null;
        });
    }

    /** 0 for a database without the catalog or with the unversioned one of earlier releases (same DDL as version 1). */
    private static int catalogVersion(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT to_regclass('slipway.catalog_version') IS NOT NULL")) {
            rows.next();
            if (!rows.getBoolean(1)) return 0;
        }
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT max(version) FROM slipway.catalog_version")) {
            rows.next();
            return rows.getInt(1);
        }
    }

    private static String resource(String name) {
        try (InputStream in = SchemaHistory.class.getResourceAsStream("catalog/" + name)) {
            if (in == null) throw new IllegalStateException("catalog resource " + name + " is missing from the build");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read catalog resource " + name, e);
        }
    }

    // ---------------------------------------------------------------- reads

    SchemaStatus status(Connection connection) throws SQLException {
        List<AppliedMigration> history = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement("""
                SELECT version, name, description, checksum, state, started_at, completed_at, duration_ms,
                       applied_by, error
                  FROM slipway.migrations WHERE schema_name = ? ORDER BY id""")) {
            statement.setString(1, schema);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    Timestamp completedAt = rows.getTimestamp(7);
                    long duration = rows.getLong(8);
                    Optional<Long> durationMillis = rows.wasNull() ? Optional.empty() : Optional.of(duration);
                    history.add(new AppliedMigration(rows.getInt(1), rows.getString(2), rows.getString(3),
                            rows.getString(4), rows.getString(5), rows.getTimestamp(6).toInstant(),
                            Optional.ofNullable(completedAt).map(Timestamp::toInstant), durationMillis,
                            rows.getString(9), Optional.ofNullable(rows.getString(10))));
                }
            }
        }
        Optional<InFlightRow> inFlight = inFlight(connection);
        SortedSet<Integer> state = new TreeSet<>();
        latestCompleted(connection).ifPresent(state::add);
        inFlight.filter(row -> row.phase().equals(InFlight.EXPANDED)).ifPresent(row -> {
            // An opaque migration has no expand phase: the old version is gone once it has run.
            if (row.opaque()) state.clear();
            state.add(row.version());
        });
        return new SchemaStatus(schema, Collections.unmodifiableSortedSet(state),
                inFlight.map(row -> new InFlight(row.version(), row.name(), row.phase())), List.copyOf(history));
    }

    /** The started migration as recorded: enough to complete or roll it back in another process. */
    record InFlightRow(long id, int version, String name, String phase, boolean opaque, String content, String file) {
        Migration migration() {
            return MigrationFile.parse(file, content.getBytes(StandardCharsets.UTF_8));
        }
    }

    Optional<InFlightRow> inFlight(Connection connection) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT id, version, name, phase, opaque, content, file_name FROM slipway.migrations"
                        + " WHERE schema_name = ? AND state = 'started'")) {
            statement.setString(1, schema);
            try (ResultSet rows = statement.executeQuery()) {
                if (!rows.next()) return Optional.empty();
                return Optional.of(new InFlightRow(rows.getLong(1), rows.getInt(2), rows.getString(3),
                        rows.getString(4), rows.getBoolean(5), rows.getString(6), rows.getString(7)));
            }
        }
    }

    OptionalInt latestCompleted(Connection connection) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT max(version) FROM slipway.migrations WHERE schema_name = ? AND state = 'completed'")) {
            statement.setString(1, schema);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                int version = rows.getInt(1);
                return rows.wasNull() ? OptionalInt.empty() : OptionalInt.of(version);
            }
        }
    }

    /** A completed (or in-flight) migration as history records it. */
    record AppliedRow(long id, int version, String name, String file, String checksum, String state,
                      Timestamp startedAt) {
        boolean baseline() {
            return BASELINE_CHECKSUM.equals(checksum);
        }
    }

    Optional<AppliedRow> applied(Connection connection, int version) throws SQLException {
        return appliedRows(connection).stream().filter(row -> row.version() == version).findFirst();
    }

    /** Started and completed migrations, by version. */
    List<AppliedRow> appliedRows(Connection connection) throws SQLException {
        List<AppliedRow> rows = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT id, version, name, file_name, checksum, state, started_at FROM slipway.migrations"
                        + " WHERE schema_name = ? AND state IN ('started', 'completed') ORDER BY version")) {
            statement.setString(1, schema);
            try (ResultSet result = statement.executeQuery()) {
                while (result.next()) {
                    rows.add(new AppliedRow(result.getLong(1), result.getInt(2), result.getString(3), result.getString(4),
                            result.getString(5), result.getString(6), result.getTimestamp(7)));
                }
            }
        }
        return rows;
    }

    /** A completed migration's version and whether it was opaque; newest first. */
    record CompletedRow(int version, boolean opaque) {
    }

    List<CompletedRow> newestCompleted(Connection connection, int limit) throws SQLException {
        List<CompletedRow> rows = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement("SELECT version, opaque FROM slipway.migrations"
                + " WHERE schema_name = ? AND state = 'completed' ORDER BY version DESC LIMIT ?")) {
            statement.setString(1, schema);
            statement.setInt(2, limit);
            try (ResultSet result = statement.executeQuery()) {
                while (result.next()) rows.add(new CompletedRow(result.getInt(1), result.getBoolean(2)));
            }
        }
        return rows;
    }

    static String changedMessage(String file, AppliedRow applied, String checksum) {
        return "migration " + file + " was changed after version " + applied.version() + " was "
                + (applied.state().equals(AppliedMigration.STARTED) ? "started" : "applied") + " on "
                + applied.startedAt().toInstant() + " (recorded checksum " + applied.checksum().substring(0, 12)
                + ", file now " + checksum.substring(0, 12) + "); put the applied content back, or record the new"
                + " content with repair if the change is intended";
    }

    // ---------------------------------------------------------------- writes

    long recordStarted(Connection connection, Migration migration, String actor) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("""
                INSERT INTO slipway.migrations (schema_name, version, name, file_name, description, checksum, content,
                                                opaque, state, phase, applied_by)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'started', 'expanding', ?) RETURNING id""")) {
            statement.setString(1, schema);
            statement.setInt(2, migration.version());
            statement.setString(3, migration.name());
            statement.setString(4, migration.file());
            statement.setString(5, migration.description());
            statement.setString(6, migration.checksum());
            statement.setString(7, migration.content());
            statement.setBoolean(8, migration.opaque());
            statement.setString(9, actor);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        } catch (SQLException e) {
            if ("23505".equals(e.getSQLState())) {
                throw new MigrationException("refused: another migration was started on schema " + schema
                        + " at the same time; run status", e);
            }
            throw e;
        }
    }

    void setPhase(Connection connection, long id, String phase) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("UPDATE slipway.migrations SET phase = ? WHERE id = ?")) {
            statement.setString(1, phase);
            statement.setLong(2, id);
            statement.executeUpdate();
        }
    }

    /** Ends a migration as completed or rolled back. */
    void finish(Connection connection, long id, String state) throws SQLException {
        end(connection, id, state, null);
    }

    void markFailed(Connection connection, long id, String error) throws SQLException {
        end(connection, id, AppliedMigration.FAILED, error);
    }

    private void end(Connection connection, long id, String state, String error) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "UPDATE slipway.migrations SET state = ?, phase = NULL, completed_at = now(),"
                        + " duration_ms = (extract(epoch FROM now() - started_at) * 1000)::bigint,"
                        + " error = coalesce(?, error) WHERE id = ?")) {
            statement.setString(1, state);
            statement.setString(2, error);
            statement.setLong(3, id);
            statement.executeUpdate();
        }
    }

    /** One backfill to run per table, starting after the rows older than {@code startXid}. */
    /**
     * Records a table's backfill. Its start (what rows' xmin is compared with) is the id of the transaction that
     * created the table's sync trigger {@code trigger}: the xmin of its pg_trigger row (32 bits, which is all the
     * backfill's comparison uses).
     */
    void recordBackfill(Connection connection, long id, String table, List<String> columns, String trigger)
            throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO slipway.backfills"
                + " (migration_id, table_name, columns, start_xid) SELECT ?, ?, ?, t.xmin::text::bigint FROM pg_trigger t"
                + " WHERE t.tgrelid = ?::regclass AND t.tgname = ?")) {
            insert.setLong(1, id);
            insert.setString(2, table);
            insert.setArray(3, connection.createArrayOf("text", columns.toArray()));
            insert.setString(4, dev.slipway.schema.op.Sql.qualified(schema, table));
            insert.setString(5, trigger);
            if (insert.executeUpdate() != 1) {
                throw new IllegalStateException("the sync trigger " + trigger + " of " + table + " is missing");
            }
        }
    }

    void recordBaseline(Connection connection, int version, String description, String actor) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO slipway.migrations (schema_name, version, name, file_name, description, checksum,"
                        + " content, state, completed_at, duration_ms, applied_by)"
                        + " VALUES (?, ?, 'baseline', '', ?, ?, '', 'completed', now(), 0, ?)")) {
            insert.setString(1, schema);
            insert.setInt(2, version);
            insert.setString(3, description == null ? "" : description);
            insert.setString(4, BASELINE_CHECKSUM);
            insert.setString(5, actor);
            insert.executeUpdate();
        }
    }

    int deleteFailed(Connection connection, int version) throws SQLException {
        try (PreparedStatement delete = connection.prepareStatement(
                "DELETE FROM slipway.migrations WHERE schema_name = ? AND version = ? AND state = 'failed'")) {
            delete.setString(1, schema);
            delete.setInt(2, version);
            return delete.executeUpdate();
        }
    }

    /** Records {@code migration}'s current file as what was applied under history row {@code id}. */
    void rerecord(Connection connection, long id, Migration migration) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE slipway.migrations SET checksum = ?, content = ?, file_name = ?, name = ?, description = ?"
                        + " WHERE id = ?")) {
            update.setString(1, migration.checksum());
            update.setString(2, migration.content());
            update.setString(3, migration.file());
            update.setString(4, migration.name());
            update.setString(5, migration.description());
            update.setLong(6, id);
            update.executeUpdate();
        }
    }

    void recordRepair(Connection connection, int version, String previousChecksum, String checksum, int removedFailed,
                      String actor, String reason) throws SQLException {
        try (PreparedStatement audit = connection.prepareStatement(
                "INSERT INTO slipway.repairs (schema_name, version, previous_checksum, checksum, removed_failed,"
                        + " repaired_by, reason) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            audit.setString(1, schema);
            audit.setInt(2, version);
            audit.setString(3, previousChecksum);
            audit.setString(4, checksum);
            audit.setInt(5, removedFailed);
            audit.setString(6, actor);
            audit.setString(7, reason);
            audit.executeUpdate();
        }
    }
}
