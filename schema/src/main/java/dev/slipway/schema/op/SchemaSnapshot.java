package dev.slipway.schema.op;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The tables of one schema as a version sees them. Read from the live catalog before a migration starts, then
 * reshaped operation by operation: what is left is the layout of the new version's views. Validation runs
 * against it, so an operation may refer to a table created earlier in the same migration.
 */
public final class SchemaSnapshot {
    private final Map<String, TableSnapshot> tables = new LinkedHashMap<>();
    private final Set<String> indexes = new TreeSet<>();
    /** Names of tables dropped by the migration being validated: still physically there, so not reusable yet. */
    private final Set<String> retiredTables = new TreeSet<>();

    public SchemaSnapshot(List<TableSnapshot> tables, Set<String> indexes) {
        tables.forEach(table -> this.tables.put(table.name(), table));
        this.indexes.addAll(indexes);
    }

    public List<TableSnapshot> tables() { return List.copyOf(tables.values()); }
    public Set<String> indexes() { return Set.copyOf(indexes); }

    public Optional<TableSnapshot> table(String name) {
        return Optional.ofNullable(tables.get(name));
    }

    public TableSnapshot requireTable(String name) {
        TableSnapshot table = tables.get(name);
        if (table == null) {
            throw new InvalidOperationException("table does not exist (tables: "
                    + (tables.isEmpty() ? "none" : String.join(", ", tables.keySet())) + ")");
        }
        return table;
    }

    public void requireNoTable(String name) {
        if (tables.containsKey(name)) {
            throw new InvalidOperationException("table already exists");
        }
        if (retiredTables.contains(name)) {
            throw new InvalidOperationException("table is dropped by this migration and exists until it completes;"
                    + " create it in a later migration");
        }
    }

    public void putTable(TableSnapshot table) {
        tables.put(table.name(), table);
    }

    public void removeTable(String name) {
        tables.remove(name);
        retiredTables.add(name);
    }

    public void renameTable(String from, String to) {
        TableSnapshot table = tables.remove(from);
        tables.put(to, table.renamed(to));
    }

    public boolean hasIndex(String name) {
        return indexes.contains(name);
    }

    public void addIndex(String name) {
        indexes.add(name);
    }

    public void removeIndex(String name) {
        indexes.remove(name);
    }

    public SchemaSnapshot copy() {
        SchemaSnapshot copy = new SchemaSnapshot(tables.values().stream().map(TableSnapshot::copy).toList(), indexes);
        copy.retiredTables.addAll(retiredTables);
        return copy;
    }
}
