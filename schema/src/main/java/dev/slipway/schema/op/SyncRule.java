package dev.slipway.schema.op;

/**
 * One column the sync trigger fills while a migration is in flight. {@link Direction#UP}: when an old-version
 * binary writes, {@code column} (a new-layout column) is computed from {@code expression} over the row's
 * columns; these rules are also what the backfill applies to existing rows. {@link Direction#DOWN}: when a
 * new-version binary writes, {@code column} (an old-layout column) is computed instead.
 */
public record SyncRule(String table, String column, String expression, Direction direction) {
    public enum Direction { UP, DOWN }
}
