package dev.slipway.schema;

import dev.slipway.schema.op.MigrationContext;
import dev.slipway.schema.op.Operation;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.OptionalInt;

/**
 * The undo command ({@code rollback}), and the clean-up after a start that failed: drops the new version's views and
 * the sync triggers, then runs each operation's rollback in reverse order. Every step is idempotent, so an undo cut
 * short is finished by running it again. The previous version is the only one left, its data intact.
 */
final class Undo {
    private final String schema;
    private final SchemaHistory history;
    private final Connection connection;
    private final DdlExecutor executor;

    Undo(EngineSession session) {
        this.schema = session.schema();
        this.history = session.history();
        this.connection = session.connection();
        this.executor = session.executor();
    }

    /** Rolls back the migration in flight. */
    void rollback() throws SQLException {
        SchemaHistory.InFlightRow inFlight = history.inFlight(connection).orElseThrow(() ->
                new MigrationException("nothing to roll back: no migration is in flight on schema " + schema));
        undo(inFlight.migration().bind(Catalog.read(connection, schema)), history.latestCompleted(connection));
        executor.bookkeeping(c -> {
            history.finish(c, inFlight.id(), AppliedMigration.ROLLED_BACK);
            return null;
        }, null);
    }

    void undo(Migration migration, OptionalInt previous) throws SQLException {
        int version = migration.version();
        List<String> dropViews = new ArrayList<>(List.of(VersionViews.dropMirrors(Expand.versionSchema(schema, version)),
                VersionViews.drop(Expand.versionSchema(schema, version)),
                VersionViews.drop(Expand.pendingSchema(schema, version))));
        if (migration.opaque() && previous.isPresent()) {
            // Its alias of the new layout would pin the columns the down SQL may drop; rebuilt below.
            dropViews.add(VersionViews.drop(Expand.versionSchema(schema, previous.getAsInt())));
        }
        VersionRoles roles = VersionRoles.of(connection, schema);
        dropViews.addAll(roles.drop(version));
        executor.inTransaction(dropViews);
        executor.bookkeeping(c -> {
            roles.forget(c, version);
            return null;
        }, null);
        // Each trigger in a statement of its own, as start added it: one table's ACCESS EXCLUSIVE lock at a time,
        // held only while the server drops it and commits. Then the functions, which lock no table.
        List<String> synced = List.copyOf(SyncRules.byTable(migration).keySet());
        for (String table : synced) {
            executor.alone(SyncTriggers.dropTrigger(schema, version, table));
        }
        if (!synced.isEmpty()) {
            executor.inTransaction(synced.stream().map(table -> SyncTriggers.dropFunction(schema, version, table)).toList());
        }
        MigrationContext context = new MigrationContext(schema, version, executor);
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
                String previousSchema = Expand.versionSchema(schema, previous.getAsInt());
                executor.inTransaction(List.of(VersionViews.createFromCatalog(schema, previousSchema),
                        roles.grant(previous.getAsInt(), previousSchema)));
            }
        }
    }

    /** Undoes a start that failed at {@code step} and records it as failed; the exception to throw. */
    MigrationException failAndUndo(long id, Migration migration, OptionalInt previous, String step, Exception cause) {
        String problem = cause instanceof DatabaseException database ? database.getCause().getMessage() : cause.getMessage();
        try {
            connection.setAutoCommit(true);
            undo(migration, previous);
            executor.bookkeeping(c -> {
                history.markFailed(c, id, step + ": " + problem);
                return null;
            }, null);
            return new MigrationException("migration " + migration.file() + ": " + step + " failed and was undone: " + problem, cause);
        } catch (SQLException | RuntimeException undoFailure) {
            cause.addSuppressed(undoFailure);
            return new MigrationException("migration " + migration.file() + ": " + step + " failed (" + problem
                    + ") and undoing it failed too (" + undoFailure.getMessage() + "); the migration stays in flight:"
                    + " run rollback again", cause);
        }
    }
}
