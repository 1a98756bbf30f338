package dev.slipway.schema;

import dev.slipway.schema.op.ColumnSnapshot;
import dev.slipway.schema.op.CreateTable;
import dev.slipway.schema.op.Operation;
import dev.slipway.schema.op.RenameColumn;
import dev.slipway.schema.op.RenameTable;
import dev.slipway.schema.op.SchemaSnapshot;
import dev.slipway.schema.op.SyncRule;
import dev.slipway.schema.op.TableSnapshot;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the sync triggers and the backfill of one migration need, derived from its operations and the layouts
 * before and after it: the rules per table, the columns to backfill, the names expressions see, and the physical
 * columns of each table once start has run. Derived, never read back from the catalog, so {@code plan} computes
 * exactly what {@code start} uses.
 */
final class SyncRules {
    private final Migration migration;
    private final SchemaSnapshot before;
    private final SchemaSnapshot after;

    /** {@code before}: the live layout; {@code after}: the new version's layout (validated). */
    SyncRules(Migration migration, SchemaSnapshot before, SchemaSnapshot after) {
        this.migration = migration;
        this.before = before;
        this.after = after;
    }

    /** The new version's layout. */
    SchemaSnapshot after() {
        return after;
    }

    /** The rules of every operation, by table (the table's name after start). */
    static Map<String, List<SyncRule>> byTable(Migration migration) {
        Map<String, List<SyncRule>> rules = new LinkedHashMap<>();
        for (Operation operation : migration.operations()) {
            for (SyncRule rule : operation.syncRules()) {
                rules.computeIfAbsent(rule.table(), table -> new ArrayList<>()).add(rule);
            }
        }
        return rules;
    }

    /** Only the {@code up} rules: what the backfill computes for existing rows. */
    static Map<String, List<SyncRule>> upByTable(Migration migration) {
        Map<String, List<SyncRule>> rules = new LinkedHashMap<>();
        byTable(migration).forEach((table, tableRules) -> rules.put(table, tableRules.stream()
                .filter(rule -> rule.direction() == SyncRule.Direction.UP).toList()));
        rules.values().removeIf(List::isEmpty);
        return rules;
    }

    /** The tables whose existing rows need the {@code up} rules applied, with the columns those rules fill. */
    static Map<String, List<String>> backfillColumns(Migration migration) {
        Map<String, List<String>> columns = new LinkedHashMap<>();
        upByTable(migration).forEach((table, rules) -> columns.put(table, rules.stream().map(SyncRule::column).toList()));
        return columns;
    }

    /**
     * The columns of {@code table} (its name after start) in the database once start's operations have run: the
     * live ones, under the names rename_column gave them, then the ones operations added (new columns and
     * alter_column's temporary duplicates), with their types.
     */
    List<ColumnSnapshot> physicalColumnsAfterStart(String table) {
        Map<String, Map<String, ColumnSnapshot>> tables = new LinkedHashMap<>();
        for (TableSnapshot snapshot : before.tables()) {
            Map<String, ColumnSnapshot> columns = new LinkedHashMap<>();
            snapshot.columns().forEach(column -> columns.put(column.physicalName(), column));
            tables.put(snapshot.physicalName(), columns);
        }
        for (Operation operation : migration.operations()) {
            if (operation instanceof RenameTable rename && tables.containsKey(rename.from())) {
                tables.put(rename.to(), tables.remove(rename.from()));
            } else if (operation instanceof RenameColumn rename && tables.containsKey(rename.table())) {
                Map<String, ColumnSnapshot> columns = tables.get(rename.table());
                Map<String, ColumnSnapshot> renamed = new LinkedHashMap<>();
                columns.forEach((physical, column) -> renamed.put(physical.equals(rename.from()) ? rename.to() : physical,
                        physical.equals(rename.from()) ? column.renamed(rename.to()) : column));
                tables.put(rename.table(), renamed);
            } else if (operation instanceof CreateTable create) {
                tables.put(create.name(), new LinkedHashMap<>());
            }
        }
        Map<String, ColumnSnapshot> columns = tables.getOrDefault(table, new LinkedHashMap<>());
        after.table(table).ifPresent(snapshot -> snapshot.columns().forEach(column ->
                columns.putIfAbsent(column.physicalName(), column)));
        return columns.values().stream()
                .map(column -> new ColumnSnapshot(column.physicalName(), column.physicalName(), column.type(),
                        column.nullable(), column.defaultValue()))
                .toList();
    }

    /**
     * Per table (by its name after start), the old version's names of the columns this migration renames at
     * start, bound to their physical names: {@code up} expressions keep reading the row as the old version does.
     */
    Map<String, List<ColumnSnapshot>> oldNames() {
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
    List<ColumnSnapshot> newNames(String table) {
        return after.table(table).map(snapshot -> snapshot.columns().stream()
                .filter(column -> !column.name().equals(column.physicalName())).toList()).orElse(List.of());
    }

    /**
     * The names an expression of {@code rule} sees, with their types: every physical column, then the old
     * version's names for {@code up} or the new version's for {@code down} (shadowing physical names).
     */
    Map<String, String> scope(SyncRule rule) {
        Map<String, String> scope = new LinkedHashMap<>();
        physicalColumnsAfterStart(rule.table()).forEach(column -> scope.put(column.physicalName(), column.type()));
        List<ColumnSnapshot> aliases = rule.direction() == SyncRule.Direction.UP
                ? oldNames().getOrDefault(rule.table(), List.of()) : newNames(rule.table());
        aliases.forEach(column -> scope.put(column.name(), column.type()));
        return scope;
    }
}
