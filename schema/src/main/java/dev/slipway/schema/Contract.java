package dev.slipway.schema;

import dev.slipway.schema.op.MigrationContext;
import dev.slipway.schema.op.Operation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The contract command ({@code complete}): the retired versions' views, the sync triggers and the old
 * representation go in ONE transaction. Dropped triggers with the old NOT NULL columns still there would fail the
 * new binary's inserts, and old columns dropped under live triggers would fail them too: writers see the switch
 * atomically. That transaction is sent in one round trip under lock_timeout (retried whole), its table locks taken
 * last, so a table is ACCESS EXCLUSIVE only while the server drops the trigger and old columns and commits.
 * Index drops run {@code CONCURRENTLY} afterwards. Safe to run again after a failure.
 */
final class Contract {
    private static final Logger log = LoggerFactory.getLogger(Contract.class);

    private final String schema;
    private final SchemaHistory history;
    private final Connection connection;
    private final DdlExecutor executor;

    Contract(EngineSession session) {
        this.schema = session.schema();
        this.history = session.history();
        this.connection = session.connection();
        this.executor = session.executor();
    }

    void complete() throws SQLException {
        SchemaHistory.InFlightRow inFlight = history.inFlight(connection).orElseThrow(() ->
                new MigrationException("nothing to complete: no migration is in flight on schema " + schema));
        if (!inFlight.phase().equals(InFlight.EXPANDED)) {
            throw new MigrationException("refused: migration " + inFlight.version() + " (" + inFlight.name()
                    + ") is still " + inFlight.phase() + "; run resume first (or rollback)");
        }
        Migration migration = inFlight.migration().bind(Catalog.read(connection, schema));
        List<String> contract = new ArrayList<>();
        VersionRoles roles = VersionRoles.of(connection, schema);
        List<Integer> retired = retiredVersions(migration);
        for (int version : retired) {
            contract.add(VersionViews.dropMirrors(Expand.versionSchema(schema, version)));
            contract.add(VersionViews.drop(Expand.versionSchema(schema, version)));
            contract.addAll(roles.drop(version));
        }
        // Views and roles first: they lock no table. From the first DROP TRIGGER on, the table is ACCESS EXCLUSIVE
        // until the commit, so everything after it is catalog work only, sent in the same round trip (see
        // JdbcDdlExecutor.inTransaction).
        Set<String> syncedTables = SyncRules.byTable(migration).keySet();
        syncedTables.forEach(table -> contract.add(SyncTriggers.dropTrigger(schema, migration.version(), table)));
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
        syncedTables.forEach(table -> contract.add(SyncTriggers.dropFunction(schema, migration.version(), table)));
        if (!contract.isEmpty()) {
            executor.inTransaction(contract);
        }
        for (String[] step : concurrentSteps) {
            executor.concurrently(step[0], step[1]);
        }
        executor.bookkeeping(c -> {
            for (int version : retired) roles.forget(c, version);
            history.finish(c, inFlight.id(), AppliedMigration.COMPLETED);
            return null;
        }, null);
        log.info("migration {} completed on schema {}", migration.version(), schema);
    }

    /**
     * The versions whose schemas {@code complete} drops: the previous version, unless the completing migration is
     * opaque (then that schema is its alias, kept for the binaries connected to it); and the alias an opaque
     * previous migration kept (the version before it), whose binaries the guard has retired by now since the state
     * no longer holds the layout it shows. So an alias lives until the migration after its opaque one completes.
     */
    private List<Integer> retiredVersions(Migration completing) throws SQLException {
        List<SchemaHistory.CompletedRow> newest = history.newestCompleted(connection, 2);
        List<Integer> retired = new ArrayList<>();
        if (!newest.isEmpty() && !completing.opaque()) retired.add(newest.get(0).version());
        if (newest.size() == 2 && newest.get(0).opaque()) retired.add(newest.get(1).version());
        return retired;
    }
}
