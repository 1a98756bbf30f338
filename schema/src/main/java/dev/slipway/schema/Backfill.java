package dev.slipway.schema;

import dev.slipway.schema.op.ColumnSnapshot;
import dev.slipway.schema.op.Sql;
import dev.slipway.schema.op.TableSnapshot;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Fills the new columns of existing rows, batch by batch along the primary key, one transaction per batch.
 * <p>
 * A batch "touches" its rows ({@code SET col = col} for every column an {@code up} rule fills): the sync trigger
 * fires as an old-version writer and computes the new columns, so the backfill and live writes share one code
 * path. The batch's last key is saved in {@code slipway.backfills} in the same transaction, so after a crash the
 * backfill resumes exactly after the last committed batch.
 * <p>
 * Rows written since the triggers were installed already went through the trigger and must not be rewritten
 * (a new-version write would be replaced by {@code up(down(...))}). The trigger-installing transaction locked
 * the tables before taking its transaction id X, so every write to them before the trigger existed came from a
 * transaction older than X, and every row with {@code xmin} newer than X was written through the trigger. Newer
 * means a smaller {@code age()}: age counts transactions back from the next one, so it is immune to xid
 * wraparound as long as X is younger than 2^31 transactions (autovacuum guarantees that), and age() of a frozen
 * xmin is INT_MAX, so frozen rows count as old and are backfilled.
 */
final class Backfill {
    private final Connection connection;
    private final String schema;
    private final SchemaOptions options;
    private final BackfillListener listener;

    Backfill(Connection connection, String schema, SchemaOptions options, BackfillListener listener) {
        this.connection = connection;
        this.schema = schema;
        this.options = options;
        this.listener = listener;
    }

    /** One table's backfill as persisted. */
    record Position(long migrationId, String table, long startXid, List<String> lastKey, long done, Long total,
                    List<String> columns) {
    }

