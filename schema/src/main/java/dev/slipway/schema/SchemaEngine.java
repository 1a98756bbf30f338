package dev.slipway.schema;

import dev.slipway.schema.op.ColumnSnapshot;
import dev.slipway.schema.op.InvalidOperationException;
import dev.slipway.schema.op.MigrationContext;
import dev.slipway.schema.op.Operation;
import dev.slipway.schema.op.RenameColumn;
import dev.slipway.schema.op.RenameTable;
import dev.slipway.schema.op.SchemaSnapshot;
import dev.slipway.schema.op.Sql;
import dev.slipway.schema.op.SyncRule;
import dev.slipway.schema.op.TableSnapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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
    /** Where a version's views wait while its backfill runs; renamed to {@link #versionSchema} when expanded. */
    private String pendingSchema(int version) {
        return versionSchema(version) + "_pending";
    }

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
                statement.execute("CREATE TABLE IF NOT EXISTS slipway.repairs ("
                        + " id bigserial PRIMARY KEY, schema_name text NOT NULL, version integer NOT NULL,"
                        + " previous_checksum text, checksum text, removed_failed integer NOT NULL,"
                        + " repaired_by text NOT NULL, reason text NOT NULL, repaired_at timestamptz NOT NULL DEFAULT now())");
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
            checkExpressions(connection, migration, before, after);
            List<String> statements = new ArrayList<>();
            MigrationContext.StatementRunner recorder = new MigrationContext.StatementRunner() {
                @Override public void inTransaction(List<String> sql) { statements.addAll(sql); }
                @Override public void concurrently(String sql, String cleanup) { statements.add(sql); }
            };
            List<SchemaSnapshot> layouts = layoutsBeforeEachOperation(migration, before);
            for (int i = 0; i < migration.operations().size(); i++) {
                migration.operations().get(i).start(new MigrationContext(schema, migration.version(), recorder, layouts.get(i)));
            }
            MigrationContext context = new MigrationContext(schema, migration.version(), recorder);
            if (migration.opaque()) {
                statements.add("-- then " + versionSchema(migration.version()) + " gets one view per table as the SQL left them");
                latestCompleted(connection).ifPresent(previous -> statements.add("-- and " + versionSchema(previous)
                        + " the same views, for binaries still connected to it, until the next migration completes"));
                return List.copyOf(statements);
            }
            Map<String, List<SyncRule>> rules = syncRulesByTable(migration);
            Map<String, List<ColumnSnapshot>> oldNames = oldNames(before, migration);
            for (Map.Entry<String, List<SyncRule>> entry : rules.entrySet()) {
                statements.addAll(SyncTriggers.create(schema, versionSchema(migration.version()), migration.version(),
                        entry.getKey(), physicalColumnsAfterStart(before, after, entry.getKey()), entry.getValue(),
                        oldNames.getOrDefault(entry.getKey(), List.of()), newNames(after, entry.getKey())));
            }
            statements.addAll(VersionViews.create(schema, versionSchema(migration.version()), after));
            for (Map.Entry<String, List<String>> entry : backfillColumns(migration).entrySet()) {
                statements.add("-- backfill " + entry.getKey() + " in batches of " + options.backfillBatchSize()
                        + " along its primary key: SET " + String.join(", ", entry.getValue()) + " from their up expressions");
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
            checkExpressions(connection, migration, before, after);
            List<SchemaSnapshot> layouts = layoutsBeforeEachOperation(migration, before);
            long id = recordStarted(connection, migration);
            try {
                for (int i = 0; i < migration.operations().size(); i++) {
                    migration.operations().get(i).start(context(connection, migration.version(), layouts.get(i)));
                }
                installTriggersAndViews(connection, id, migration, before, after, previous);
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
        Optional<AppliedRow> applied = applied(connection, migration.version());
        if (applied.isPresent() && !applied.get().baseline() && !applied.get().checksum().equals(migration.checksum())) {
            throw new MigrationException("refused: " + changedMessage(migration.file(), applied.get(), migration.checksum()));
        }
        OptionalInt latest = latestCompleted(connection);
        if (latest.isPresent() && migration.version() <= latest.getAsInt()) {
            throw new MigrationException("refused: migration " + migration.file() + " has version " + migration.version()
                    + ", but schema " + schema + " is already at version " + latest.getAsInt()
                    + "; versions only move forward (write a new migration to change it again)");
        }
    }

    /** A completed (or in-flight) migration as history records it. */
    private record AppliedRow(long id, int version, String name, String file, String checksum, String state,
                              Timestamp startedAt) {
        boolean baseline() {
            return BASELINE_CHECKSUM.equals(checksum);
        }
    }

    private Optional<AppliedRow> applied(Connection connection, int version) throws SQLException {
        return appliedRows(connection).stream().filter(row -> row.version() == version).findFirst();
    }

    private List<AppliedRow> appliedRows(Connection connection) throws SQLException {
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

    private static String changedMessage(String file, AppliedRow applied, String checksum) {
        return "migration " + file + " was changed after version " + applied.version() + " was "
                + (applied.state().equals(AppliedMigration.STARTED) ? "started" : "applied") + " on "
                + applied.startedAt().toInstant() + " (recorded checksum " + applied.checksum().substring(0, 12)
                + ", file now " + checksum.substring(0, 12) + "); put the applied content back, or record the new"
                + " content with repair if the change is intended";
    }

    // ---------------------------------------------------------------- validate / baseline / repair

    /** The checksum recorded for a baseline: there is no file behind it. */
    static final String BASELINE_CHECKSUM = "baseline";

    /**
     * Checks a migrations directory against the history without changing anything: files that do not parse, two
     * files with one version, applied migrations whose file changed since (checksum) or is gone, pending files
     * below the applied version (they would never run), and whether the next pending migration fits the live
     * schema (operations and their {@code up}/{@code down} expressions). Empty when all is well.
     */
    public List<ValidationProblem> validate(Path migrationsDirectory) {
        init();
        List<ValidationProblem> problems = new ArrayList<>();
        MigrationDirectory directory = MigrationDirectory.read(migrationsDirectory);
        problems.addAll(directory.problems());
        try (Connection connection = dataSource.getConnection()) {
            List<AppliedRow> appliedRows = appliedRows(connection);
            Map<Integer, Migration> files = directory.byVersion();
            int baseline = appliedRows.stream().filter(AppliedRow::baseline).mapToInt(AppliedRow::version).max().orElse(0);
            for (AppliedRow applied : appliedRows) {
                if (applied.baseline()) continue;
                Migration file = files.get(applied.version());
                if (file == null) {
                    problems.add(new ValidationProblem(applied.file(), applied.version(), ValidationProblem.Kind.MISSING_FILE,
                            "migration " + applied.version() + " (" + applied.name() + ") is " + applied.state()
                                    + " but has no file in " + migrationsDirectory));
                } else if (!file.checksum().equals(applied.checksum())) {
                    problems.add(new ValidationProblem(file.file(), file.version(), ValidationProblem.Kind.CHANGED,
                            changedMessage(file.file(), applied, file.checksum())));
                }
            }
            OptionalInt latest = latestCompleted(connection);
            List<Migration> pending = new ArrayList<>();
            for (Migration file : files.values()) {
                boolean isApplied = appliedRows.stream().anyMatch(row -> row.version() == file.version());
                if (isApplied || file.version() <= baseline) continue;
                if (latest.isPresent() && file.version() < latest.getAsInt()) {
                    problems.add(new ValidationProblem(file.file(), file.version(), ValidationProblem.Kind.IGNORED,
                            "migration " + file.file() + " has version " + file.version() + ", below the applied version "
                                    + latest.getAsInt() + ": it will never run; give it a higher version"));
                } else {
                    pending.add(file);
                }
            }
            if (!pending.isEmpty() && findInFlight(connection).isEmpty()) {
                Migration next = pending.get(0);
                try {
                    SchemaSnapshot before = Catalog.read(connection, schema);
                    SchemaSnapshot after = validate(next, before);
                    checkExpressions(connection, next, before, after);
                } catch (MigrationException e) {
                    problems.add(new ValidationProblem(next.file(), next.version(), ValidationProblem.Kind.INVALID, e.getMessage()));
                }
            }
        } catch (SQLException e) {
            throw new MigrationException("cannot validate " + migrationsDirectory + " against schema " + schema + ": "
                    + e.getMessage(), e);
        }
        return List.copyOf(problems);
    }

    /**
     * Adopts a database Slipway has never migrated: records {@code version} as completed (checksum
     * {@code baseline}, no file) and creates {@code <schema>_v<version>} with one view per live table, so binaries
     * of that version can connect and the next migration starts from there.
     */
    public SchemaStatus baseline(int version, String description) {
        if (version < 1) throw new IllegalArgumentException("a baseline version is at least 1");
        init();
        try (Connection connection = dataSource.getConnection(); EngineLock lock = EngineLock.acquire(connection, schema)) {
            List<AppliedRow> history = appliedRows(connection);
            if (!history.isEmpty()) {
                throw new MigrationException("refused: schema " + schema + " already has migration history (version "
                        + history.get(history.size() - 1).version() + "); baseline only adopts a database Slipway has"
                        + " never migrated");
            }
            String versionSchema = versionSchema(version);
            try (PreparedStatement statement = connection.prepareStatement("SELECT 1 FROM pg_namespace WHERE nspname = ?")) {
                statement.setString(1, versionSchema);
                try (ResultSet rows = statement.executeQuery()) {
                    if (rows.next()) {
                        throw new MigrationException("refused: schema " + versionSchema + " already exists; drop it or"
                                + " choose another baseline version");
                    }
                }
            }
            SchemaSnapshot live = Catalog.read(connection, schema);
            withLockRetry("creating " + versionSchema, () -> inTransaction(connection, statement -> {
                for (String sql : VersionViews.create(schema, versionSchema, live)) {
                    statement.execute(sql);
                }
                try (PreparedStatement insert = connection.prepareStatement(
                        "INSERT INTO slipway.migrations (schema_name, version, name, file_name, description, checksum,"
                                + " content, state, completed_at, duration_ms, applied_by)"
                                + " VALUES (?, ?, 'baseline', '', ?, ?, '', 'completed', now(), 0, ?)")) {
                    insert.setString(1, schema);
                    insert.setInt(2, version);
                    insert.setString(3, description == null ? "" : description);
                    insert.setString(4, BASELINE_CHECKSUM);
                    insert.setString(5, options.actor());
                    insert.executeUpdate();
                }
            }));
            log.info("schema {} baselined at version {} ({} tables)", schema, version, live.tables().size());
            return status(connection);
        } catch (SQLException e) {
            throw new MigrationException("baseline failed on schema " + schema + ": " + e.getMessage(), e);
        }
    }

    /**
     * Records an applied migration's current file as what was applied (its checksum and content) and removes the
     * {@code failed} attempts of that version from the history. Written to {@code slipway.repairs} with who and
     * {@code reason}. Nothing in the schema changes: use it when the edit did not change what the migration does
     * (a comment, formatting) or when the database was fixed by hand to match.
     */
    public RepairResult repair(Migration migration, String reason) {
        if (reason == null || reason.isBlank()) {
            throw new MigrationException("refused: repair needs a reason; it is recorded in the history");
        }
        init();
        try (Connection connection = dataSource.getConnection(); EngineLock lock = EngineLock.acquire(connection, schema)) {
            Optional<AppliedRow> applied = applied(connection, migration.version());
            if (applied.isPresent() && applied.get().state().equals(AppliedMigration.STARTED)) {
                throw new MigrationException("refused: migration " + migration.version() + " is in flight; complete or"
                        + " roll it back instead of repairing it");
            }
            if (applied.isPresent() && applied.get().baseline()) {
                throw new MigrationException("refused: version " + migration.version() + " is the baseline; it has no file");
            }
            RepairResult[] result = new RepairResult[1];
            inTransaction(connection, statement -> {
                int removed;
                try (PreparedStatement delete = connection.prepareStatement(
                        "DELETE FROM slipway.migrations WHERE schema_name = ? AND version = ? AND state = 'failed'")) {
                    delete.setString(1, schema);
                    delete.setInt(2, migration.version());
                    removed = delete.executeUpdate();
                }
                if (applied.isPresent()) {
                    try (PreparedStatement update = connection.prepareStatement(
                            "UPDATE slipway.migrations SET checksum = ?, content = ?, file_name = ?, name = ?, description = ?"
                                    + " WHERE id = ?")) {
                        update.setString(1, migration.checksum());
                        update.setString(2, migration.content());
                        update.setString(3, migration.file());
                        update.setString(4, migration.name());
                        update.setString(5, migration.description());
                        update.setLong(6, applied.get().id());
                        update.executeUpdate();
                    }
                } else if (removed == 0) {
                    throw new MigrationException("nothing to repair: version " + migration.version()
                            + " was never applied on schema " + schema + " and has no failed attempts");
                }
                Optional<String> previous = applied.map(AppliedRow::checksum);
                try (PreparedStatement audit = connection.prepareStatement(
                        "INSERT INTO slipway.repairs (schema_name, version, previous_checksum, checksum, removed_failed,"
                                + " repaired_by, reason) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                    audit.setString(1, schema);
                    audit.setInt(2, migration.version());
                    audit.setString(3, previous.orElse(null));
                    audit.setString(4, applied.isPresent() ? migration.checksum() : null);
                    audit.setInt(5, removed);
                    audit.setString(6, options.actor());
                    audit.setString(7, reason);
                    audit.executeUpdate();
                }
                result[0] = new RepairResult(migration.version(), previous,
                        applied.isPresent() ? Optional.of(migration.checksum()) : Optional.empty(), removed);
            });
            log.info("repaired migration {} on schema {}: {}", migration.version(), schema, reason);
            return result[0];
        } catch (SQLException e) {
            throw new MigrationException("repair failed on schema " + schema + ": " + e.getMessage(), e);
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

    /** The layout each operation sees at start: the live one, reshaped by the operations before it. */
    private static List<SchemaSnapshot> layoutsBeforeEachOperation(Migration migration, SchemaSnapshot before) {
        List<SchemaSnapshot> layouts = new ArrayList<>();
        SchemaSnapshot layout = before.copy();
        for (Operation operation : migration.operations()) {
            layouts.add(layout.copy());
            operation.reshape(layout);
        }
        return layouts;
    }

    /**
     * Per table (by its name after start), the old version's names of the columns this migration renames at
     * start, bound to their physical names: {@code up} expressions keep reading the row as the old version does.
     */
    static Map<String, List<ColumnSnapshot>> oldNames(SchemaSnapshot before, Migration migration) {
        Map<String, Map<String, ColumnSnapshot>> tracked = new LinkedHashMap<>();
        for (TableSnapshot table : before.tables()) {
            Map<String, ColumnSnapshot> columns = new LinkedHashMap<>();
            table.columns().forEach(column -> columns.put(column.physicalName(), column));
            tracked.put(table.name(), columns);
        }
        for (Operation operation : migration.operations()) {
            if (operation instanceof RenameTable rename && tracked.containsKey(rename.from())) {
                tracked.put(rename.to(), tracked.remove(rename.from()));
            } else if (operation instanceof RenameColumn rename && tracked.containsKey(rename.table())) {
                Map<String, ColumnSnapshot> columns = tracked.get(rename.table());
                ColumnSnapshot original = columns.remove(rename.from());
                if (original != null) columns.put(rename.to(), original);
            }
        }
        Map<String, List<ColumnSnapshot>> aliases = new LinkedHashMap<>();
        tracked.forEach((table, columns) -> columns.forEach((physical, original) -> {
            // A column that now physically carries the old name (added again) wins over the alias.
            if (!physical.equals(original.name()) && !columns.containsKey(original.name())) {
                aliases.computeIfAbsent(table, key -> new ArrayList<>()).add(
                        new ColumnSnapshot(original.name(), physical, original.type(), original.nullable(), original.defaultValue()));
            }
        }));
        return aliases;
    }

    /** The new version's names of columns backed by another physical column (alter_column's duplicates). */
    static List<ColumnSnapshot> newNames(SchemaSnapshot after, String table) {
        return after.table(table).map(snapshot -> snapshot.columns().stream()
                .filter(column -> !column.name().equals(column.physicalName())).toList()).orElse(List.of());
    }

    /**
     * Compiles every {@code up}/{@code down} expression before anything changes: {@code PREPARE} parses and
     * type-checks {@code CAST((expression) AS column type)} over a row with the columns the sync trigger gives the
     * expression (the old version's names for {@code up}, the new version's for {@code down}), without planning or
     * running it. A missing column, an unknown function or an impossible cast is reported with its operation.
     */
    private void checkExpressions(Connection connection, Migration migration, SchemaSnapshot before, SchemaSnapshot after)
            throws SQLException {
        if (migration.opaque()) return;
        Map<String, List<ColumnSnapshot>> oldNames = oldNames(before, migration);
        for (Operation operation : migration.operations()) {
            for (SyncRule rule : operation.syncRules()) {
                Map<String, String> scope = new LinkedHashMap<>();
                List<ColumnSnapshot> physical = physicalColumnsAfterStart(before, after, rule.table());
                physical.forEach(column -> scope.put(column.physicalName(), column.type()));
                List<ColumnSnapshot> aliases = rule.direction() == SyncRule.Direction.UP
                        ? oldNames.getOrDefault(rule.table(), List.of()) : newNames(after, rule.table());
                aliases.forEach(column -> scope.put(column.name(), column.type()));
                String target = physical.stream().filter(column -> column.physicalName().equals(rule.column()))
                        .map(ColumnSnapshot::type).findFirst().orElse(null);
                if (target == null) continue;
                String row = scope.entrySet().stream()
                        .map(entry -> "NULL::" + SyncTriggers.variableType(entry.getValue()) + " AS " + Sql.ident(entry.getKey()))
                        .collect(java.util.stream.Collectors.joining(", "));
                String sql = "PREPARE slipway_expression_check AS SELECT CAST((" + rule.expression() + ") AS "
                        + SyncTriggers.variableType(target) + ") FROM (SELECT " + row + ") AS slipway_row";
                connection.setAutoCommit(false);
                try (Statement statement = connection.createStatement()) {
                    statement.execute(sql);
                    statement.execute("DEALLOCATE slipway_expression_check");
                } catch (SQLException e) {
                    String problem = e instanceof org.postgresql.util.PSQLException server && server.getServerErrorMessage() != null
                            ? server.getServerErrorMessage().getMessage() : e.getMessage();
                    throw new MigrationException("migration " + migration.file() + ": " + operation.describe() + ": "
                            + (rule.direction() == SyncRule.Direction.UP ? "up" : "down") + " expression \""
                            + rule.expression() + "\" (as " + target + "): " + problem, e);
                } finally {
                    connection.rollback();
                    connection.setAutoCommit(true);
                }
            }
        }
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
    private void installTriggersAndViews(Connection connection, long id, Migration migration, SchemaSnapshot before,
                                         SchemaSnapshot after, OptionalInt previous) throws SQLException {
        Map<String, List<ColumnSnapshot>> oldNames = oldNames(before, migration);
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
                for (String sql : SyncTriggers.create(schema, versionSchema, version, entry.getKey(), columns, entry.getValue(),
                        oldNames.getOrDefault(entry.getKey(), List.of()), newNames(after, entry.getKey()))) {
                    statement.execute(sql);
                }
            }
            if (migration.opaque() && previous.isPresent()) {
                // The previous version's schema becomes an alias of the new one (see VersionViews.alias): a binary
                // connected to it reads the new version too (the guard allowed the opaque step only then) and
                // keeps working without reconnecting. Same transaction: it never finds the schema missing.
                for (String sql : VersionViews.alias(schema, versionSchema(previous.getAsInt()), layout)) {
                    statement.execute(sql);
                }
            }
            // Until the backfill is done the new version's views wait under a pending name: a new-version writer
            // touching a row the backfill has not reached would compute the old columns from empty new ones.
            // The rename to the real name in finishExpand is atomic, and views follow their tables by OID.
            String viewsName = migration.opaque() ? versionSchema : pendingSchema(version);
            for (String sql : VersionViews.create(schema, viewsName, layout)) {
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
            Map<String, List<SyncRule>> upRules = upRulesByTable(migration);
            boolean renamesColumns = migration.operations().stream().anyMatch(operation -> operation instanceof RenameColumn);
            for (Backfill.Position pending : Backfill.pending(connection, id)) {
                TableSnapshot table = Catalog.read(connection, schema).requireTable(pending.table());
                Backfill.Fill fill = Backfill.Fill.of(upRules.getOrDefault(pending.table(), List.of()), renamesColumns);
                // A retry continues from the position the committed batches saved, not from where this run began.
                rows += withLockRetryResult("backfilling " + pending.table(), () -> {
                    Optional<Backfill.Position> position = Backfill.pending(connection, id).stream()
                            .filter(candidate -> candidate.table().equals(pending.table())).findFirst();
                    return position.isPresent() ? backfill.run(position.get(), table, fill) : 0L;
                });
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
        if (!migration.opaque()) {
            String pending = pendingSchema(migration.version());
            String versionSchema = versionSchema(migration.version());
            executeDdl(connection, List.of("DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = '"
                    + pending + "') THEN EXECUTE 'ALTER SCHEMA " + Sql.ident(pending).replace("'", "''")
                    + " RENAME TO " + Sql.ident(versionSchema).replace("'", "''") + "'; END IF; END $$"));
        }
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
            // The old views, the sync triggers and the old representation go in ONE transaction: dropped
            // triggers with the old NOT NULL columns still there would fail the new binary's inserts, and old
            // columns dropped under live triggers would fail them too. Writers see the switch atomically.
            List<String> contract = new ArrayList<>();
            for (int retired : retiredVersions(connection, migration)) {
                contract.add(VersionViews.drop(versionSchema(retired)));
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
        List<String> dropViews = new ArrayList<>(List.of(VersionViews.drop(versionSchema(migration.version())),
                VersionViews.drop(pendingSchema(migration.version()))));
        if (migration.opaque() && previous.isPresent()) {
            // Its alias of the new layout would pin the columns the down SQL may drop; rebuilt below.
            dropViews.add(VersionViews.drop(versionSchema(previous.getAsInt())));
        }
        executeDdl(connection, dropViews);
        dropTriggers(connection, migration);
        MigrationContext context = context(connection, migration.version());
        List<Operation> operations = new ArrayList<>(migration.operations());
        Collections.reverse(operations);
        try {
            for (Operation operation : operations) {
                operation.rollback(context);
            }
        } finally {
            if (migration.opaque() && previous.isPresent()) {
                // After the down SQL the tables are as they were before the opaque start, and so are the previous
                // version's views. Should the down SQL be missing or fail, they show the tables as they are.
                SchemaSnapshot physical = Catalog.read(connection, schema);
                executeDdl(connection, VersionViews.create(schema, versionSchema(previous.getAsInt()), physical));
            }
        }
    }

    /**
     * The versions whose schemas {@code complete} drops: the previous version, unless the completing migration is
     * opaque (then that schema is its alias, kept for the binaries connected to it); and the alias an opaque
     * previous migration kept (the version before it), whose binaries the guard has retired by now since the state
     * no longer holds the layout it shows. So an alias lives until the migration after its opaque one completes.
     */
    private List<Integer> retiredVersions(Connection connection, Migration completing) throws SQLException {
        List<Integer> versions = new ArrayList<>();
        List<Boolean> opaque = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement("SELECT version, opaque FROM slipway.migrations"
                + " WHERE schema_name = ? AND state = 'completed' ORDER BY version DESC LIMIT 2")) {
            statement.setString(1, schema);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    versions.add(rows.getInt(1));
                    opaque.add(rows.getBoolean(2));
                }
            }
        }
        List<Integer> retired = new ArrayList<>();
        if (!versions.isEmpty() && !completing.opaque()) retired.add(versions.get(0));
        if (versions.size() == 2 && opaque.get(0)) retired.add(versions.get(1));
        return retired;
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

    private static Map<String, List<SyncRule>> upRulesByTable(Migration migration) {
        Map<String, List<SyncRule>> rules = new LinkedHashMap<>();
        syncRulesByTable(migration).forEach((table, tableRules) -> rules.put(table, tableRules.stream()
                .filter(rule -> rule.direction() == SyncRule.Direction.UP).toList()));
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
        return context(connection, version, null);
    }

    private MigrationContext context(Connection connection, int version, SchemaSnapshot layout) {
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
        }, layout);
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
