package dev.slipway.schema.op;

import dev.slipway.model.SpecNode;

/** Drops an index on complete, CONCURRENTLY: the old version may still rely on it until then. */
public record DropIndex(String name) implements Operation {

    public static DropIndex parse(SpecNode node) {
        node.allowOnly("name", "comment");
        return new DropIndex(SqlText.name(node.require("name")));
    }

    @Override public String kind() { return "drop_index"; }

    @Override public String describe() { return "drop_index " + name; }

    @Override
    public void validate(SchemaSnapshot schema) {
        if (!schema.hasIndex(name)) {
            throw new InvalidOperationException("index does not exist (indexes: " + String.join(", ", schema.indexes()) + ")");
        }
    }

    @Override
    public void reshape(SchemaSnapshot schema) {
        schema.removeIndex(name);
    }

    @Override
    public void start(MigrationContext context) {
    }

    @Override
    public void complete(MigrationContext context) {
        context.executeConcurrently("DROP INDEX CONCURRENTLY IF EXISTS " + Sql.qualified(context.schema(), name), null);
    }

    @Override
    public void rollback(MigrationContext context) {
    }
}
