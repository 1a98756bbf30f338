package dev.slipway.schema.op;

import dev.slipway.model.SpecNode;

/**
 * Renames a column. The table column is renamed at start: views refer to columns by number, so the old version's
 * view keeps showing it under the old name while the new version's view shows the new one. No trigger, no
 * backfill: both names are the same storage.
 */
public record RenameColumn(String table, String from, String to) implements Operation {

    public static RenameColumn parse(SpecNode node) {
        node.allowOnly("table", "from", "to", "comment");
        return new RenameColumn(SqlText.name(node.require("table")), SqlText.name(node.require("from")),
                SqlText.name(node.require("to")));
    }

    @Override public String kind() { return "rename_column"; }

    @Override public String describe() { return "rename_column " + table + "." + from + " to " + to; }

    @Override
    public void validate(SchemaSnapshot schema) {
        TableSnapshot target = schema.requireTable(table);
        target.requireStableColumn(from);
        target.requireNoColumn(to);
    }

    @Override
    public void reshape(SchemaSnapshot schema) {
        TableSnapshot target = schema.requireTable(table);
        target.replaceColumn(from, target.requireColumn(from).renamed(to));
    }

    @Override
    public void start(MigrationContext context) {
        context.execute("ALTER TABLE " + context.table(table) + " RENAME COLUMN " + Sql.ident(from) + " TO " + Sql.ident(to));
    }

    @Override
    public void complete(MigrationContext context) {
        // Done at start.
    }

    @Override
    public void rollback(MigrationContext context) {
        context.execute(Sql.doBlock("BEGIN IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = "
                + Sql.literal(context.table(table)) + "::regclass AND attname = " + Sql.literal(to)
                + " AND NOT attisdropped) THEN ALTER TABLE " + context.table(table) + " RENAME COLUMN " + Sql.ident(to)
                + " TO " + Sql.ident(from) + "; END IF; END"));
    }
}
