package dev.slipway.schema.op;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One table as a schema version sees it: its columns in view order, its primary key and constraint names.
 * Mutable on purpose: operations reshape a copy while a migration is validated.
 */
public final class TableSnapshot {
    private final String name;
    private final String physicalName;
    private final List<ColumnSnapshot> columns;
    private final List<String> primaryKey;
    private final Set<String> constraints;

    public TableSnapshot(String name, String physicalName, List<ColumnSnapshot> columns, List<String> primaryKey,
                         Set<String> constraints) {
        this.name = name;
        this.physicalName = physicalName;
        this.columns = new ArrayList<>(columns);
        this.primaryKey = new ArrayList<>(primaryKey);
        this.constraints = new LinkedHashSet<>(constraints);
    }

    public String name() { return name; }
    public String physicalName() { return physicalName; }
    public List<ColumnSnapshot> columns() { return List.copyOf(columns); }
    public List<String> primaryKey() { return List.copyOf(primaryKey); }
    public Set<String> constraints() { return Set.copyOf(constraints); }

    public Optional<ColumnSnapshot> column(String columnName) {
        return columns.stream().filter(column -> column.name().equals(columnName)).findFirst();
    }

    /** The column, or an error that lists the columns there are, so a typo is obvious. */
    public ColumnSnapshot requireColumn(String columnName) {
        return column(columnName).orElseThrow(() ->
                new InvalidOperationException("column does not exist (columns: " + columnNames() + ")"));
    }

    public void requireNoColumn(String columnName) {
        if (column(columnName).isPresent()) {
            throw new InvalidOperationException("column already exists (columns: " + columnNames() + ")");
        }
    }

    public String columnNames() {
        return columns.stream().map(ColumnSnapshot::name).collect(Collectors.joining(", "));
    }

    public void addColumn(ColumnSnapshot column) {
        columns.add(column);
    }

    public void removeColumn(String columnName) {
        columns.removeIf(column -> column.name().equals(columnName));
    }

    public void replaceColumn(String columnName, ColumnSnapshot replacement) {
        columns.replaceAll(column -> column.name().equals(columnName) ? replacement : column);
        primaryKey.replaceAll(key -> key.equals(columnName) ? replacement.name() : key);
    }

    public void addConstraint(String constraintName) {
        constraints.add(constraintName);
    }

    public void removeConstraint(String constraintName) {
        constraints.remove(constraintName);
    }

    public TableSnapshot renamed(String newName) {
        return new TableSnapshot(newName, newName, columns, primaryKey, constraints);
    }

    public TableSnapshot copy() {
        return new TableSnapshot(name, physicalName, columns, primaryKey, constraints);
    }
}