    static List<Position> pending(Connection connection, long migrationId) throws SQLException {
        List<Position> positions = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement("""
                SELECT table_name, start_xid, last_key, done, total, columns
                  FROM slipway.backfills WHERE migration_id = ? AND NOT finished ORDER BY table_name""")) {
            statement.setLong(1, migrationId);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    Array lastKey = rows.getArray(3);
                    long total = rows.getLong(5);
                    positions.add(new Position(migrationId, rows.getString(1), rows.getLong(2),
                            lastKey == null ? null : List.of((String[]) lastKey.getArray()), rows.getLong(4),
                            rows.wasNull() ? null : total, List.of((String[]) rows.getArray(6).getArray())));
                }
            }
        }
        return positions;
    }

    /** Runs one table's backfill to the end; returns the rows it visited in this run. */
    long run(Position position, TableSnapshot table) throws SQLException {
        List<String> keyColumns = table.primaryKey();
        List<String> keyTypes = keyColumns.stream()
                .map(key -> table.column(key).map(ColumnSnapshot::type).orElseThrow()).toList();
        String tableName = Sql.qualified(schema, table.physicalName());
        long total = position.total() != null ? position.total() : countRows(position, tableName);
        List<String> lastKey = position.lastKey();
        long done = position.done();
        long visitedThisRun = 0;
        long began = System.nanoTime();
        String keyTuple = "(" + Sql.identList(keyColumns) + ")";
        // Aliased: ORDER BY "id" would otherwise sort by the text output column ("10" < "9"), not the key.
        String keySelect = keyColumns.stream().map(key -> Sql.ident(key) + "::text AS " + Sql.ident("slipway_key_" + key))
                .collect(Collectors.joining(", "));
        String assignments = position.columns().stream().map(column -> Sql.ident(column) + " = " + Sql.ident(column))
                .collect(Collectors.joining(", "));
        while (true) {
            connection.setAutoCommit(false);
            List<String> batchEnd = null;
            int visited = 0;
            try {
                try (Statement statement = connection.createStatement()) {
                    statement.execute("SET LOCAL lock_timeout = '" + options.lockTimeout().toMillis() + "ms'");
                }
                String lowerBound = lastKey == null ? "true" : keyTuple + " > " + keyParameters(keyTypes);
                // Only rows older than the backfill need it: rows written since went through the trigger. Skipping
                // them here too means the walk ends at the last old row instead of chasing new inserts forever.
                try (PreparedStatement select = connection.prepareStatement("SELECT " + keySelect + " FROM " + tableName
                        + " WHERE " + lowerBound + " AND age(xmin) >= age((?::bigint % 4294967296)::text::xid)"
                        + " ORDER BY " + Sql.identList(keyColumns) + " LIMIT ?")) {
                    int index = bindKey(select, 1, lastKey);
                    select.setLong(index++, position.startXid());
                    select.setInt(index, options.backfillBatchSize());
                    try (ResultSet rows = select.executeQuery()) {
                        while (rows.next()) {
                            visited++;
                            batchEnd = new ArrayList<>();
                            for (int i = 1; i <= keyColumns.size(); i++) batchEnd.add(rows.getString(i));
                        }
                    }
                }
                if (visited == 0) {
                    try (PreparedStatement finish = connection.prepareStatement(
                            "UPDATE slipway.backfills SET finished = true, total = ?, updated_at = now()"
                                    + " WHERE migration_id = ? AND table_name = ?")) {
                        finish.setLong(1, total);
                        finish.setLong(2, position.migrationId());
                        finish.setString(3, position.table());
                        finish.executeUpdate();
                    }
                    connection.commit();
                    return visitedThisRun;
                }
                try (PreparedStatement update = connection.prepareStatement("UPDATE " + tableName + " SET " + assignments
                        + " WHERE " + lowerBound + " AND " + keyTuple + " <= " + keyParameters(keyTypes)
                        + " AND age(xmin) >= age((?::bigint % 4294967296)::text::xid)")) {
                    int index = bindKey(update, 1, lastKey);
                    index = bindKey(update, index, batchEnd);
                    update.setLong(index, position.startXid());
                    update.executeUpdate();
                }
                done += visited;
                visitedThisRun += visited;
                try (PreparedStatement save = connection.prepareStatement(
                        "UPDATE slipway.backfills SET last_key = ?, done = ?, total = ?, updated_at = now()"
                                + " WHERE migration_id = ? AND table_name = ?")) {
                    save.setArray(1, connection.createArrayOf("text", batchEnd.toArray()));
                    save.setLong(2, done);
                    save.setLong(3, Math.max(total, done));
                    save.setLong(4, position.migrationId());
                    save.setString(5, position.table());
                    save.executeUpdate();
                }
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
            lastKey = batchEnd;
            total = Math.max(total, done);
            double seconds = Math.max((System.nanoTime() - began) / 1e9, 1e-3);
            double rate = visitedThisRun / seconds;
            Duration eta = rate > 0 ? Duration.ofMillis((long) ((total - done) / rate * 1000)) : Duration.ZERO;
            listener.progress(new BackfillProgress(position.table(), done, total, rate, eta));
            throttle(visitedThisRun, began);
        }
    }

    private long countRows(Position position, String tableName) throws SQLException {
        // An exact count is one sequential scan without locks beyond ACCESS SHARE; it makes the ETA honest.
        long total;
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT count(*) FROM " + tableName)) {
            rows.next();
            total = rows.getLong(1);
        }
        try (PreparedStatement save = connection.prepareStatement(
                "UPDATE slipway.backfills SET total = ? WHERE migration_id = ? AND table_name = ?")) {
            save.setLong(1, total);
            save.setLong(2, position.migrationId());
            save.setString(3, position.table());
            save.executeUpdate();
        }
        return total;
    }

    private void throttle(long visitedThisRun, long began) {
        long pauseMillis = options.backfillDelay().toMillis();
        if (options.maxRowsPerSecond() > 0) {
            long earliestMillis = visitedThisRun * 1000 / options.maxRowsPerSecond();
            long elapsedMillis = (System.nanoTime() - began) / 1_000_000;
            pauseMillis = Math.max(pauseMillis, earliestMillis - elapsedMillis);
        }
        if (pauseMillis > 0) {
            try {
                Thread.sleep(pauseMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("backfill interrupted", e);
            }
        }
    }

    private static String keyParameters(List<String> keyTypes) {
        return "(" + keyTypes.stream().map(type -> "?::" + type).collect(Collectors.joining(", ")) + ")";
    }

    private static int bindKey(PreparedStatement statement, int index, List<String> key) throws SQLException {
        if (key == null) {
            return index;
        }
        for (String value : key) {
            statement.setString(index++, value);
        }
        return index;
    }
}
