package dev.slipway.schema;

import dev.slipway.schema.op.MigrationContext;
import dev.slipway.schema.op.Operation;
import dev.slipway.schema.op.RenameColumn;
import dev.slipway.schema.op.SchemaSnapshot;
import dev.slipway.schema.op.Sql;
import dev.slipway.schema.op.SyncRule;
import dev.slipway.schema.op.TableSnapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The expand command ({@code start}, and {@code resume} of an interrupted one): each operation's additive DDL, then
 * in one transaction the sync triggers and the new version's views (under a pending name), the backfill, the
 * post-backfill steps (constraint validation), and the rename that makes the new version readable. Run against a
 * {@link RecordingDdlExecutor} it is {@code plan}: the same code path, nothing run.
 * <p>
 * Any failure before the backfill undoes everything start did ({@link Undo}); an interrupted backfill keeps its
 * position and is finished by {@link #resume}.
 */
final class Expand {
    private static final Logger log = LoggerFactory.getLogger(Expand.class);

    private final EngineSession session;
    private final String schema;
    private final SchemaOptions options;
    private final SchemaHistory history;
    private final Connection connection;
    private final DdlExecutor executor;

    Expand(EngineSession session) {
        this.session = session;
        this.schema = session.schema();
        this.options = session.options();
        this.history = session.history();
        this.connection = session.connection();
        this.executor = session.executor();
    }

    static String versionSchema(String schema, int version) {
        return schema + "_v" + version;
    }

    /** Where a version's views wait while its backfill runs; renamed to the version schema when expanded. */
    static String pendingSchema(String schema, int version) {
        return versionSchema(schema, version) + "_pending";
    }

    /** Expands the schema for {@code migration}; returns the rows backfilled. */
    long start(Migration file, BackfillListener listener) throws SQLException {
        checkStartAllowed(file);
        OptionalInt previous = history.latestCompleted(connection);
        SchemaSnapshot before = Catalog.read(connection, schema);
        Validate.Checked checked = Validate.check(file, before);
        Migration migration = checked.migration();
        SchemaSnapshot after = checked.after();
        SyncRules rules = new SyncRules(migration, before, after);
        ExpressionCheck.check(connection, migration, rules);
        List<SchemaSnapshot> layouts = layoutsBeforeEachOperation(migration, before);
        long id = executor.bookkeeping(c -> history.recordStarted(c, migration, options.actor()), 0L);
        try {
            for (int i = 0; i < migration.operations().size(); i++) {
                migration.operations().get(i).start(new MigrationContext(schema, migration.version(), executor, layouts.get(i)));
            }
            installTriggersAndViews(id, migration, rules, after, previous);
        } catch (RuntimeException | SQLException e) {
            throw undo().failAndUndo(id, migration, previous, "start", e);
        }
        return finishExpand(id, migration, previous, listener);
    }

    /** Finishes an interrupted start: continues the backfill from its saved position. Returns the rows backfilled. */
    long resume(BackfillListener listener) throws SQLException {
        SchemaHistory.InFlightRow inFlight = history.inFlight(connection).orElseThrow(() ->
                new MigrationException("nothing to resume: no migration is in flight on schema " + schema));
        Migration migration = inFlight.migration().bind(Catalog.read(connection, schema));
        OptionalInt previous = history.latestCompleted(connection);
        return switch (inFlight.phase()) {
            // DDL was cut off part way; operations' start steps are not re-entrant, their rollbacks are.
            case InFlight.EXPANDING -> throw undo().failAndUndo(inFlight.id(), migration, previous, "start",
                    new IllegalStateException("the process stopped while expanding"));
            case InFlight.BACKFILLING -> finishExpand(inFlight.id(), migration, previous, listener);
            default -> {
                log.info("migration {} is already expanded", migration.version());
                yield 0L;
            }
        };
    }

    private Undo undo() {
        return new Undo(session);
    }

    private void checkStartAllowed(Migration migration) throws SQLException {
        Optional<String> mirror = migration.mirrorSchema(schema);
        if (mirror.isPresent()) {
            if (mirror.get().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 63) {
                throw new MigrationException("migration " + migration.file() + ": version_schema: '" + mirror.get()
                        + "' is longer than 63 bytes, PostgreSQL's limit for names");
            }
            try (java.sql.PreparedStatement exists = connection.prepareStatement(
                    "SELECT 1 FROM pg_namespace WHERE nspname = ?")) {
                exists.setString(1, mirror.get());
                try (java.sql.ResultSet rows = exists.executeQuery()) {
                    if (rows.next()) {
                        throw new MigrationException("migration " + migration.file() + ": version_schema: schema "
                                + mirror.get() + " already exists; choose another name");
                    }
                }
            }
        }
        Optional<SchemaHistory.InFlightRow> inFlight = history.inFlight(connection);
        if (inFlight.isPresent()) {
            SchemaHistory.InFlightRow row = inFlight.get();
            throw new MigrationException("refused: migration " + row.version() + " (" + row.name() + ") is in flight on schema "
                    + schema + " (phase " + row.phase() + "); complete or roll it back before starting migration "
                    + migration.version() + " (" + migration.name() + ")");
        }
        Optional<SchemaHistory.AppliedRow> applied = history.applied(connection, migration.version());
        if (applied.isPresent() && !applied.get().baseline() && !applied.get().checksum().equals(migration.checksum())) {
            throw new MigrationException("refused: " + SchemaHistory.changedMessage(migration.file(), applied.get(),
                    migration.checksum()));
        }
        OptionalInt latest = history.latestCompleted(connection);
        if (latest.isPresent() && migration.version() <= latest.getAsInt()) {
            throw new MigrationException("refused: migration " + migration.file() + " has version " + migration.version()
                    + ", but schema " + schema + " is already at version " + latest.getAsInt()
                    + "; versions only move forward (write a new migration to change it again)");
        }
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
     * The sync triggers and the new version's views, in as little time under write-blocking locks as possible:
     * <ol>
     * <li>one transaction without table locks beyond ACCESS SHARE: the trigger functions, the version schema's
     *     views (under a pending name), the version's role;</li>
     * <li>per synced table, {@code CREATE TRIGGER} as a statement of its own (under lock_timeout, retried): it locks
     *     the table (SHARE ROW EXCLUSIVE) before its transaction takes an id, and nothing else runs under that lock,
     *     so writers wait for it well under a millisecond of server time, one table at a time. Then the backfill is
     *     recorded with that transaction's id (the trigger row's xmin) as the start it compares xmin with; see
     *     {@link Backfill} for why the lock must come before the id;</li>
     * <li>the phase BACKFILLING.</li>
     * </ol>
     * A crash between them leaves the phase EXPANDING, which resume undoes (the triggers, then the functions).
     */
    private void installTriggersAndViews(long id, Migration migration, SyncRules rules, SchemaSnapshot after,
                                         OptionalInt previous) throws SQLException {
        int version = migration.version();
        String versionSchema = versionSchema(schema, version);
        Map<String, List<SyncRule>> rulesByTable = SyncRules.byTable(migration);
        Map<String, List<String>> backfills = SyncRules.backfillColumns(migration);
        Map<String, List<dev.slipway.schema.op.ColumnSnapshot>> oldNames = rules.oldNames();
        VersionRoles roles = VersionRoles.of(connection, schema);
        List<String> newVersionSchemas = new ArrayList<>(List.of(versionSchema));
        migration.mirrorSchema(schema).ifPresent(newVersionSchemas::add);
        Map<String, Boolean> basePath = new java.util.HashMap<>();
        for (Map.Entry<String, List<SyncRule>> entry : rulesByTable.entrySet()) {
            basePath.put(entry.getKey(), ExpressionCheck.needsBaseSchema(connection, rules, entry.getValue()));
        }
        executor.transaction("creating the sync functions and " + versionSchema, transaction -> {
            for (Map.Entry<String, List<SyncRule>> entry : rulesByTable.entrySet()) {
                transaction.execute(SyncTriggers.create(schema, newVersionSchemas, version, entry.getKey(),
                        rules.physicalColumnsAfterStart(entry.getKey()), entry.getValue(),
                        oldNames.getOrDefault(entry.getKey(), List.of()), rules.newNames(entry.getKey()),
                        basePath.get(entry.getKey())).get(0));
            }
            if (migration.opaque()) {
                if (previous.isPresent()) {
                    // The previous version's schema becomes an alias of the new one (see VersionViews.alias): a binary
                    // connected to it reads the new version too (the guard allowed the opaque step only then) and
                    // keeps working without reconnecting. Same transaction: it never finds the schema missing.
                    for (String sql : VersionViews.alias(schema, versionSchema(schema, previous.getAsInt()))) {
                        transaction.execute(sql);
                    }
                }
                // Its views show the tables as the SQL left them, read by the server when this statement runs.
                transaction.execute(VersionViews.createFromCatalog(schema, versionSchema));
                if (previous.isPresent()) {
                    // The alias was dropped and made again: its role (if it has one) gets its views back.
                    transaction.execute(roles.grant(previous.getAsInt(), versionSchema(schema, previous.getAsInt())));
                }
                for (String sql : roles.create(version, List.of(versionSchema), versionSchema)) transaction.execute(sql);
            } else {
                // Until the backfill is done the new version's views wait under a pending name: a new-version writer
                // touching a row the backfill has not reached would compute the old columns from empty new ones.
                // The rename to the real name in finishExpand is atomic, and views follow their tables by OID.
                for (String sql : VersionViews.create(schema, pendingSchema(schema, version), after)) {
                    transaction.execute(sql);
                }
                for (String sql : roles.create(version, List.of(versionSchema), pendingSchema(schema, version))) {
                    transaction.execute(sql);
                }
            }
            transaction.bookkeeping(c -> {
                roles.rememberPassword(c, version);
                return null;
            }, null);
        });
        for (String table : rulesByTable.keySet()) {
            // One statement, its own transaction: the lock is held while the server creates the trigger and commits,
            // never across a round trip to this process (under load, each round trip cost tens of milliseconds).
            executor.alone(SyncTriggers.trigger(schema, version, table));
            if (backfills.containsKey(table)) {
                executor.bookkeeping(c -> {
                    history.recordBackfill(c, id, table, backfills.get(table), "slipway_sync_v" + version);
                    return null;
                }, null);
            }
        }
        executor.bookkeeping(c -> {
            history.setPhase(c, id, InFlight.BACKFILLING);
            return null;
        }, null);
    }

    /** Backfills, runs the post-backfill steps (constraint validation) and marks the migration expanded. */
    private long finishExpand(long id, Migration migration, OptionalInt previous, BackfillListener listener)
            throws SQLException {
        long rows = 0;
        try {
            Map<String, List<SyncRule>> upRules = SyncRules.upByTable(migration);
            boolean renamesColumns = migration.operations().stream().anyMatch(operation -> operation instanceof RenameColumn);
            for (Map.Entry<String, List<String>> entry : SyncRules.backfillColumns(migration).entrySet()) {
                String table = entry.getKey();
                Backfill.Fill fill = Backfill.Fill.of(upRules.getOrDefault(table, List.of()), renamesColumns);
                rows += executor.backfill("backfill " + table + " in batches of " + options.backfillBatchSize()
                        + " along its primary key: SET " + String.join(", ", entry.getValue())
                        + " from their up expressions", c -> {
                    // A retry continues from the position the committed batches saved, not from where this run began.
                    Optional<Backfill.Position> position = Backfill.pending(c, id).stream()
                            .filter(candidate -> candidate.table().equals(table)).findFirst();
                    if (position.isEmpty()) return 0L;
                    TableSnapshot snapshot = Catalog.read(c, schema).requireTable(table);
                    return new Backfill(c, schema, options, listener).run(position.get(), snapshot, fill);
                });
            }
        } catch (SQLException e) {
            if (isTransient(e)) {
                throw interrupted(migration, e);
            }
            // The up expressions fail on real rows: running again would fail the same way.
            throw undo().failAndUndo(id, migration, previous, "backfill", e);
        } catch (RuntimeException e) {
            throw interrupted(migration, e);
        }
        try {
            MigrationContext context = new MigrationContext(schema, migration.version(), executor);
            for (Operation operation : migration.operations()) {
                operation.afterBackfill(context);
            }
        } catch (RuntimeException e) {
            throw undo().failAndUndo(id, migration, previous, "validating constraints after the backfill", e);
        }
        String versionSchema = versionSchema(schema, migration.version());
        List<String> publish = new ArrayList<>();
        if (!migration.opaque()) {
            String pending = pendingSchema(schema, migration.version());
            publish.add(Sql.doBlock("BEGIN IF EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = "
                    + Sql.literal(pending) + ") THEN EXECUTE " + Sql.literal("ALTER SCHEMA " + Sql.ident(pending)
                    + " RENAME TO " + Sql.ident(versionSchema)) + "; END IF; END"));
        }
        migration.mirrorSchema(schema).ifPresent(mirror -> {
            // Idempotent for resume: made again from the version's views, in the transaction that publishes them.
            publish.add(VersionViews.dropMirrors(versionSchema));
            publish.add(VersionViews.mirror(versionSchema, mirror));
        });
        if (!publish.isEmpty()) {
            executor.inTransaction(publish);
        }
        executor.bookkeeping(c -> {
            history.setPhase(c, id, InFlight.EXPANDED);
            return null;
        }, null);
        log.info("migration {} expanded on schema {}: {} rows backfilled", migration.version(), schema, rows);
        return rows;
    }

    private MigrationException interrupted(Migration migration, Exception cause) {
        return new MigrationException("migration " + migration.file() + ": backfill interrupted (" + cause.getMessage()
                + "); its position is saved: run resume to continue, or rollback to undo the migration", cause);
    }

    private static boolean isTransient(SQLException e) {
        String state = e.getSQLState();
        return state == null || state.startsWith("08") || state.startsWith("57") || JdbcDdlExecutor.LOCK_STATES.contains(state);
    }
}
