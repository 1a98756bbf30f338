package dev.slipway.schema.op;

/**
 * Whose spelling a migration file follows. The two formats share most of their spellings; where one value means
 * different things, the dialect decides. Today that is one default: a column without {@code nullable} is nullable in
 * Slipway's files and NOT NULL in pgroll's. See {@code MigrationFile} for how a file's dialect is recognised.
 */
public enum Dialect {
    SLIPWAY,
    PGROLL;

    /** Whether a column that does not say {@code nullable} (and is no primary key) accepts NULL. */
    public boolean nullableByDefault() {
        return this == SLIPWAY;
    }
}
