package dev.slipway.schema.op;

import dev.slipway.model.SpecNode;

/**
 * Renames a constraint at start (pgroll's {@code rename_constraint}). Constraint names are not part of the views:
 * both versions see the new name at once, as in pgroll; rollback renames it back.
 */
public record RenameConstraint(String table, String from, String to) implements Operation {

    public static RenameConstraint parse(SpecNode node) {
        node.allowOnly("table", "from", "to");
        return new RenameConstraint(SqlText.name(node.require("table")), SqlText.name(node.require("from")),
                SqlText.name(node.require("to")));
    }

    @Override public String kind() { return "rename_constraint"; }

    @Override public String describe() { return "rename_constraint " + table + "." + from + " to " + to; }

    @Override
    public void validate(SchemaSnapshot schema) {
        TableSnapshot target = schema.requireTable(table);
        if (!target.constraints().contains(from)) {
            throw new InvalidOperationException("constraint does not exist (constraints: "
                    + (target.constraints().isEmpty() ? "none" : String.join(", ", new java.util.TreeSet<>(target.constraints()))) + ")");
        }
        if (target.constraints().contains(to) || schema.hasIndex(to)) {
            throw new InvalidOperationException("a constraint or index named " + to + " already exists");
        }
    }

    @Override
    public void reshape(SchemaSnapshot schema) {
        schema.requireTable(table).renameConstraint(from, to);
        if (schema.hasIndex(from)) {
            // A unique or primary key constraint's index is renamed with it.
            schema.removeIndex(from);
            schema.addIndex(to);
        }
    }

    @Override
    public void start(MigrationContext context) {
        context.execute("ALTER TABLE " + context.table(table) + " RENAME CONSTRAINT " + Sql.ident(from) + " TO " + Sql.ident(to));
    }

    @Override
    public void complete(MigrationContext context) {
        // Done at start.
    }

    @Override
    public void rollback(MigrationContext context) {
        context.execute(Sql.doBlock("BEGIN IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass("
                + Sql.literal(context.table(table)) + ") AND conname = " + Sql.literal(to) + ") THEN ALTER TABLE "
                + context.table(table) + " RENAME CONSTRAINT " + Sql.ident(to) + " TO " + Sql.ident(from) + "; END IF; END"));
    }
}
