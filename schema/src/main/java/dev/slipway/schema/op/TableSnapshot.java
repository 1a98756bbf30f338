package dev.slipway.schema.op;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
    /** Constraint and index names by the column they cover (NOT NULL aside): what dropping the column would take. */
    private final Map<String, List<String>> dependents;
    private final Map<String, Character> constraintTypes;
    /** How each copyable constraint and index is defined, by name (see {@link Dependent}). */
    private final Map<String, Dependent> definitions;

    public TableSnapshot(String name, String physicalName, List<ColumnSnapshot> columns, List<String> primaryKey,
                         Set<String> constraints) {
        this(name, physicalName, columns, primaryKey, constraints, Map.of(), Map.of(), Map.of());
    }

    /**
     * {@code dependents}: for each column, the constraints and indexes that cover it; {@code constraintTypes}:
     * PostgreSQL's {@code contype} of each constraint ({@code p}rimary key, {@code u}nique, {@code c}heck,
     * {@code f}oreign key, e{@code x}clusion); {@code definitions}: how the unique constraints, indexes, checks and
     * foreign keys among them are defined, by name.
     */
    public TableSnapshot(String name, String physicalName, List<ColumnSnapshot> columns, List<String> primaryKey,
                         Set<String> constraints, Map<String, List<String>> dependents,
                         Map<String, Character> constraintTypes, Map<String, Dependent> definitions) {
        this.name = name;
        this.physicalName = physicalName;
        this.columns = new ArrayList<>(columns);
        this.primaryKey = new ArrayList<>(primaryKey);
        this.constraints = new LinkedHashSet<>(constraints);
        this.dependents = new LinkedHashMap<>();
        dependents.forEach((column, names) -> this.dependents.put(column, new ArrayList<>(names)));
        this.constraintTypes = new LinkedHashMap<>(constraintTypes);
        this.definitions = new LinkedHashMap<>(definitions);
    }

    public String name() { return name; }
    public String physicalName() { return physicalName; }
    public List<ColumnSnapshot> columns() { return List.copyOf(columns); }
    public List<String> primaryKey() { return List.copyOf(primaryKey); }
    public Set<String> constraints() { return Set.copyOf(constraints); }

    /** The constraints and indexes covering {@code columnName}, as read from the catalog. */
    public List<String> dependents(String columnName) {
        return List.copyOf(dependents.getOrDefault(columnName, List.of()));
    }

    /** The constraint's {@code contype} if the catalog knows it (constraints added by this migration have none). */
    public Optional<Character> constraintType(String constraintName) {
        return Optional.ofNullable(constraintTypes.get(constraintName));
    }

    /** How the constraint or index is defined, if the catalog knows it and it is of a kind a duplicate can copy. */
    public Optional<Dependent> definition(String dependentName) {
        return Optional.ofNullable(definitions.get(dependentName));
    }

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
        List<String> moved = dependents.remove(columnName);
        if (moved != null) dependents.put(replacement.name(), moved);
    }

    /**
     * Refuses a column another operation of this migration already backs with a temporary physical column
     * ({@code alter_column}): renaming or dropping it in the same migration would act on the wrong column.
     */
    public ColumnSnapshot requireStableColumn(String columnName) {
        ColumnSnapshot column = requireColumn(columnName);
        if (!column.physicalName().equals(column.name())) {
            throw new InvalidOperationException("column is altered earlier in this migration; change it again in a later migration");
        }
        return column;
    }

    public void addConstraint(String constraintName) {
        constraints.add(constraintName);
    }

    /** Records that a constraint or index this migration creates covers the column. */
    public void addDependent(String columnName, String dependentName) {
        dependents.computeIfAbsent(columnName, key -> new ArrayList<>()).add(dependentName);
    }

    public void removeConstraint(String constraintName) {
        constraints.remove(constraintName);
        constraintTypes.remove(constraintName);
        definitions.remove(constraintName);
        dependents.values().forEach(names -> names.remove(constraintName));
    }

    /** The columns a constraint covers, as the catalog tells (empty for one this migration adds). */
    public List<String> constraintColumns(String constraintName) {
        List<String> covered = new ArrayList<>();
        dependents.forEach((column, names) -> {
            if (names.contains(constraintName)) covered.add(column);
        });
        return columns.stream().map(ColumnSnapshot::name).filter(covered::contains).toList();
    }

    public void renameConstraint(String from, String to) {
        constraints.remove(from);
        constraints.add(to);
        Character type = constraintTypes.remove(from);
        if (type != null) constraintTypes.put(to, type);
        Dependent definition = definitions.remove(from);
        if (definition != null) definitions.put(to, definition.renamed(to));
        dependents.values().forEach(names -> names.replaceAll(name -> name.equals(from) ? to : name));
    }

    public TableSnapshot renamed(String newName) {
        return new TableSnapshot(newName, newName, columns, primaryKey, constraints, dependents, constraintTypes, definitions);
    }

    public TableSnapshot copy() {
        return new TableSnapshot(name, physicalName, columns, primaryKey, constraints, dependents, constraintTypes, definitions);
    }
}
