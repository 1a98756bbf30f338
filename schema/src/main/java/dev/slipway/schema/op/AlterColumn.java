package dev.slipway.schema.op;

import dev.slipway.model.SpecNode;

import java.util.List;

/**
 * Alters a column. Implemented so far: {@code nullable: false} (SET NOT NULL) without an ACCESS EXCLUSIVE scan:
 * start adds {@code CHECK (col IS NOT NULL) NOT VALID} (new writes are checked at once), the optional {@code up}
 * (e.g. {@code COALESCE(email, 'unknown')}) fills NULLs the old version writes and, through the backfill, the
 * existing ones; the check is then VALIDATEd while writes go on, and complete turns it into NOT NULL, which
 * PostgreSQL 12+ accepts from the valid check without scanning again.
 */
public record AlterColumn(String table, String column, Boolean nullable, String type, String up, String down)
        implements Operation {

    public static AlterColumn parse(SpecNode node) {
        node.allowOnly("table", "column", "nullable", "type", "up", "down", "comment");
        AlterColumn alter = new AlterColumn(node.require("table").nonBlankString(), node.require("column").nonBlankString(),
                node.optional("nullable").map(SpecNode::bool).orElse(null),
                node.optional("type").map(SpecNode::nonBlankString).orElse(null),
                node.optional("up").map(SpecNode::nonBlankString).orElse(null),
                node.optional("down").map(SpecNode::nonBlankString).orElse(null));
        if (alter.type != null) {
            throw node.require("type").error("changing a column's type is not supported yet;"
                    + " add a new column with 'up', then drop the old one with 'down'");
        }
        if (!Boolean.FALSE.equals(alter.nullable)) {
            throw node.error("only 'nullable: false' (SET NOT NULL) is supported so far");
        }
        return alter;
    }

    @Override public String kind() { return "alter_column"; }

    @Override public String describe() { return "alter_column " + table + "." + column; }

    String notNullConstraint() {
        return Sql.generatedName(table, column, "not_null");
    }

    @Override
    public void validate(SchemaSnapshot schema) {
        TableSnapshot target = schema.requireTable(table);
        if (!target.requireColumn(column).nullable()) {
            throw new InvalidOperationException("column is already NOT NULL");
        }
    }

    @Override
    public void reshape(SchemaSnapshot schema) {
        TableSnapshot target = schema.requireTable(table);
        ColumnSnapshot existing = target.requireColumn(column);
        target.replaceColumn(column, new ColumnSnapshot(existing.name(), existing.physicalName(), existing.type(), false,
                existing.defaultValue()));
    }

    @Override
    public void start(MigrationContext context) {
        context.execute("ALTER TABLE " + context.table(table) + " ADD CONSTRAINT " + Sql.ident(notNullConstraint())
                + " CHECK (" + Sql.ident(column) + " IS NOT NULL) NOT VALID");
    }

    @Override
    public void afterBackfill(MigrationContext context) {
        context.execute("ALTER TABLE " + context.table(table) + " VALIDATE CONSTRAINT " + Sql.ident(notNullConstraint()));
    }

    @Override
    public void complete(MigrationContext context) {
        context.execute("ALTER TABLE " + context.table(table) + " ALTER COLUMN " + Sql.ident(column) + " SET NOT NULL",
                "ALTER TABLE " + context.table(table) + " DROP CONSTRAINT IF EXISTS " + Sql.ident(notNullConstraint()));
    }

    @Override
    public void rollback(MigrationContext context) {
        // Values 'up' filled in stay: they are valid for the old version too.
        context.execute("ALTER TABLE IF EXISTS " + context.table(table) + " DROP CONSTRAINT IF EXISTS " + Sql.ident(notNullConstraint()));
    }

    @Override
    public List<SyncRule> syncRules() {
        return up == null ? List.of() : List.of(new SyncRule(table, column, up, SyncRule.Direction.UP));
    }
}
