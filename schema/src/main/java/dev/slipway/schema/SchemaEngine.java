package dev.slipway.schema;

import javax.sql.DataSource;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * The expand/contract engine for one PostgreSQL schema (after pgroll). {@link #start} expands: runs each
 * operation's additive DDL, installs sync triggers, creates the versioned schema {@code <schema>_v<N>} and
 * backfills; the old version's binary keeps working throughout. {@link #complete} contracts, {@link #rollback}
 * undoes start. History and backfill positions live in the database ({@code slipway.migrations},
 * {@code slipway.backfills}), so any process can pick up where another stopped.
 * <p>
 * A facade: each command is its own class ({@link Expand}, {@link Contract}, {@link Undo}, {@link Validate},
 * {@link Baseline}, {@link Repair}) over the history ({@link SchemaHistory}) and an executor that runs — or, for
 * {@link #plan}, records — every change ({@link DdlExecutor}).
 */
public final class SchemaEngine {
    private final DataSource dataSource;
    private final String schema;
    private final SchemaOptions options;
    private final SchemaHistory history;
    private volatile Consumer<String> statementLog = statement -> { };

    public SchemaEngine(DataSource dataSource, String schema, SchemaOptions options) {
        this.dataSource = dataSource;
        this.schema = schema;
        this.options = options;
        this.history = new SchemaHistory(dataSource, schema);
    }

    public String schema() {
        return schema;
    }

    /** {@code public_v2}: the schema of views binary 2 reads. */
    public String versionSchema(int version) {
        return Expand.versionSchema(schema, version);
    }

    /**
     * Creates (or upgrades) the {@code slipway} catalog if needed. Safe to call from many processes at once; an
     * engine does it once, so every other method may call it freely.
     */
    public void init() {
        history.ensureCatalog();
    }

    /** Receives every statement the engine runs against the schema (for tests: plan must print exactly these). */
    void onStatement(Consumer<String> listener) {
        statementLog = listener;
    }

    public SchemaStatus status() {
        init();
        try (Connection connection = dataSource.getConnection()) {
            return history.status(connection);
        } catch (SQLException e) {
            throw new MigrationException("cannot read migration history of schema " + schema + ": " + e.getMessage(), e);
        }
    }

    /**
     * The SQL {@link #start} would run for this migration against the live schema, in order: start itself run
     * against an executor that records instead of running. Nothing but read-only catalog queries reach the
     * database (the session is read-only).
     */
    public List<String> plan(Migration migration) {
        init();
        try (Connection connection = dataSource.getConnection()) {
            try (Statement readOnly = connection.createStatement()) {
                readOnly.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY");
            }
            RecordingDdlExecutor recorder = new RecordingDdlExecutor();
            new Expand(new EngineSession(schema, options, history, connection, recorder)).start(migration, BackfillListener.NONE);
            return recorder.statements();
        } catch (SQLException e) {
            throw new MigrationException("cannot plan migration " + migration.file() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Expands the schema for {@code migration}. On success the state holds the new version (and the previous
     * one, unless the migration is opaque). Any failure before the backfill undoes everything start did; an
     * interrupted backfill keeps its position and is finished by {@link #resume}.
     */
    public StartResult start(Migration migration, BackfillListener listener) {
        long began = System.nanoTime();
        return locked("migration " + migration.file() + ": ", session -> {
            long rows = new Expand(session).start(migration, listener);
            return new StartResult(migration.version(), migration.name(), history.status(session.connection()).state(),
                    rows, Duration.ofNanos(System.nanoTime() - began));
        });
    }

    /** Finishes an interrupted start: continues the backfill from its saved position. */
    public StartResult resume(BackfillListener listener) {
        long began = System.nanoTime();
        return locked("cannot resume on schema " + schema + ": ", session -> {
            long rows = new Expand(session).resume(listener);
            SchemaStatus status = history.status(session.connection());
            InFlight inFlight = status.inFlight().orElseThrow();
            return new StartResult(inFlight.version(), inFlight.name(), status.state(), rows,
                    Duration.ofNanos(System.nanoTime() - began));
        });
    }

    /** Contracts the in-flight migration: the old version's views, the triggers and the old columns go. */
    public void complete() {
        locked("complete failed on schema " + schema + " (it is safe to run complete again): ", session -> {
            new Contract(session).complete();
            return null;
        });
    }

    /** Undoes the in-flight migration's start: the previous version is the only one left, its data intact. */
    public void rollback() {
        locked("rollback failed on schema " + schema + " (it is safe to run rollback again): ", session -> {
            new Undo(session).rollback();
            return null;
        });
    }

    /**
     * Checks a migrations directory against the history without changing anything: files that do not parse, two
     * files with one version, applied migrations whose file changed since (checksum) or is gone, pending files
     * below the applied version (they would never run), and whether the next pending migration fits the live
     * schema (operations and their {@code up}/{@code down} expressions). Empty when all is well.
     */
    public List<ValidationProblem> validate(Path migrationsDirectory) {
        init();
        try (Connection connection = dataSource.getConnection()) {
            return new Validate(new EngineSession(schema, options, history, connection, new RecordingDdlExecutor()))
                    .directory(migrationsDirectory);
        } catch (SQLException e) {
            throw new MigrationException("cannot validate " + migrationsDirectory + " against schema " + schema + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * Adopts a database Slipway has never migrated: records {@code version} as completed (checksum
     * {@code baseline}, no file) and creates {@code <schema>_v<version>} with one view per live table, so binaries
     * of that version can connect and the next migration starts from there.
     */
    public SchemaStatus baseline(int version, String description) {
        if (version < 1) throw new IllegalArgumentException("a baseline version is at least 1");
        return locked("baseline failed on schema " + schema + ": ", session -> {
            new Baseline(session).run(version, description);
            return history.status(session.connection());
        });
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
        return locked("repair failed on schema " + schema + ": ", session -> new Repair(session).run(migration, reason));
    }

    /**
     * How a binary of schema version {@code version} logs in: the version's login role (its default search path is
     * the version's view schema) and its password. Empty when the version is not readable now, or when the engine's
     * user may not create roles (the binary then connects as before, with {@code currentSchema}). Creates the role of
     * a readable version that has none yet (one expanded before the engine managed roles). Only the engine's own
     * user can read the passwords.
     */
    public java.util.Optional<DatabaseCredentials> credentialsFor(int version) {
        init();
        try (Connection connection = dataSource.getConnection()) {
            if (!history.status(connection).state().contains(version)) return java.util.Optional.empty();
            return VersionRoles.of(connection, schema).ensure(connection, version);
        } catch (SQLException e) {
            throw new MigrationException("cannot read the credentials of version " + version + " of schema " + schema
                    + ": " + e.getMessage(), e);
        }
    }

    /** An engine command under the engine lock, on its own connection. */
    @FunctionalInterface
    private interface Command<T> {
        T run(EngineSession session) throws SQLException;
    }

    /** Runs {@code command} holding the engine lock; a database failure becomes a MigrationException after {@code failure}. */
    private <T> T locked(String failure, Command<T> command) {
        init();
        try (Connection connection = dataSource.getConnection()) {
            JdbcDdlExecutor executor = new JdbcDdlExecutor(connection, schema, options, statementLog);
            try (DdlExecutor.EngineLock lock = executor.lockEngine()) {
                return command.run(new EngineSession(schema, options, history, connection, executor));
            }
        } catch (SQLException | DatabaseException e) {
            throw new MigrationException(failure + e.getMessage(), e);
        }
    }
}
