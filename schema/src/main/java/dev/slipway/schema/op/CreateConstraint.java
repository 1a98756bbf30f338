package dev.slipway.schema.op;

import dev.slipway.model.SpecNode;

import java.util.List;

/**
 * Adds a {@code check}, {@code unique} or {@code foreign_key} constraint without a long lock: checks and foreign
 * keys are added NOT VALID at start (enforced for new writes at once) and VALIDATEd after the backfill while
 * writes go on; a unique constraint is built as a unique index CONCURRENTLY at start and attached with
 * {@code ADD CONSTRAINT ... UNIQUE USING INDEX} on complete.
 * <p>
 * The constraint holds for both versions from start: an old-version write that violates it is rejected. NOT
 * VALID only spares the rows already there (until VALIDATE, which fails start, undone, if one violates it).
 * When old writers must keep succeeding while their values are mapped into the new rule, use
 * {@code alter_column} with {@code check}/{@code unique}/{@code references} and an {@code up}: it puts the
 * constraint on a duplicate column that the old version fills through {@code up}.
 */
public record CreateConstraint(String table, String name, String type, List<String> columns, String check,
                               String referencedTable, List<String> referencedColumns, String onDelete) implements Operation {

    public static CreateConstraint parse(SpecNode node) {
        node.allowOnly("table", "name", "type", "columns", "check", "references", "comment");
        SpecNode typeNode = node.require("type");
        String type = typeNode.nonBlankString();
        List<String> columns = node.optional("columns")
                .map(list -> list.items().stream().map(SpecNode::nonBlankString).toList()).orElse(List.of());
        String check = node.optional("check").map(SpecNode::nonBlankString).orElse(null);
        String referencedTable = null;
        List<String> referencedColumns = List.of();
        String onDelete = null;
        switch (type) {
            case "check" -> {
                if (check == null) throw node.error("missing required field 'check'");
            }
            case "unique" -> {
                if (columns.isEmpty()) throw node.error("missing required field 'columns'");
            }
            case "foreign_key" -> {
                if (columns.isEmpty()) throw node.error("missing required field 'columns'");
                SpecNode references = node.require("references");
                references.allowOnly("table", "columns", "on_delete");
                referencedTable = references.require("table").nonBlankString();
                referencedColumns = references.require("columns").items().stream().map(SpecNode::nonBlankString).toList();
                onDelete = references.optional("on_delete").map(SpecNode::nonBlankString).orElse(null);
                if (referencedColumns.size() != columns.size()) {
                    throw references.error("references " + referencedColumns.size() + " columns for " + columns.size());
                }
            }
            default -> throw typeNode.error("'" + type + "' is not a constraint type; expected one of [check, foreign_key, unique]");
        }
        return new CreateConstraint(node.require("table").nonBlankString(), node.require("name").nonBlankString(), type,
                columns, check, referencedTable, referencedColumns, onDelete);
    }

    @Override public String kind() { return "create_constraint"; }

    @Override public String describe() { return "create_constraint " + table + "." + name; }

    @Override
    public void validate(SchemaSnapshot schema) {
        TableSnapshot target = schema.requireTable(table);
        if (target.constraints().contains(name) || schema.hasIndex(name)) {
            throw new InvalidOperationException("a constraint or index with this name already exists");
        }
        columns.forEach(target::requireColumn);
        if (referencedTable != null) {
            TableSnapshot referenced;
            try {
                referenced = schema.requireTable(referencedTable);
            } catch (InvalidOperationException e) {
                throw new InvalidOperationException("referenced table " + referencedTable + " does not exist");
            }
            referencedColumns.forEach(referenced::requireColumn);
        }
    }

    @Override
    public void reshape(SchemaSnapshot schema) {
        schema.requireTable(table).addConstraint(name);
        if (type.equals("unique")) schema.addIndex(name);
    }

    @Override
    public void start(MigrationContext context) {
        String tableName = context.table(table);
        switch (type) {
            case "check" -> context.execute("ALTER TABLE " + tableName + " ADD CONSTRAINT " + Sql.ident(name)
                    + " CHECK (" + check + ") NOT VALID");
            case "foreign_key" -> context.execute("ALTER TABLE " + tableName + " ADD CONSTRAINT " + Sql.ident(name)
                    + " FOREIGN KEY (" + Sql.identList(columns) + ") REFERENCES " + context.table(referencedTable)
                    + " (" + Sql.identList(referencedColumns) + ")" + (onDelete != null ? " ON DELETE " + onDelete : "")
                    + " NOT VALID");
            default -> context.executeConcurrently("CREATE UNIQUE INDEX CONCURRENTLY " + Sql.ident(name) + " ON "
                    + tableName + " (" + Sql.identList(columns) + ")", dropIndex(context));
        }
    }

    private String dropIndex(MigrationContext context) {
        return "DROP INDEX CONCURRENTLY IF EXISTS " + Sql.qualified(context.schema(), name);
    }

    @Override
    public void afterBackfill(MigrationContext context) {
        if (!type.equals("unique")) {
            context.execute("ALTER TABLE " + context.table(table) + " VALIDATE CONSTRAINT " + Sql.ident(name));
        }
    }

    @Override
    public void complete(MigrationContext context) {
        if (type.equals("unique")) {
            // Attaching a ready index only touches the catalog.
            context.execute(Sql.doBlock("BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = "
                    + Sql.literal(context.table(table)) + "::regclass AND conname = " + Sql.literal(name)
                    + ") THEN ALTER TABLE " + context.table(table) + " ADD CONSTRAINT " + Sql.ident(name)
                    + " UNIQUE USING INDEX " + Sql.ident(name) + "; END IF; END"));
        }
    }

    @Override
    public void rollback(MigrationContext context) {
        context.execute("ALTER TABLE IF EXISTS " + context.table(table) + " DROP CONSTRAINT IF EXISTS " + Sql.ident(name));
        if (type.equals("unique")) {
            context.executeConcurrently(dropIndex(context), null);
        }
    }
}
