package dev.slipway.schema.op;

/**
 * One column the sync trigger fills while a migration is in flight. {@link Direction#UP}: when an old-version
 * binary writes, {@code column} (a new-layout column) is computed from {@code expression} over the row's
 * columns; these rules are also what the backfill applies to existing rows. {@link Direction#DOWN}: when a
 * new-version binary writes, {@code column} (an old-layout column) is computed instead.
 * <p>
 * {@code needsBaseSchema}: the expression is one Slipway wrote that names an object of the base schema unqualified
 * (a serial or identity column's {@code nextval('<sequence>'::text)}), so the trigger must run it with the base
 * schema's search path. For an expression the migration wrote, start finds that out itself.
 */
public record SyncRule(String table, String column, String expression, Direction direction, boolean needsBaseSchema) {
    public enum Direction { UP, DOWN }

    /** A rule from the migration's own expression (or one naming only the row's columns). */
    public SyncRule(String table, String column, String expression, Direction direction) {
        this(table, column, expression, direction, false);
    }
}
