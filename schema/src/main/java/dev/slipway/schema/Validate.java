package dev.slipway.schema;

import dev.slipway.schema.op.InvalidOperationException;
import dev.slipway.schema.op.Operation;
import dev.slipway.schema.op.SchemaSnapshot;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The validate command: checks a migrations directory against the history without changing anything (files that
 * do not parse, two files with one version, applied migrations whose file changed since or is gone, pending files
 * below the applied version) and whether the next pending migration fits the live schema. Also home of the
 * layout check every command shares ({@link #layoutAfter}).
 */
final class Validate {
    private final String schema;
    private final SchemaHistory history;
    private final Connection connection;

    Validate(EngineSession session) {
        this.schema = session.schema();
        this.history = session.history();
        this.connection = session.connection();
    }

    /** A migration bound to the layout it starts from, and the new version's layout. */
    record Checked(Migration migration, SchemaSnapshot after) {
    }

    /**
     * Binds and validates every operation against the live layout, as reshaped by the operations before it, and
     * returns the bound migration with the new version's layout. No database access.
     */
    static Checked check(Migration migration, SchemaSnapshot before) {
        SchemaSnapshot layout = before.copy();
        List<Operation> bound = new ArrayList<>();
        for (Operation operation : migration.operations()) {
            try {
                Operation bindable = operation.bind(layout);
                bindable.validate(layout);
                bindable.reshape(layout);
                bound.add(bindable);
            } catch (InvalidOperationException e) {
                throw new MigrationException("migration " + migration.file() + ": " + operation.describe() + ": " + e.getMessage(), e);
            }
        }
        migration = migration.withOperations(bound);
        for (String table : SyncRules.backfillColumns(migration).keySet()) {
            boolean hasKey = before.table(table).map(snapshot -> !snapshot.primaryKey().isEmpty()).orElse(true);
            if (!hasKey) {
                throw new MigrationException("migration " + migration.file() + ": table " + table
                        + " has no primary key, which the backfill needs to walk it in batches");
            }
        }
        return new Checked(migration, layout);
    }

    /** The new version's layout: see {@link #check}. */
    static SchemaSnapshot layoutAfter(Migration migration, SchemaSnapshot before) {
        return check(migration, before).after();
    }

    /** Everything wrong with the directory; empty when all is well. */
    List<ValidationProblem> directory(Path migrationsDirectory) throws SQLException {
        MigrationDirectory directory = MigrationDirectory.read(migrationsDirectory);
        List<ValidationProblem> problems = new ArrayList<>(directory.problems());
        List<SchemaHistory.AppliedRow> appliedRows = history.appliedRows(connection);
        Map<Integer, Migration> files = directory.byVersion();
        int baseline = appliedRows.stream().filter(SchemaHistory.AppliedRow::baseline)
                .mapToInt(SchemaHistory.AppliedRow::version).max().orElse(0);
        for (SchemaHistory.AppliedRow applied : appliedRows) {
            if (applied.baseline()) continue;
            Migration file = files.get(applied.version());
            if (file == null) {
                problems.add(new ValidationProblem(applied.file(), applied.version(), ValidationProblem.Kind.MISSING_FILE,
                        "migration " + applied.version() + " (" + applied.name() + ") is " + applied.state()
                                + " but has no file in " + migrationsDirectory));
            } else if (!file.checksum().equals(applied.checksum())) {
                problems.add(new ValidationProblem(file.file(), file.version(), ValidationProblem.Kind.CHANGED,
                        SchemaHistory.changedMessage(file.file(), applied, file.checksum())));
            }
        }
        OptionalInt latest = history.latestCompleted(connection);
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
        if (!pending.isEmpty() && history.inFlight(connection).isEmpty()) {
            Migration next = pending.get(0);
            try {
                SchemaSnapshot before = Catalog.read(connection, schema);
                Checked checked = check(next, before);
                ExpressionCheck.check(connection, checked.migration(), new SyncRules(checked.migration(), before, checked.after()));
            } catch (MigrationException e) {
                problems.add(new ValidationProblem(next.file(), next.version(), ValidationProblem.Kind.INVALID, e.getMessage()));
            }
        }
        return List.copyOf(problems);
    }
}
