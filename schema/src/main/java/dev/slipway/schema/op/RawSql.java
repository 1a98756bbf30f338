package dev.slipway.schema.op;

import dev.slipway.model.SpecNode;

/**
 * Runs SQL Slipway cannot see into ({@code ALTER EXTENSION ... UPDATE}, a hand-written data fix): Slipway's
 * {@code raw_sql}, pgroll's {@code sql}. It has no expand phase, so it is {@link #opaque()}: the state jumps from
 * {N-1} to {N} at start, and the guard lets it run only once every running binary reads N. The new version's views
 * are built from the tables as the SQL left them. {@code down} is what rollback runs; without it, rollback refuses.
 * <p>
 * With {@code onComplete: true} (pgroll) the SQL runs on complete instead, inside the contract transaction, once only
 * the new version is read; it is then not opaque and may share its migration with other operations. It has no
 * {@code down}: nothing runs it back after complete.
 */
public record RawSql(String kind, String up, String down, boolean onComplete) implements Operation {

    public static RawSql parse(String kind, SpecNode node) {
        node.allowOnly("up", "down", "onComplete", "comment");
        boolean onComplete = node.optional("onComplete").map(SpecNode::bool).orElse(false);
        String down = node.optional("down").map(SpecNode::nonBlankString).orElse(null);
        if (onComplete && down != null) {
            throw node.require("down").error("'down' cannot go with 'onComplete: true': nothing runs SQL back after complete");
        }
        return new RawSql(kind, node.require("up").nonBlankString(), down, onComplete);
    }

    @Override public String describe() { return kind + (onComplete ? " (on complete)" : ""); }

    @Override public boolean opaque() { return !onComplete; }

    @Override
    public void validate(SchemaSnapshot schema) {
        // Opaque: PostgreSQL validates it when it runs, inside start's undo-on-failure (or complete's transaction).
    }

    @Override
    public void reshape(SchemaSnapshot schema) {
        // Unknown until it runs; the engine reads the catalog afterwards.
    }

    @Override
    public void start(MigrationContext context) {
        if (!onComplete) context.execute(up);
    }

    @Override
    public void complete(MigrationContext context) {
        if (onComplete) context.execute(up);
    }

    @Override
    public void rollback(MigrationContext context) {
        if (onComplete) return;
        if (down == null) {
            throw new IllegalStateException(kind + " has no 'down': it cannot be rolled back; restore from a backup");
        }
        context.execute(down);
    }
}
