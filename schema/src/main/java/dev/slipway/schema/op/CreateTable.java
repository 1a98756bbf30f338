package dev.slipway.schema.op;

import dev.slipway.model.SpecNode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Creates a table, with its table constraints ({@code constraints}: unique, check, primary key, foreign key,
 * exclusion) and comments. Nothing reads it yet, so start does it in one transaction; rollback drops it.
 */
public record CreateTable(String name, List<ColumnSpec> columns, List<TableConstraint> constraints, String comment)
        implements Operation {

    public static CreateTable parse(SpecNode node, Dialect dialect) {
        node.allowOnly("name", "columns", "constraints", "comment");
        List<ColumnSpec> columns = new ArrayList<>();
        SpecNode list = node.require("columns");
        for (SpecNode column : list.items()) {
            columns.add(ColumnSpec.parse(column, dialect));
        }
        if (columns.isEmpty()) {
            throw list.error("a table needs at least one column");
        }
        List<TableConstraint> constraints = node.optional("constraints")
                .map(items -> items.items().stream().map(TableConstraint::parse).toList()).orElse(List.of());
        boolean keyInColumns = columns.stream().anyMatch(ColumnSpec::primaryKey);
        long keyConstraints = constraints.stream().filter(constraint -> constraint.type().equals("primary_key")).count();
        if (keyConstraints > 1 || (keyConstraints == 1 && keyInColumns)) {
            throw node.require("constraints").error("a table has one primary key: give it with 'pk' on its columns"
                    + " or as one primary_key constraint, not both");
        }
        return new CreateTable(SqlText.name(node.require("name")), List.copyOf(columns), constraints,
                node.optional("comment").map(SpecNode::string).orElse(null));
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
        Set<String> constraintNames = new HashSet<>();
        for (TableConstraint constraint : constraints) {
            if (!constraintNames.add(constraint.name()) || schema.hasIndex(constraint.name())) {
                throw new InvalidOperationException("constraint " + constraint.name() + " is declared twice or names an"
                        + " existing index");
            }
            for (String column : constraint.namedColumns()) {
                if (!seen.contains(column)) {
                    throw new InvalidOperationException("constraint " + constraint.name() + " names column " + column
                            + ", which the table does not have");
                }
            }
        }
        // A table may reference itself: validate references against a layout that already holds it.
        SchemaSnapshot withTable = schema.copy();
        reshape(withTable);
        columns.forEach(column -> column.validateReference(withTable));
        for (TableConstraint constraint : constraints) {
            if (constraint.references() != null) {
                ForeignKeys.requireTarget(withTable, "constraint " + constraint.name(), constraint.references().table(),
                        constraint.references().columns());
            }
        }
    }

    @Override
    public void reshape(SchemaSnapshot schema) {
        List<String> primaryKey = primaryKey();
        List<ColumnSnapshot> snapshots = columns.stream().map(column -> primaryKey.contains(column.name())
                ? new ColumnSnapshot(column.name(), column.name(), column.type(), false, column.defaultValue())
                : column.snapshot()).toList();
        Set<String> names = new LinkedHashSet<>();
        constraints.forEach(constraint -> names.add(constraint.name()));
        columns.forEach(column -> {
            column.check().map(ColumnSpec.Check::name).ifPresent(names::add);
            column.references().map(ColumnSpec.Reference::name).ifPresent(names::add);
        });
        names.remove(null);
        schema.putTable(new TableSnapshot(name, name, snapshots, primaryKey, names));
        constraints.stream().filter(constraint -> constraint.type().equals("unique") || constraint.type().equals("primary_key")
                || constraint.type().equals("exclude")).forEach(constraint -> schema.addIndex(constraint.name()));
    }

    private List<String> primaryKey() {
        List<String> fromColumns = columns.stream().filter(ColumnSpec::primaryKey).map(ColumnSpec::name).toList();
        if (!fromColumns.isEmpty()) return fromColumns;
        return constraints.stream().filter(constraint -> constraint.type().equals("primary_key"))
                .map(TableConstraint::columns).findFirst().orElse(List.of());
    }

    @Override
    public void start(MigrationContext context) {
        List<String> parts = new ArrayList<>();
        for (ColumnSpec column : columns) {
            StringBuilder definition = new StringBuilder(column.definition(true));
            if (column.unique()) definition.append(" UNIQUE");
            column.check().ifPresent(check -> definition.append(check.name() != null
                    ? " CONSTRAINT " + Sql.ident(check.name()) + " " : " ").append(check.clause()));
            column.references().ifPresent(reference -> definition.append(reference.name() != null
                    ? " CONSTRAINT " + Sql.ident(reference.name()) + " " : " ").append(reference.clause(context.schema())));
            parts.add(definition.toString());
        }
        if (columns.stream().anyMatch(ColumnSpec::primaryKey)) {
            parts.add("PRIMARY KEY (" + Sql.identList(primaryKey()) + ")");
        }
        constraints.forEach(constraint -> parts.add(constraint.definition(context.schema())));
        List<String> statements = new ArrayList<>();
        statements.add("CREATE TABLE " + context.table(name) + " (" + String.join(", ", parts) + ")");
        if (comment != null) {
            statements.add("COMMENT ON TABLE " + context.table(name) + " IS " + Sql.literal(comment));
        }
        for (ColumnSpec column : columns) {
            if (column.comment() != null) {
                statements.add("COMMENT ON COLUMN " + context.table(name) + "." + Sql.ident(column.name()) + " IS "
                        + Sql.literal(column.comment()));
            }
        }
        context.execute(statements.toArray(String[]::new));
    }

    @Override
    public void complete(MigrationContext context) {
        // Nothing to contract: the table only gained a view in the new version.
    }

    @Override
    public void rollback(MigrationContext context) {
        context.execute("DROP TABLE IF EXISTS " + context.table(name));
    }

    @Override
    public List<SqlFragment> fragments() {
        List<SqlFragment> fragments = new ArrayList<>();
        columns.forEach(column -> fragments.addAll(SqlFragment.ofColumn(name, column)));
        constraints.stream().filter(constraint -> constraint.check() != null)
                .forEach(constraint -> fragments.add(SqlFragment.condition(name, "check of " + constraint.name(), constraint.check())));
        return fragments;
    }
}
