package dev.slipway.schema;

import dev.slipway.schema.op.ColumnSnapshot;
import dev.slipway.schema.op.InvalidOperationException;
import dev.slipway.schema.op.MigrationContext;
import dev.slipway.schema.op.Operation;
import dev.slipway.schema.op.SchemaSnapshot;
import dev.slipway.schema.op.Sql;
import dev.slipway.schema.op.SyncRule;
import dev.slipway.schema.op.TableSnapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The expand/contract engine for one PostgreSQL schema (after pgroll). {@link #start} expands: runs each
 * operation's additive DDL, installs sync triggers, creates the versioned schema {@code <schema>_v<N>} and
 * backfills; the old version's binary keeps working throughout. {@link #complete} contracts, {@link #rollback}
 * undoes start. History and backfill positions live in the database ({@code slipway.migrations},
 * {@code slipway.backfills}), so any process can pick up where another stopped.
 */
public final class SchemaEngine {
    private static final Logger log = LoggerFactory.getLogger(SchemaEngine.class);
    /** SQLSTATEs worth retrying a DDL transaction for: lock_not_available (lock_timeout) and deadlock_detected. */
    private static final List<String> LOCK_STATES = List.of("55P03", "40P01");

    private final DataSource dataSource;
    private final String schema;
    private final SchemaOptions options;

    public SchemaEngine(DataSource dataSource, String schema, SchemaOptions options) {
        this.dataSource = dataSource;
        this.schema = schema;
        this.options = options;
    }

    public String schema() {
        return schema;
    }

    /** {@code public_v2}: the schema binary 2 puts first on its search_path ({@code currentSchema=public_v2}). */
    public String versionSchema(int version) {
        return schema + "_v" + version;
    }

    /** Creates the {@code slipway} schema and its tables if missing. Safe to call from many processes at once. */
    public void init() {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try (Statement statement = connection.createStatement()) {
                statement.execute("SELECT pg_advisory_xact_lock(hashtext('slipway:init'))");
                statement.execute("CREATE SCHEMA IF NOT EXISTS slipway");
                statement.execute("""
                        CREATE TABLE IF NOT EXISTS slipway.migrations (
                            id bigserial PRIMARY KEY,
                            schema_name text NOT NULL,
                            version integer NOT NULL,
                            name text NOT NULL,
                            file_name text NOT NULL,
                            description text NOT NULL DEFAULT '',
                            checksum text NOT NULL,
                            content text NOT NULL,
                            opaque boolean NOT NULL DEFAULT false,
                            state text NOT NULL CHECK (state IN ('started', 'completed', 'rolled_back', 'failed')),
                            phase text,
                            started_at timestamptz NOT NULL DEFAULT now(),
                            completed_at timestamptz,
                            duration_ms bigint,
                            applied_by text NOT NULL,
                            error text)""");
                // The database itself refuses a second migration in flight, even from a racing process.
                statement.execute("CREATE UNIQUE INDEX IF NOT EXISTS migrations_one_in_flight"
                        + " ON slipway.migrations (schema_name) WHERE state = 'started'");
                statement.execute("CREATE UNIQUE INDEX IF NOT EXISTS migrations_version_once"
                        + " ON slipway.migrations (schema_name, version) WHERE state IN ('started', 'completed')");
                statement.execute("""
                        CREATE TABLE IF NOT EXISTS slipway.backfills (
                            migration_id bigint NOT NULL REFERENCES slipway.migrations (id) ON DELETE CASCADE,
                            table_name text NOT NULL,
                            columns text[] NOT NULL,
                            start_xid bigint NOT NULL,
                            last_key text[],
                            done bigint NOT NULL DEFAULT 0,
                            total bigint,
                            finished boolean NOT NULL DEFAULT false,
                            updated_at timestamptz NOT NULL DEFAULT now(),
                            PRIMARY KEY (migration_id, table_name))""");
            }
            connection.commit();
        } catch (SQLException e) {
            throw new MigrationException("cannot create the slipway catalog: " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- status

    public SchemaStatus status() {
        init();
        try (Connection connection = dataSource.getConnection()) {
            return status(connection);
        } catch (SQLException e) {
            throw new MigrationException("cannot read migration history of schema " + schema + ": " + e.getMessage(), e);
        }
    }

    private SchemaStatus status(Connection connection) throws SQLException {
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
        Optional<InFlightRow> inFlight = findInFlight(connection);
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

    private record InFlightRow(long id, int version, String name, String phase, boolean opaque, String content,
                               String file) {
        Migration migration() {
            return MigrationFile.parse(file, content.getBytes(StandardCharsets.UTF_8));
        }
    }

    private Optional<InFlightRow> findInFlight(Connection connection) throws SQLException {
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

    private OptionalInt latestCompleted(Connection connection) throws SQLException {
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

    // ---------------------------------------------------------------- plan

    /** The SQL {@link #start} would run for this migration against the live schema; runs nothing. */
    public List<String> plan(Migration migration) {
        init();
        try (Connection connection = dataSource.getConnection()) {
            checkStartAllowed(connection, migration);
            SchemaSnapshot before = Catalog.read(connection, schema);
            SchemaSnapshot after = validate(migration, before);
            List<String> statements = new ArrayList<>();
            MigrationContext context = new MigrationContext(schema, migration.version(), new MigrationContext.StatementRunner() {
                @Override public void inTransaction(List<String> sql) { statements.addAll(sql); }
                @Override public void concurrently(String sql, String cleanup) { statements.add(sql); }
            });
            migration.operations().forEach(operation -> operation.start(context));
            if (migration.opaque()) {
                statements.add("-- then " + versionSchema(migration.version()) + " gets one view per table as the SQL left them");
                return List.copyOf(statements);
            }
            Map<String, List<SyncRule>> rules = syncRulesByTable(migration);
            for (Map.Entry<String, List<SyncRule>> entry : rules.entrySet()) {
                statements.addAll(SyncTriggers.create(schema, versionSchema(migration.version()), migration.version(),
                        entry.getKey(), physicalColumnsAfterStart(before, after, entry.getKey()), entry.getValue()));
            }
            statements.addAll(VersionViews.create(schema, versionSchema(migration.version()), after));
            for (Map.Entry<String, List<String>> entry : backfillColumns(migration).entrySet()) {
                statements.add("-- backfill " + entry.getKey() + " in batches of " + options.backfillBatchSize()
                        + " along its primary key: SET " + String.join(", ", entry.getValue()) + " through the sync trigger");
            }
            migration.operations().forEach(operation -> operation.afterBackfill(context));
            return List.copyOf(statements);
        } catch (SQLException e) {
            throw new MigrationException("cannot plan migration " + migration.file() + ": " + e.getMessage(), e);
        }
    }

    /** In a plan the catalog cannot be read after start: the columns are the old ones plus the new ones. */
    private static List<ColumnSnapshot> physicalColumnsAfterStart(SchemaSnapshot before, SchemaSnapshot after, String table) {
        Map<String, ColumnSnapshot> columns = new LinkedHashMap<>();
        before.table(table).ifPresent(snapshot -> snapshot.columns().forEach(column -> columns.put(column.physicalName(), column)));
        after.table(table).ifPresent(snapshot -> snapshot.columns().forEach(column -> columns.putIfAbsent(column.physicalName(), column)));
        return List.copyOf(columns.values());
    }

    // ---------------------------------------------------------------- start

    /**
     * Expands the schema for {@code migration}. On success the state holds the new version (and the previous
     * one, unless the migration is opaque). Any failure before the backfill undoes everything start did; an
     * interrupted backfill keeps its position and is finished by {@link #resume}.
     */
    public StartResult start(Migration migration, BackfillListener listener) {
        init();
        long began = System.nanoTime();
        try (Connection connection = dataSource.getConnection(); EngineLock lock = EngineLock.acquire(connection, schema)) {
            checkStartAllowed(connection, migration);
            OptionalInt previous = latestCompleted(connection);
            SchemaSnapshot before = Catalog.read(connection, schema);
            SchemaSnapshot after = validate(migration, before);
            long id = recordStarted(connection, migration);
            try {
                MigrationContext context = context(connection, migration.version());
                for (Operation operation : migration.operations()) {
                    operation.start(context);
                }
                installTriggersAndViews(connection, id, migration, after, previous);
            } catch (RuntimeException | SQLException e) {
                throw failAndUndo(connection, id, migration, previous, "start", e);
            }
            long rows = finishExpand(connection, id, migration, previous, listener);
            return new StartResult(migration.version(), migration.name(), status(connection).state(), rows,
                    Duration.ofNanos(System.nanoTime() - began));
        } catch (SQLException e) {
            throw new MigrationException("migration " + migration.file() + ": " + e.getMessage(), e);
        }
    }

    /** Finishes an interrupted start: continues the backfill from its saved position. */
    public StartResult resume(BackfillListener listener) {
        init();
        long began = System.nanoTime();
        try (Connection connection = dataSource.getConnection(); EngineLock lock = EngineLock.acquire(connection, schema)) {
            InFlightRow inFlight = findInFlight(connection).orElseThrow(() ->
                    new MigrationException("nothing to resume: no migration is in flight on schema " + schema));
            Migration migration = inFlight.migration();
            OptionalInt previous = latestCompleted(connection);
            long rows = 0;
            switch (inFlight.phase()) {
                case InFlight.EXPANDING -> {
                    // DDL was cut off part way; operations' start steps are not re-entrant, their rollbacks are.
                    throw failAndUndo(connection, inFlight.id(), migration, previous, "start",
                            new IllegalStateException("the process stopped while expanding"));
                }
                case InFlight.BACKFILLING -> rows = finishExpand(connection, inFlight.id(), migration, previous, listener);
                default -> log.info("migration {} is already expanded", migration.version());
            }
            return new StartResult(migration.version(), migration.name(), status(connection).state(), rows,
                    Duration.ofNanos(System.nanoTime() - began));
        } catch (SQLException e) {
            throw new MigrationException("cannot resume on schema " + schema + ": " + e.getMessage(), e);
        }
    }

    private void checkStartAllowed(Connection connection, Migration migration) throws SQLException {
        Optional<InFlightRow> inFlight = findInFlight(connection);
        if (inFlight.isPresent()) {
            InFlightRow row = inFlight.get();
            throw new MigrationException("refused: migration " + row.version() + " (" + row.name() + ") is in flight on schema "
                    + schema + " (phase " + row.phase() + "); complete or roll it back before starting migration "
                    + migration.version() + " (" + migration.name() + ")");
        }
        OptionalInt latest = latestCompleted(connection);
        if (latest.isPresent() && migration.version() <= latest.getAsInt()) {
            throw new MigrationException("refused: migration " + migration.file() + " has version " + migration.version()
                    + ", but schema " + schema + " is already at version " + latest.getAsInt()
                    + "; versions only move forward (write a new migration to change it again)");
        }
    }

    /** Validates every operation against the live layout, as reshaped by the operations before it. */
    private SchemaSnapshot validate(Migration migration, SchemaSnapshot before) {
        SchemaSnapshot layout = before.copy();
        for (Operation operation : migration.operations()) {
            try {
                operation.validate(layout);
                operation.reshape(layout);
            } catch (InvalidOperationException e) {
                throw new MigrationException("migration " + migration.file() + ": " + operation.describe() + ": " + e.getMessage(), e);
            }
        }
        for (Map.Entry<String, List<String>> entry : backfillColumns(migration).entrySet()) {
            boolean hasKey = before.table(entry.getKey()).map(table -> !table.primaryKey().isEmpty()).orElse(true);
            if (!hasKey) {
                throw new MigrationException("migration " + migration.file() + ": table " + entry.getKey()
                        + " has no primary key, which the backfill needs to walk it in batches");
            }
        }
        return layout;
    }

    private long recordStarted(Connection connection, Migration migration) throws SQLException {
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
            statement.setString(9, options.actor());
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

    /**
     * One transaction: lock the synced tables, take the transaction id the backfill compares xmin with, create
     * the triggers and the version schema, and record the backfill. See {@link Backfill} for why the lock comes
     * before the transaction id.
     */
    private void installTriggersAndViews(Connection connection, long id, Migration migration, SchemaSnapshot after,
                                         OptionalInt previous) throws SQLException {
        int version = migration.version();
        String versionSchema = versionSchema(version);
        Map<String, List<SyncRule>> rules = syncRulesByTable(migration);
        Map<String, List<String>> backfills = backfillColumns(migration);
        SchemaSnapshot physical = Catalog.read(connection, schema);
        SchemaSnapshot layout = migration.opaque() ? physical : after;
        withLockRetry("installing triggers and " + versionSchema, () -> inTransaction(connection, statement -> {
            if (!rules.isEmpty()) {
                statement.execute("LOCK TABLE " + String.join(", ", rules.keySet().stream()
                        .map(table -> Sql.qualified(schema, table)).toList()) + " IN SHARE ROW EXCLUSIVE MODE");
            }
            long startXid;
            try (ResultSet rows = statement.executeQuery("SELECT pg_current_xact_id()::text::bigint")) {
                rows.next();
                startXid = rows.getLong(1);
            }
            for (Map.Entry<String, List<SyncRule>> entry : rules.entrySet()) {
                List<ColumnSnapshot> columns = physical.requireTable(entry.getKey()).columns();
                for (String sql : SyncTriggers.create(schema, versionSchema, version, entry.getKey(), columns, entry.getValue())) {
                    statement.execute(sql);
                }
            }
            if (migration.opaque() && previous.isPresent()) {
                statement.execute(VersionViews.drop(versionSchema(previous.getAsInt())));
            }
            for (String sql : VersionViews.create(schema, versionSchema, layout)) {
                statement.execute(sql);
            }
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO slipway.backfills (migration_id, table_name, columns, start_xid) VALUES (?, ?, ?, ?)")) {
                for (Map.Entry<String, List<String>> entry : backfills.entrySet()) {
                    insert.setLong(1, id);
                    insert.setString(2, entry.getKey());
                    insert.setArray(3, connection.createArrayOf("text", entry.getValue().toArray()));
                    insert.setLong(4, startXid);
                    insert.executeUpdate();
                }
            }
            setPhase(connection, id, InFlight.BACKFILLING);
        }));
    }

    /** Backfills, runs the post-backfill steps (constraint validation) and marks the migration expanded. */
    private long finishExpand(Connection connection, long id, Migration migration, OptionalInt previous,
                              BackfillListener listener) throws SQLException {
        long rows = 0;
        try {
            Backfill backfill = new Backfill(connection, schema, options, listener);
            for (Backfill.Position position : Backfill.pending(connection, id)) {
                TableSnapshot table = Catalog.read(connection, schema).requireTable(position.table());
                rows += withLockRetryResult("backfilling " + position.table(), () -> backfill.run(position, table));
            }
        } catch (SQLException e) {
            if (isTransient(e)) {
                throw interrupted(migration, e);
            }
            // The up expressions fail on real rows: running again would fail the same way.
            throw failAndUndo(connection, id, migration, previous, "backfill", e);
        } catch (RuntimeException e) {
            throw interrupted(migration, e);
        }
        try {
            MigrationContext context = context(connection, migration.version());
            for (Operation operation : migration.operations()) {
                operation.afterBackfill(context);
            }
        } catch (RuntimeException e) {
            throw failAndUndo(connection, id, migration, previous, "validating constraints after the backfill", e);
        }
        connection.setAutoCommit(true);
        setPhase(connection, id, InFlight.EXPANDED);
        log.info("migration {} expanded on schema {}: {} rows backfilled", migration.version(), schema, rows);
        return rows;
    }

    private MigrationException interrupted(Migration migration, Exception cause) {
        return new MigrationException("migration " + migration.file() + ": backfill interrupted (" + cause.getMessage()
                + "); its position is saved: run resume to continue, or rollback to undo the migration", cause);
    }

    private static boolean isTransient(SQLException e) {
        String state = e.getSQLState();
        return state == null || state.startsWith("08") || state.startsWith("57") || LOCK_STATES.contains(state);
    }

    private MigrationException failAndUndo(Connection connection, long id, Migration migration, OptionalInt previous,
                                           String step, Exception cause) {
        String problem = cause instanceof DatabaseException database ? database.getCause().getMessage() : cause.getMessage();
        try {
            connection.setAutoCommit(true);
            undo(connection, migration, previous);
            try (PreparedStatement statement = connection.prepareStatement(
                    "UPDATE slipway.migrations SET state = 'failed', phase = NULL, completed_at = now(),"
                            + " duration_ms = (extract(epoch FROM now() - started_at) * 1000)::bigint, error = ? WHERE id = ?")) {
                statement.setString(1, step + ": " + problem);
                statement.setLong(2, id);
                statement.executeUpdate();
            }
            return new MigrationException("migration " + migration.file() + ": " + step + " failed and was undone: " + problem, cause);
        } catch (SQLException | RuntimeException undoFailure) {
            cause.addSuppressed(undoFailure);
            return new MigrationException("migration " + migration.file() + ": " + step + " failed (" + problem
                    + ") and undoing it failed too (" + undoFailure.getMessage() + "); the migration stays in flight:"
                    + " run rollback again", cause);
        }
    }

    // ---------------------------------------------------------------- complete / rollback

    /** Contracts the in-flight migration: the old version's views, the triggers and the old columns go. */
    public void complete() {
        init();
        try (Connection connection = dataSource.getConnection(); EngineLock lock = EngineLock.acquire(connection, schema)) {
            InFlightRow inFlight = findInFlight(connection).orElseThrow(() ->
                    new MigrationException("nothing to complete: no migration is in flight on schema " + schema));
            if (!inFlight.phase().equals(InFlight.EXPANDED)) {
                throw new MigrationException("refused: migration " + inFlight.version() + " (" + inFlight.name()
                        + ") is still " + inFlight.phase() + "; run resume first (or rollback)");
            }
            Migration migration = inFlight.migration();
            OptionalInt previous = latestCompleted(connection);
            // The old views, the sync triggers and the old representation go in ONE transaction: dropped
            // triggers with the old NOT NULL columns still there would fail the new binary's inserts, and old
            // columns dropped under live triggers would fail them too. Writers see the switch atomically.
            List<String> contract = new ArrayList<>();
            if (previous.isPresent()) {
                contract.add(VersionViews.drop(versionSchema(previous.getAsInt())));
            }
            syncRulesByTable(migration).keySet().forEach(table ->
                    contract.add(SyncTriggers.drop(schema, migration.version(), table)));
            List<String[]> concurrentSteps = new ArrayList<>();
            MigrationContext collecting = new MigrationContext(schema, migration.version(),
                    new MigrationContext.StatementRunner() {
                        @Override
                        public void inTransaction(List<String> statements) {
                            contract.addAll(statements);
                        }

                        @Override
                        public void concurrently(String statement, String cleanupOnFailure) {
                            concurrentSteps.add(new String[] {statement, cleanupOnFailure});
                        }
                    });
            for (Operation operation : migration.operations()) {
                operation.complete(collecting);
            }
            if (!contract.isEmpty()) {
                executeDdl(connection, contract);
            }
            for (String[] step : concurrentSteps) {
                executeConcurrently(connection, step[0], step[1]);
            }
            finish(connection, inFlight.id(), AppliedMigration.COMPLETED);
            log.info("migration {} completed on schema {}", migration.version(), schema);
        } catch (SQLException | DatabaseException e) {
            throw new MigrationException("complete failed on schema " + schema + " (it is safe to run complete again): "
                    + e.getMessage(), e);
        }
    }

    /** Undoes the in-flight migration's start: the previous version is the only one left, its data intact. */
    public void rollback() {
        init();
        try (Connection connection = dataSource.getConnection(); EngineLock lock = EngineLock.acquire(connection, schema)) {
            InFlightRow inFlight = findInFlight(connection).orElseThrow(() ->
                    new MigrationException("nothing to roll back: no migration is in flight on schema " + schema));
            Migration migration = inFlight.migration();
            undo(connection, migration, latestCompleted(connection));
            finish(connection, inFlight.id(), AppliedMigration.ROLLED_BACK);
            log.info("migration {} rolled back on schema {}", migration.version(), schema);
        } catch (SQLException | DatabaseException e) {
            throw new MigrationException("rollback failed on schema " + schema + " (it is safe to run rollback again): "
                    + e.getMessage(), e);
        }
    }

    /** Every step is idempotent, so an undo cut short is finished by running it again. */
    private void undo(Connection connection, Migration migration, OptionalInt previous) throws SQLException {
        executeDdl(connection, List.of(VersionViews.drop(versionSchema(migration.version()))));
        dropTriggers(connection, migration);
        MigrationContext context = context(connection, migration.version());
        List<Operation> operations = new ArrayList<>(migration.operations());
        Collections.reverse(operations);
        for (Operation operation : operations) {
            operation.rollback(context);
        }
        if (migration.opaque() && previous.isPresent()) {
            // The opaque start dropped the previous version's views; after its down SQL the tables are as they were.
            SchemaSnapshot physical = Catalog.read(connection, schema);
            executeDdl(connection, VersionViews.create(schema, versionSchema(previous.getAsInt()), physical));
        }
    }

    private void dropTriggers(Connection connection, Migration migration) throws SQLException {
        List<String> statements = syncRulesByTable(migration).keySet().stream()
                .map(table -> SyncTriggers.drop(schema, migration.version(), table)).toList();
        if (!statements.isEmpty()) {
            executeDdl(connection, statements);
        }
    }

    private void finish(Connection connection, long id, String state) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "UPDATE slipway.migrations SET state = ?, phase = NULL, completed_at = now(),"
                        + " duration_ms = (extract(epoch FROM now() - started_at) * 1000)::bigint WHERE id = ?")) {
            statement.setString(1, state);
            statement.setLong(2, id);
            statement.executeUpdate();
        }
    }

    private void setPhase(Connection connection, long id, String phase) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("UPDATE slipway.migrations SET phase = ? WHERE id = ?")) {
            statement.setString(1, phase);
            statement.setLong(2, id);
            statement.executeUpdate();
        }
    }

    // ---------------------------------------------------------------- sync rules

    private static Map<String, List<SyncRule>> syncRulesByTable(Migration migration) {
        Map<String, List<SyncRule>> rules = new LinkedHashMap<>();
        for (Operation operation : migration.operations()) {
            for (SyncRule rule : operation.syncRules()) {
                rules.computeIfAbsent(rule.table(), table -> new ArrayList<>()).add(rule);
            }
        }
        return rules;
    }

    /** The tables whose existing rows need the {@code up} rules applied, with the columns those rules fill. */
    private static Map<String, List<String>> backfillColumns(Migration migration) {
        Map<String, List<String>> columns = new LinkedHashMap<>();
        for (Operation operation : migration.operations()) {
            for (SyncRule rule : operation.syncRules()) {
                if (rule.direction() == SyncRule.Direction.UP) {
                    columns.computeIfAbsent(rule.table(), table -> new ArrayList<>()).add(rule.column());
                }
            }
        }
        return columns;
    }

    // ---------------------------------------------------------------- DDL under lock_timeout

    private MigrationContext context(Connection connection, int version) {
        return new MigrationContext(schema, version, new MigrationContext.StatementRunner() {
            @Override
            public void inTransaction(List<String> statements) {
                try {
                    executeDdl(connection, statements);
                } catch (SQLException e) {
                    throw new DatabaseException(e);
                }
            }

            @Override
            public void concurrently(String statement, String cleanupOnFailure) {
                try {
                    executeConcurrently(connection, statement, cleanupOnFailure);
                } catch (SQLException e) {
                    throw new DatabaseException(e);
                }
            }
        });
    }

    private void executeDdl(Connection connection, List<String> statements) throws SQLException {
        withLockRetry(statements.get(0), () -> inTransaction(connection, statement -> {
            for (String sql : statements) {
                log.debug("{}", sql);
                statement.execute(sql);
            }
        }));
    }

    /** CONCURRENTLY cannot run in a transaction; a failed build leaves an INVALID index that cleanup drops. */
    private void executeConcurrently(Connection connection, String sql, String cleanupOnFailure) throws SQLException {
        withLockRetry(sql, () -> {
            connection.setAutoCommit(true);
            try (Statement statement = connection.createStatement()) {
                statement.execute("SET lock_timeout = '" + options.lockTimeout().toMillis() + "ms'");
                try {
                    log.debug("{}", sql);
                    statement.execute(sql);
                } catch (SQLException e) {
                    if (cleanupOnFailure != null) {
                        statement.execute(cleanupOnFailure);
                    }
                    throw e;
                } finally {
                    statement.execute("RESET lock_timeout");
                }
            }
        });
    }

    private interface SqlWork {
        void run(Statement statement) throws SQLException;
    }

    private interface SqlAction {
        void run() throws SQLException;
    }

    private interface SqlResult<T> {
        T get() throws SQLException;
    }

    private void inTransaction(Connection connection, SqlWork work) throws SQLException {
        connection.setAutoCommit(false);
        try (Statement statement = connection.createStatement()) {
            statement.execute("SET LOCAL lock_timeout = '" + options.lockTimeout().toMillis() + "ms'");
            work.run(statement);
            connection.commit();
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(true);
        }
    }

    private void withLockRetry(String what, SqlAction action) throws SQLException {
        withLockRetryResult(what, () -> {
            action.run();
            return null;
        });
    }

    /** Retries on lock timeout with exponential backoff and full jitter, within {@code lockRetryBudget} in total. */
    private <T> T withLockRetryResult(String what, SqlResult<T> action) throws SQLException {
        long deadline = System.nanoTime() + options.lockRetryBudget().toNanos();
        long backoffMillis = 50;
        for (int attempt = 1; ; attempt++) {
            try {
                return action.get();
            } catch (SQLException e) {
                SQLException cause = e;
                if (!LOCK_STATES.contains(cause.getSQLState())) {
                    throw e;
                }
                long pause = backoffMillis / 2 + ThreadLocalRandom.current().nextLong(backoffMillis / 2 + 1);
                if (System.nanoTime() + pause * 1_000_000 > deadline) {
                    throw new SQLException("gave up after " + attempt + " attempts within "
                            + options.lockRetryBudget().toMillis() + " ms waiting for locks (" + what + "): "
                            + cause.getMessage(), cause.getSQLState(), cause);
                }
                log.info("lock not available ({}), attempt {}: retrying in {} ms", what, attempt, pause);
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
    private record EngineLock(Connection connection, String schema) implements AutoCloseable {
        static EngineLock acquire(Connection connection, String schema) throws SQLException {
            try (PreparedStatement statement = connection.prepareStatement("SELECT pg_try_advisory_lock(hashtext(?))")) {
                statement.setString(1, "slipway:" + schema);
                try (ResultSet rows = statement.executeQuery()) {
                    rows.next();
                    if (!rows.getBoolean(1)) {
                        throw new MigrationException("refused: another slipway command is running on schema " + schema);
                    }
                }
            }
            return new EngineLock(connection, schema);
        }

        @Override
        public void close() throws SQLException {
            if (connection.isClosed()) return;
            connection.setAutoCommit(true);
            try (PreparedStatement statement = connection.prepareStatement("SELECT pg_advisory_unlock(hashtext(?))")) {
                statement.setString(1, "slipway:" + schema);
                statement.execute();
            }
        }
    }
}
