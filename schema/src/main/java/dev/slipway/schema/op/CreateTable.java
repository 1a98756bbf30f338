package dev.slipway.schema.op;

import dev.slipway.model.SpecNode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Creates a table. Nothing reads it yet, so start does it in one statement; rollback drops it. */
public record CreateTable(String name, List<ColumnSpec> columns) implements Operation {

    public static CreateTable parse(SpecNode node) {
        node.allowOnly("name", "columns", "comment");
        List<ColumnSpec> columns = new ArrayList<>();
        SpecNode list = node.require("columns");
        for (SpecNode column : list.items()) {
            columns.add(ColumnSpec.parse(column));
        }
        if (columns.isEmpty()) {
            throw list.error("a table needs at least one column");
        }
        return new CreateTable(node.require("name").nonBlankString(), List.copyOf(columns));
    }

    @Override public String kind() { return "create_table"; }

    @Override public String describe() { return "create_table " + name; }

    @Override
    public void validate(SchemaSnapshot schema) {
        schema.requireNoTable(name);
        Set<String> seen = new HashSet<>();
        for (ColumnSpec column : columns) {
            if (!seen.add(column.name())) {
                throw new InvalidOperationException("column " + column.name() + " is declared twice");
            }
        }
        // A table may reference itself: validate references against a layout that already holds it.
        SchemaSnapshot withTable = schema.copy();
        reshape(withTable);
        columns.forEach(column -> column.validateReference(withTable));
    }

    @Override
    public void reshape(SchemaSnapshot schema) {
        schema.putTable(new TableSnapshot(name, name, columns.stream().map(ColumnSpec::snapshot).toList(),
                primaryKey(), Set.of()));
    }

    private List<String> primaryKey() {
        return columns.stream().filter(ColumnSpec::primaryKey).map(ColumnSpec::name).toList();
    }

    @Override
    public void start(MigrationContext context) {
        List<String> parts = new ArrayList<>();
        for (ColumnSpec column : columns) {
            StringBuilder definition = new StringBuilder(column.definition(true));
            if (column.unique()) definition.append(" UNIQUE");
            if (column.check() != null) definition.append(" CHECK (").append(column.check()).append(')');
            if (column.references().isPresent()) definition.append(' ').append(column.referencesClause(context.schema()));
            parts.add(definition.toString());
        }
        if (!primaryKey().isEmpty()) {
            parts.add("PRIMARY KEY (" + Sql.identList(primaryKey()) + ")");
        }
        context.execute("CREATE TABLE " + context.table(name) + " (" + String.join(", ", parts) + ")");
    }

    @Override
    public void complete(MigrationContext context) {
        // Nothing to contract: the table only gained a view in the new version.
    }

    @Override
    public void rollback(MigrationContext context) {
        context.execute("DROP TABLE IF EXISTS " + context.table(name));
    }
}
