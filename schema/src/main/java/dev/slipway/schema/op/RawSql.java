package dev.slipway.schema.op;

import dev.slipway.model.SpecNode;

/**
 * Runs SQL Slipway cannot see into ({@code ALTER EXTENSION ... UPDATE}, a hand-written data fix). It has no
 * expand phase, so it is {@link #opaque()}: the state jumps from {N-1} to {N} at start, and the guard lets it run
 * only once every running binary reads N. The new version's views are built from the tables as the SQL left
 * them. {@code down} is what rollback runs; without it, rollback refuses.
 */
public record RawSql(String up, String down) implements Operation {

    public static RawSql parse(SpecNode node) {
        node.allowOnly("up", "down", "comment");
        return new RawSql(node.require("up").nonBlankString(), node.optional("down").map(SpecNode::nonBlankString).orElse(null));
    }

    @Override public String kind() { return "raw_sql"; }

    @Override public String describe() { return "raw_sql"; }

    @Override public boolean opaque() { return true; }

    @Override
    public void validate(SchemaSnapshot schema) {
        // Opaque: PostgreSQL validates it when it runs, inside start's undo-on-failure.
    }

    @Override
    public void reshape(SchemaSnapshot schema) {
        // Unknown until it runs; the engine reads the catalog afterwards.
    }

    @Override
    public void start(MigrationContext context) {
        context.execute(up);
    }

    @Override
    public void complete(MigrationContext context) {
    }

    @Override
    public void rollback(MigrationContext context) {
        if (down == null) {
            throw new IllegalStateException("raw_sql has no 'down': it cannot be rolled back; restore from a backup");
        }
        context.execute(down);
    }
}
