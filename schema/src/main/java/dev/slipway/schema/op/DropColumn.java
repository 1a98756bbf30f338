package dev.slipway.schema.op;

import dev.slipway.model.SpecNode;

import java.util.List;

/**
 * Drops a column from the new version's views at start and from the table on complete. While both versions run,
 * rows the new binary writes get the old column from {@code down}, so the old binary keeps reading it (and a
 * NOT NULL column keeps its constraint satisfied).
 */
public record DropColumn(String table, String column, String down) implements Operation {

    public static DropColumn parse(SpecNode node) {
        node.allowOnly("table", "column", "down", "comment");
        return new DropColumn(SqlText.name(node.require("table")), SqlText.name(node.require("column")),
                node.optional("down").map(SqlText::expression).orElse(null));
    }

    @Override public String kind() { return "drop_column"; }

    @Override public String describe() { return "drop_column " + table + "." + column; }

    @Override
    public void validate(SchemaSnapshot schema) {
        TableSnapshot target = schema.requireTable(table);
        ColumnSnapshot existing = target.requireStableColumn(column);
        if (target.primaryKey().contains(column)) {
            throw new InvalidOperationException("cannot drop a primary key column");
        }
        if (!existing.nullable() && existing.defaultValue() == null && down == null) {
            throw new InvalidOperationException("the column is NOT NULL without a default: give 'down' so rows"
                    + " the new version inserts can fill it for the old version");
        }
    }

    @Override
    public void reshape(SchemaSnapshot schema) {
        schema.requireTable(table).removeColumn(column);
    }

    @Override
    public void start(MigrationContext context) {
        // Nothing physical: the new version's views leave the column out.
    }

    @Override
    public void complete(MigrationContext context) {
        context.execute("ALTER TABLE IF EXISTS " + context.table(table) + " DROP COLUMN IF EXISTS " + Sql.ident(column));
    }

    @Override
    public void rollback(MigrationContext context) {
        // Nothing to undo: the column was never touched.
    }

    @Override
    public List<SyncRule> syncRules() {
        return down == null ? List.of() : List.of(new SyncRule(table, column, down, SyncRule.Direction.DOWN));
    }
}
