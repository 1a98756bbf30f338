package dev.slipway.schema.op;

import dev.slipway.model.SpecNode;

/**
 * Drops a unique, check, foreign key or exclusion constraint on complete, inside the engine's one contract
 * transaction. Until then both versions are still held to it: the old binary may rely on it (a unique lookup, a
 * join it trusts), so the relaxation only takes effect once the old version is gone. A new binary that must
 * write values the constraint forbids while the old one still runs needs the column duplicated instead
 * (pgroll's approach): not supported yet. A primary key cannot be dropped this way.
 */
public record DropConstraint(String table, String name) implements Operation {

    public static DropConstraint parse(SpecNode node) {
        node.allowOnly("table", "name", "comment");
        return new DropConstraint(node.require("table").nonBlankString(), node.require("name").nonBlankString());
    }

    @Override public String kind() { return "drop_constraint"; }

    @Override public String describe() { return "drop_constraint " + table + "." + name; }

    @Override
    public void validate(SchemaSnapshot schema) {
        TableSnapshot target = schema.requireTable(table);
        if (!target.constraints().contains(name)) {
            throw new InvalidOperationException("constraint does not exist (constraints: "
                    + (target.constraints().isEmpty() ? "none" : String.join(", ", new java.util.TreeSet<>(target.constraints()))) + ")");
        }
        if (target.constraintType(name).filter(type -> type == 'p').isPresent()) {
            throw new InvalidOperationException("cannot drop the primary key");
        }
        if (target.constraintType(name).isEmpty()) {
            throw new InvalidOperationException("the constraint is created by this migration; drop it in a later one");
        }
    }

    @Override
    public void reshape(SchemaSnapshot schema) {
        schema.requireTable(table).removeConstraint(name);
        // A unique constraint's index goes with it.
        schema.removeIndex(name);
    }

    @Override
    public void start(MigrationContext context) {
        // Nothing: the old version may still rely on the constraint.
    }

    @Override
    public void complete(MigrationContext context) {
        context.execute("ALTER TABLE IF EXISTS " + context.table(table) + " DROP CONSTRAINT IF EXISTS " + Sql.ident(name));
    }

    @Override
    public void rollback(MigrationContext context) {
        // Nothing was changed.
    }
}
