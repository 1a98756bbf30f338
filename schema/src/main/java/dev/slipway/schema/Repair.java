package dev.slipway.schema;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;

/**
 * The repair command: records an applied migration's current file as what was applied (its checksum and content)
 * and removes the {@code failed} attempts of that version from the history, audited in {@code slipway.repairs}
 * with who and why. Nothing in the schema changes.
 */
final class Repair {
    private static final Logger log = LoggerFactory.getLogger(Repair.class);

    private final String schema;
    private final SchemaOptions options;
    private final SchemaHistory history;
    private final Connection connection;
    private final DdlExecutor executor;

    Repair(EngineSession session) {
        this.schema = session.schema();
        this.options = session.options();
        this.history = session.history();
        this.connection = session.connection();
        this.executor = session.executor();
    }

    RepairResult run(Migration migration, String reason) throws SQLException {
        Optional<SchemaHistory.AppliedRow> applied = history.applied(connection, migration.version());
        if (applied.isPresent() && applied.get().state().equals(AppliedMigration.STARTED)) {
            throw new MigrationException("refused: migration " + migration.version() + " is in flight; complete or"
                    + " roll it back instead of repairing it");
        }
        if (applied.isPresent() && applied.get().baseline()) {
            throw new MigrationException("refused: version " + migration.version() + " is the baseline; it has no file");
        }
        RepairResult[] result = new RepairResult[1];
        executor.transaction("repairing " + migration.file(), transaction -> transaction.bookkeeping(c -> {
            int removed = history.deleteFailed(c, migration.version());
            if (applied.isPresent()) {
                history.rerecord(c, applied.get().id(), migration);
            } else if (removed == 0) {
                throw new MigrationException("nothing to repair: version " + migration.version()
                        + " was never applied on schema " + schema + " and has no failed attempts");
            }
            Optional<String> previous = applied.map(SchemaHistory.AppliedRow::checksum);
            Optional<String> checksum = applied.isPresent() ? Optional.of(migration.checksum()) : Optional.empty();
            history.recordRepair(c, migration.version(), previous.orElse(null), checksum.orElse(null), removed,
                    options.actor(), reason);
            result[0] = new RepairResult(migration.version(), previous, checksum, removed);
            return null;
        }, null));
        log.info("repaired migration {} on schema {}: {}", migration.version(), schema, reason);
        return result[0];
    }
}
