package dev.slipway.schema.op;

import dev.slipway.model.SpecNode;

import java.util.Optional;

/**
 * A column as a migration declares it: {@code {name, type, pk, nullable, default, unique, references: {table, column}}}.
 * {@code nullable} defaults to true; {@code pk: true} implies NOT NULL. {@code type}, {@code default} and
 * {@code check} are SQL, written into statements as given.
 */
public record ColumnSpec(String name, String type, boolean primaryKey, boolean nullable, String defaultValue,
                         boolean unique, Optional<Reference> references, String check) {

    /** A foreign key. */
    public record Reference(String table, String column, String onDelete) {
    }

    public static ColumnSpec parse(SpecNode node) {
        node.allowOnly("name", "type", "pk", "nullable", "default", "unique", "references", "check", "comment");
        boolean primaryKey = node.optional("pk").map(SpecNode::bool).orElse(false);
        boolean nullable = node.optional("nullable").map(SpecNode::bool).orElse(!primaryKey);
        if (primaryKey && nullable) {
            throw node.require("nullable").error("a primary key column cannot be nullable");
        }
        Optional<Reference> references = node.optional("references").map(reference -> {
            reference.allowOnly("table", "column", "on_delete");
            return new Reference(reference.require("table").nonBlankString(),
                    reference.require("column").nonBlankString(),
                    reference.optional("on_delete").map(SpecNode::nonBlankString).orElse(null));
        });
        return new ColumnSpec(node.require("name").nonBlankString(), node.require("type").nonBlankString(),
                primaryKey, nullable, node.optional("default").map(SpecNode::string).orElse(null),
                node.optional("unique").map(SpecNode::bool).orElse(false), references,
                node.optional("check").map(SpecNode::nonBlankString).orElse(null));
    }

    /** {@code "email" text NOT NULL DEFAULT ...}: the parts of a column definition safe inside any ALTER/CREATE. */
    public String definition(boolean withNotNull) {
        StringBuilder sql = new StringBuilder(Sql.ident(name)).append(' ').append(type);
        if (defaultValue != null) {
            sql.append(" DEFAULT ").append(defaultValue);
        }
        if (withNotNull && !nullable) {
            sql.append(" NOT NULL");
        }
        return sql.toString();
    }

    /** {@code REFERENCES "public"."customers" ("id")}, with its ON DELETE action. */
    public String referencesClause(String schema) {
        Reference reference = references.orElseThrow();
        return "REFERENCES " + Sql.qualified(schema, reference.table()) + " (" + Sql.ident(reference.column()) + ")"
                + (reference.onDelete() != null ? " ON DELETE " + reference.onDelete() : "");
    }

    public ColumnSnapshot snapshot() {
        return new ColumnSnapshot(name, name, type, nullable, defaultValue);
    }

    /** Checks the foreign key target exists in the layout. */
    public void validateReference(SchemaSnapshot schema) {
        references.ifPresent(reference -> {
            TableSnapshot target;
            try {
                target = schema.requireTable(reference.table());
            } catch (InvalidOperationException e) {
                throw new InvalidOperationException("column " + name + " references table " + reference.table()
                        + ", which does not exist");
            }
            if (target.column(reference.column()).isEmpty()) {
                throw new InvalidOperationException("column " + name + " references " + reference.table() + "."
                        + reference.column() + ", which does not exist (columns: " + target.columnNames() + ")");
            }
        });
    }
}
