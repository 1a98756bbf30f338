package dev.slipway.schema.op;

import dev.slipway.model.SpecNode;

import java.util.List;

/**
 * Builds an index with CREATE INDEX CONCURRENTLY at start (writes continue; a failed build's INVALID leftover is
 * dropped). Indexes are invisible to views, so both versions simply benefit.
 */
public record CreateIndex(String name, String table, List<String> columns, boolean unique, String method,
                          String predicate) implements Operation {

    public static CreateIndex parse(SpecNode node) {
        node.allowOnly("name", "table", "columns", "unique", "method", "predicate", "comment");
        List<String> columns = node.require("columns").items().stream().map(SpecNode::nonBlankString).toList();
        if (columns.isEmpty()) throw node.require("columns").error("an index needs at least one column");
        return new CreateIndex(node.require("name").nonBlankString(), node.require("table").nonBlankString(), columns,
                node.optional("unique").map(SpecNode::bool).orElse(false),
                node.optional("method").map(SpecNode::nonBlankString).orElse(null),
                node.optional("predicate").map(SpecNode::nonBlankString).orElse(null));
    }

    @Override public String kind() { return "create_index"; }

    @Override public String describe() { return "create_index " + name; }

    @Override
    public void validate(SchemaSnapshot schema) {
        if (schema.hasIndex(name)) throw new InvalidOperationException("index already exists");
        TableSnapshot target = schema.requireTable(table);
        columns.forEach(target::requireColumn);
    }

    @Override
    public void reshape(SchemaSnapshot schema) {
        schema.addIndex(name);
    }

    @Override
    public void start(MigrationContext context) {
        context.executeConcurrently("CREATE " + (unique ? "UNIQUE " : "") + "INDEX CONCURRENTLY " + Sql.ident(name)
                        + " ON " + context.table(table) + (method != null ? " USING " + method : "")
                        + " (" + Sql.identList(columns) + ")" + (predicate != null ? " WHERE " + predicate : ""),
                drop(context));
    }

    private String drop(MigrationContext context) {
        return "DROP INDEX CONCURRENTLY IF EXISTS " + Sql.qualified(context.schema(), name);
    }

    @Override
    public void complete(MigrationContext context) {
    }

    @Override
    public void rollback(MigrationContext context) {
        context.executeConcurrently(drop(context), null);
    }
}
