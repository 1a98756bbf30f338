package dev.slipway.schema.op;

import dev.slipway.model.SpecNode;

/**
 * Renames a table at start. Views refer to tables by OID, so the old version's view keeps its name and keeps
 * working; the new version's view carries the new name.
 */
public record RenameTable(String from, String to) implements Operation {

    public static RenameTable parse(SpecNode node) {
        node.allowOnly("from", "to", "comment");
        return new RenameTable(SqlText.name(node.require("from")), SqlText.name(node.require("to")));
    }

    @Override public String kind() { return "rename_table"; }

    @Override public String describe() { return "rename_table " + from + " to " + to; }

    @Override
    public void validate(SchemaSnapshot schema) {
        schema.requireTable(from);
        schema.requireNoTable(to);
    }

    @Override
    public void reshape(SchemaSnapshot schema) {
        schema.renameTable(from, to);
    }

    @Override
    public void start(MigrationContext context) {
        context.execute("ALTER TABLE " + context.table(from) + " RENAME TO " + Sql.ident(to));
    }

    @Override
    public void complete(MigrationContext context) {
    }

    @Override
    public void rollback(MigrationContext context) {
        context.execute(Sql.doBlock("BEGIN IF to_regclass(" + Sql.literal(context.table(to)) + ") IS NOT NULL"
                + " AND to_regclass(" + Sql.literal(context.table(from)) + ") IS NULL THEN ALTER TABLE "
                + context.table(to) + " RENAME TO " + Sql.ident(from) + "; END IF; END"));
    }
}
