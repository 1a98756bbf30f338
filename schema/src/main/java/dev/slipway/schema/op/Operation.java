package dev.slipway.schema.op;

import java.util.List;

/**
 * One step of a migration (after pgroll's operations). {@code start} expands without disturbing the old
 * version's binary, {@code complete} contracts, {@code rollback} undoes {@code start}. {@code complete} and
 * {@code rollback} must be idempotent (IF EXISTS everywhere): after a crash they are simply run again.
 */
public interface Operation {
    /** The YAML key, e.g. {@code add_column}. */
    String kind();

    /** For messages: {@code drop_column customers.full_name}. */
    String describe();

    /**
     * This operation with what it takes from the live schema filled in (e.g. the columns a constraint it drops
     * covers). Called with the layout the operation sees at start, and with the catalog when complete, rollback or
     * resume load the migration again: what it reads is still there then.
     */
    default Operation bind(SchemaSnapshot layout) {
        return this;
    }

    /** Checks the operation against the layout left by the previous operations; no database access. */
    void validate(SchemaSnapshot schema);

    /** Changes the layout as the new version will see it (its views). Called after a successful validate. */
    void reshape(SchemaSnapshot schema);

    /** Expand. */
    void start(MigrationContext context);

    /** Runs once existing rows are backfilled, e.g. to VALIDATE a NOT VALID constraint. */
    default void afterBackfill(MigrationContext context) {
    }

    /** Contract: the old version's views are already gone. */
    void complete(MigrationContext context);

    /** Undo start: the new version's views are already gone. */
    void rollback(MigrationContext context);

    /** The SQL this operation carries besides its sync expressions, for the server to compile before start. */
    default List<SqlFragment> fragments() {
        return List.of();
    }

    /** Columns the sync trigger computes while the migration is in flight. */
    default List<SyncRule> syncRules() {
        return List.of();
    }

    /**
     * True when the operation has no expand phase (raw SQL): the schema state jumps from {N-1} to {N}, so the
     * guard must make sure every running binary already reads N.
     */
    default boolean opaque() {
        return false;
    }
}
