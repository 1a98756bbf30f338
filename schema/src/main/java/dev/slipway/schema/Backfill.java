package dev.slipway.schema;

import dev.slipway.schema.op.ColumnSnapshot;
import dev.slipway.schema.op.Sql;
import dev.slipway.schema.op.SyncRule;
import dev.slipway.schema.op.TableSnapshot;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Fills the new columns of existing rows, batch by batch along the primary key, one transaction per batch.
 * <p>
 * <b>How a batch computes the new columns.</b> Normally the batch's UPDATE computes the {@code up} expressions
 * itself ({@code SET first_name = (split_part(full_name, ' ', 1))}) with {@code SET LOCAL slipway.backfill = 'on'},
 * which the sync trigger's {@code WHEN} clause reads to stay out of the way (see {@link SyncTriggers}): running a
 * PL/pgSQL trigger per row cost about as much as the update itself. The result is the trigger's, because the
 * trigger evaluates every {@code up} expression over the row as it was before the write (its variables are
 * assigned from NEW before any rule runs), and an UPDATE's SET list sees the old row too; both coerce the result
 * to the column's type with an assignment cast. Where that equivalence does not hold the batch instead "touches"
 * its rows ({@code SET col = col}) and lets the trigger fire as an old-version writer, as it always did:
 * <ul>
 * <li>an {@code up} expression with a sub-SELECT: the trigger resolves a bare name in it to the row's column
 *     first ({@code #variable_conflict use_variable}), SQL to the sub-query's table first;</li>
 * <li>a migration that renames columns: the trigger reads them under their old names;</li>
 * <li>an expression the UPDATE does not compile (no assignment cast to the column's type: PL/pgSQL would fall
 *     back to text I/O conversion). {@link #run} finds out by having the server parse the statement once.</li>
 * </ul>
 * <p>
 * <b>One statement per batch.</b> A CTE takes the next {@code batchSize} keys after the saved position (keyset,
 * from the primary key index alone),
 * the UPDATE covers the key range up to the last of them, and the statement returns only that last key and the
 * count: no keys travel to the client. The same statement saves the batch's last key in {@code slipway.backfills},
 * so after a crash the backfill resumes exactly after the last committed batch. The batch's settings and that
 * statement reach the server in one round trip and commit at its end (see {@link #runBatch}): on a busy machine a
 * round trip costs milliseconds, and a batch used to make four (settings, batch, position, commit).
 * <p>
 * <b>Which rows.</b> Rows written since the triggers were installed already went through the trigger and must not
 * be rewritten (a new-version write would be replaced by {@code up(down(...))}). The trigger-installing
 * transaction locked the tables before taking its transaction id X, so every write to them before the trigger
 * existed came from a transaction older than X, and every row with {@code xmin} newer than X was written through
 * the trigger. Newer means a smaller {@code age()}: age counts transactions back from the next one, so it is
 * immune to xid wraparound as long as X is younger than 2^31 transactions (autovacuum guarantees that), and age()
 * of a frozen xmin is INT_MAX, so frozen rows count as old and are backfilled. The UPDATE tests it, and re-tests
 * a row a writer changed meanwhile on its newest version (READ COMMITTED), which is newer than X, so the writer's
 * value stays. The walk ends at the largest key when the run began ({@link #lastKeyNow}) instead of chasing inserts.
 */
final class Backfill {
    private static final Logger log = LoggerFactory.getLogger(Backfill.class);

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

    /**
     * What one table's batches must compute: the table's {@code up} rules, and whether the UPDATE may evaluate
     * them itself ({@code computeInUpdate}; false when the migration renames columns or an expression has a
     * sub-SELECT, see the class comment).
     */
    record Fill(List<SyncRule> upRules, boolean computeInUpdate) {
        static Fill of(List<SyncRule> upRules, boolean renamesColumns) {
            boolean subSelect = upRules.stream().anyMatch(rule -> SUB_SELECT.matcher(rule.expression()).find());
            return new Fill(upRules, !renamesColumns && !subSelect);
        }
    }

    /** Conservative: a string literal containing the word also sends the table through the trigger, which is merely slower. */
    private static final Pattern SUB_SELECT = Pattern.compile("(?i)\\bselect\\b");

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
                    // wasNull speaks of the column read last: ask it before reading another
                    Long knownTotal = rows.wasNull() ? null : total;
                    positions.add(new Position(migrationId, rows.getString(1), rows.getLong(2),
                            lastKey == null ? null : List.of((String[]) lastKey.getArray()), rows.getLong(4),
                            knownTotal, List.of((String[]) rows.getArray(6).getArray())));
                }
            }
        }
        return positions;
    }

    /** Runs one table's backfill to the end; returns the rows it filled in this run. */
    long run(Position position, TableSnapshot table, Fill fill) throws SQLException {
        List<String> keyColumns = table.primaryKey();
        List<String> keyTypes = keyColumns.stream()
                .map(key -> table.column(key).map(ColumnSnapshot::type).orElseThrow()).toList();
        String tableName = Sql.qualified(schema, table.physicalName());
        long total = position.total() != null ? position.total() : countRows(position, tableName);
        List<String> lastKey = position.lastKey();
        long done = position.done();
        long filledThisRun = 0;
        long began = System.nanoTime();
        String computed = fill.upRules().stream()
                .map(rule -> Sql.ident(rule.column()) + " = (" + rule.expression() + ")")
                .collect(Collectors.joining(", "));
        String touched = position.columns().stream().map(column -> Sql.ident(column) + " = " + Sql.ident(column))
                .collect(Collectors.joining(", "));
        boolean computeInUpdate = fill.computeInUpdate()
                && compiles(batchStatement(tableName, keyColumns, keyTypes, true, computed));
        log.info("backfilling {} from key {}: {}", position.table(), lastKey == null ? "(start)" : lastKey,
                computeInUpdate ? "the batches compute up themselves" : "the sync trigger computes up (touching rows)");
        List<String> endKey = lastKeyNow(tableName, keyColumns);
        String firstBatch = batchStatement(tableName, keyColumns, keyTypes, true, computeInUpdate ? computed : touched);
        String laterBatch = batchStatement(tableName, keyColumns, keyTypes, false, computeInUpdate ? computed : touched);
        String settings = settings(computeInUpdate);
        while (true) {
            Batch batch = endKey == null ? new Batch(0, null)
                    : runBatch(settings + (lastKey == null ? firstBatch : laterBatch), lastKey, endKey, position, keyColumns.size());
            if (batch.end() == null) {
                savePosition(position, total);
                return filledThisRun;
            }
            done += batch.filled();
            filledThisRun += batch.filled();
            lastKey = batch.end();
            total = Math.max(total, done);
            double seconds = Math.max((System.nanoTime() - began) / 1e9, 1e-3);
            double rate = filledThisRun / seconds;
            Duration eta = rate > 0 ? Duration.ofMillis((long) ((total - done) / rate * 1000)) : Duration.ZERO;
            listener.progress(new BackfillProgress(position.table(), done, total, rate, eta));
            throttle(filledThisRun, began);
        }
    }

    /** The rows one batch filled and the last key it covered (none when nothing was left). */
    private record Batch(long filled, List<String> end) {
    }

    /**
     * The first statement of every batch: the transaction's lock_timeout, and whether the sync trigger stays out of
     * the way ('on': the batch computes up itself; 'off' lets the trigger compute the rows the batch touches).
     */
    private String settings(boolean computeInUpdate) {
        return "SELECT set_config('lock_timeout', " + Sql.literal(options.lockTimeout().toMillis() + "ms")
                + ", true), set_config('slipway.backfill', " + Sql.literal(computeInUpdate ? "on" : "off") + ", true)\n;\n";
    }

    /**
     * One batch, one round trip: the settings and the batch statement go as one query string in auto-commit mode,
     * which the server runs as one implicit transaction and commits at its end. The batch statement saves its own
     * position, so the commit that makes its rows durable makes its position durable too.
     */
    private Batch runBatch(String sql, List<String> lastKey, List<String> endKey, Position position, int keyColumns)
            throws SQLException {
        connection.setAutoCommit(true);
        try (PreparedStatement batch = connection.prepareStatement(sql)) {
            int index = bindKey(batch, 1, lastKey);
            index = bindKey(batch, index, endKey);
            batch.setInt(index++, options.backfillBatchSize());
            index = bindKey(batch, index, lastKey);
            batch.setLong(index++, position.startXid());
            batch.setLong(index++, position.migrationId());
            batch.setString(index, position.table());
            batch.execute();         // the settings' row
            batch.getMoreResults();  // the batch's
            try (ResultSet rows = batch.getResultSet()) {
                if (!rows.next()) return new Batch(0, null);
                List<String> end = new ArrayList<>();
                for (int i = 0; i < keyColumns; i++) end.add(rows.getString(i + 2));
                return new Batch(rows.getLong(1), end);
            }
        }
    }

    /** The walk found nothing left: the backfill is finished. Idempotent, so a crash before it costs one empty batch. */
    private void savePosition(Position position, long total) throws SQLException {
        try (PreparedStatement save = connection.prepareStatement(
                "UPDATE slipway.backfills SET finished = true, total = ?, updated_at = now()"
                        + " WHERE migration_id = ? AND table_name = ?")) {
            save.setLong(1, total);
            save.setLong(2, position.migrationId());
            save.setString(3, position.table());
            save.executeUpdate();
        }
    }

    /**
     * One batch as one statement. Parameters: the lower bound (later batches), the walk's end key, the batch size,
     * the lower bound again, the start xid, the migration id and table name of the position row. Returns no row when
     * nothing is left, else the rows the UPDATE filled (RETURNING: progress counts rows written, not keys passed) and
     * the batch's last key as text; the same statement saves that key and count as the position (no row left: no
     * save). The start xid's age is an InitPlan, computed once per batch rather than per row.
     * <p>
     * The key CTE reads only the primary key index (an index-only scan on all-visible pages, which the pages ahead
     * of the walk are): it takes the next {@code batchSize} keys whatever their rows' age, and only the UPDATE tests
     * xmin, on the heap tuples it visits anyway. Testing xmin in the CTE as well made every batch read its rows twice.
     */
    private static String batchStatement(String tableName, List<String> keyColumns, List<String> keyTypes,
                                         boolean first, String assignments) {
        String keyTuple = "(" + Sql.identList(keyColumns) + ")";
        String lowerBound = first ? "true" : keyTuple + " > " + keyParameters(keyTypes);
        String olderThanStart = "age(xmin) >= (SELECT age((?::bigint % 4294967296)::text::xid))";
        List<String> batchKeys = new ArrayList<>();
        for (int i = 1; i <= keyColumns.size(); i++) batchKeys.add("slipway_key_" + i);
        String keyAliases = java.util.stream.IntStream.range(0, keyColumns.size())
                .mapToObj(i -> Sql.ident(keyColumns.get(i)) + " AS " + batchKeys.get(i)).collect(Collectors.joining(", "));
        // One scalar sub-select per key column: each becomes a parameter, so the range stays an index condition.
        String upperBound = batchKeys.stream().map(key -> "(SELECT " + key + " FROM slipway_last)")
                .collect(Collectors.joining(", ", "(", ")"));
        return "WITH slipway_batch AS MATERIALIZED (SELECT " + keyAliases + " FROM " + tableName
                + " WHERE " + lowerBound + " AND " + keyTuple + " <= " + keyParameters(keyTypes)
                + " ORDER BY " + Sql.identList(keyColumns) + " LIMIT ?),"
                + " slipway_last AS (SELECT " + String.join(", ", batchKeys)
                + " FROM slipway_batch ORDER BY " + batchKeys.stream().map(key -> key + " DESC").collect(Collectors.joining(", "))
                + " LIMIT 1),"
                + " slipway_written AS (UPDATE " + tableName + " SET " + assignments
                + " WHERE " + lowerBound + " AND " + keyTuple + " <= " + upperBound + " AND " + olderThanStart
                + " RETURNING 1),"
                + " slipway_count AS (SELECT count(*) AS filled FROM slipway_written),"
                + " slipway_saved AS (UPDATE slipway.backfills SET last_key = ARRAY["
                + batchKeys.stream().map(key -> "slipway_last." + key + "::text").collect(Collectors.joining(", "))
                + "], done = done + filled, total = greatest(total, done + filled), updated_at = now()"
                + " FROM slipway_last, slipway_count WHERE migration_id = ? AND table_name = ?)"
                + " SELECT (SELECT filled FROM slipway_count), " + batchKeys.stream().map(key -> key + "::text").collect(Collectors.joining(", "))
                + " FROM slipway_last";
    }

    /**
     * The largest key now, or null for an empty table: where this run's walk ends. Every row the backfill must
     * fill is older than the trigger-installing transaction, which waited for all earlier writers to finish, so it
     * is visible here with a key no larger (a row whose key changed since was rewritten through the trigger and
     * needs nothing). Rows inserted later are newer and need nothing either: bounding the walk stops it chasing
     * them. A resumed run takes the bound again; it can only have grown.
     */
    private List<String> lastKeyNow(String tableName, List<String> keyColumns) throws SQLException {
        // Aliased: ORDER BY "id" would otherwise sort by the text output column of that name ('999' > '2500').
        String keys = keyColumns.stream().map(key -> Sql.ident(key) + "::text AS " + Sql.ident("slipway_" + key))
                .collect(Collectors.joining(", "));
        String order = keyColumns.stream().map(key -> Sql.ident(key) + " DESC").collect(Collectors.joining(", "));
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT " + keys + " FROM " + tableName + " ORDER BY " + order + " LIMIT 1")) {
            if (!rows.next()) return null;
            List<String> key = new ArrayList<>();
            for (int i = 1; i <= keyColumns.size(); i++) key.add(rows.getString(i));
            return key;
        }
    }

    /**
     * Whether the server accepts the statement: asking for its parameter types makes the driver send it for
     * parsing and analysis (names resolved, assignment casts checked) without running it. A syntax or semantic
     * error (class 42) means the up expressions need the trigger's evaluation; anything else is a real failure.
     */
    private boolean compiles(String sql) throws SQLException {
        connection.setAutoCommit(false);
        try {
            try (PreparedStatement timeout = connection.prepareStatement("SELECT set_config('lock_timeout', ?, true)")) {
                timeout.setString(1, options.lockTimeout().toMillis() + "ms"); // analysis locks the table
                timeout.execute();
            }
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                statement.getParameterMetaData();
                return true;
            } catch (SQLException e) {
                if (e.getSQLState() != null && e.getSQLState().startsWith("42")) {
                    return false;
                }
                throw e;
            }
        } finally {
            connection.rollback();
            connection.setAutoCommit(true);
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

    private void throttle(long filledThisRun, long began) {
        long pauseMillis = options.backfillDelay().toMillis();
        if (options.maxRowsPerSecond() > 0) {
            long earliestMillis = filledThisRun * 1000 / options.maxRowsPerSecond();
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
