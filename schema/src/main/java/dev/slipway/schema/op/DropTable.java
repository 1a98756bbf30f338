package dev.slipway.schema.op;

import dev.slipway.model.SpecNode;

/** Removes a table from the new version at start (no view) and from the database on complete. */
public record DropTable(String name) implements Operation {

    public static DropTable parse(SpecNode node) {
        node.allowOnly("name", "comment");
        return new DropTable(SqlText.name(node.require("name")));
    }

    @Override public String kind() { return "drop_table"; }

    @Override public String describe() { return "drop_table " + name; }

    @Override
    public void validate(SchemaSnapshot schema) {
        schema.requireTable(name);
    }

    @Override
    public void reshape(SchemaSnapshot schema) {
        schema.removeTable(name);
    }

    @Override
    public void start(MigrationContext context) {
        // The old version still reads and writes it.
    }

    @Override
    public void complete(MigrationContext context) {
        context.execute("DROP TABLE IF EXISTS " + context.table(name));
    }

    @Override
    public void rollback(MigrationContext context) {
    }
}
