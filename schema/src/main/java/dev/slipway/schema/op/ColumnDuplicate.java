package dev.slipway.schema.op;

import java.util.ArrayList;
import java.util.List;

/**
 * One column doubled while a migration is in flight (pgroll's way of changing a column both versions use): start
 * adds {@code _slipway_new_<column>} with the new type, default and constraints; the sync trigger fills it from
 * {@code up} when the old version writes (and the backfill fills existing rows) and fills the old column from
 * {@code down} when the new version writes; the new version's view shows the duplicate under the real name.
 * Complete drops the old column and renames the duplicate; rollback drops the duplicate. Used by
 * {@link AlterColumn}, and by {@link CreateConstraint} and {@link DropConstraint} when they carry {@code up}/{@code down}.
 * <p>
 * The old column goes on complete, and with it every index and constraint on it: {@link DependentCopies} copies them
 * onto the duplicate at start, and complete gives the copies their original names.
 */
record ColumnDuplicate(String table, String column, String up, String down) {

    /** The physical column holding the new representation while the migration is in flight. */
    static final String TEMPORARY_PREFIX = "_slipway_new_";

    String temporary() {
        return Sql.generatedName(TEMPORARY_PREFIX + column);
    }

    String notNullConstraint() {
        return Sql.generatedName(table, column, "not_null");
    }

    /** Checks the column can be doubled; returns it as the old version sees it. */
    ColumnSnapshot validate(TableSnapshot target) {
        ColumnSnapshot existing = target.requireStableColumn(column);
        if (target.primaryKey().contains(column)) {
            throw new InvalidOperationException("cannot change the primary key column " + column + " this way; add a new"
                    + " column and move the key in steps");
        }
        return existing;
    }

    /** The new version's view shows the duplicate under the column's name. */
    void reshape(TableSnapshot target, String type, boolean nullable, String defaultValue) {
        target.replaceColumn(column, new ColumnSnapshot(column, temporary(), type, nullable, defaultValue));
    }

    /**
     * Adds the duplicate. No DEFAULT in ADD COLUMN: a volatile one would rewrite the table under an exclusive lock;
     * existing rows get their value from {@code up} in the backfill anyway.
     */
    List<String> addStatements(String tableName, String type, String defaultValue, boolean notNull) {
        String temporary = Sql.ident(temporary());
        List<String> statements = new ArrayList<>();
        statements.add("ALTER TABLE " + tableName + " ADD COLUMN " + temporary + " " + type);
        if (defaultValue != null) {
            statements.add("ALTER TABLE " + tableName + " ALTER COLUMN " + temporary + " SET DEFAULT " + defaultValue);
        }
        if (notNull) {
            statements.add("ALTER TABLE " + tableName + " ADD CONSTRAINT " + Sql.ident(notNullConstraint())
                    + " CHECK (" + temporary + " IS NOT NULL) NOT VALID");
        }
        return statements;
    }

    /**
     * The contract step, guarded by the duplicate's existence so running complete again after it committed changes
     * nothing: drop the old column, rename the duplicate, turn the validated not-null check into NOT NULL (without a
     * scan, PostgreSQL 12+), give the {@link DependentCopies} that cover no duplicate any more their original names
     * (a copy covering two duplicates of one operation waits for the second), then {@code after} (e.g. attaching a
     * unique index).
     */
    String completeBlock(String tableName, List<String> after) {
        StringBuilder block = new StringBuilder("DECLARE copy record; BEGIN IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = ")
                .append(Sql.literal(tableName)).append("::regclass AND attname = ").append(Sql.literal(temporary()))
                .append(" AND NOT attisdropped) THEN\n")
                .append("  ALTER TABLE ").append(tableName).append(" DROP COLUMN ").append(Sql.ident(column)).append(";\n")
                .append("  ALTER TABLE ").append(tableName).append(" RENAME COLUMN ").append(Sql.ident(temporary()))
                .append(" TO ").append(Sql.ident(column)).append(";\n")
                .append("  IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = ").append(Sql.literal(tableName))
                .append("::regclass AND conname = ").append(Sql.literal(notNullConstraint())).append(") THEN\n")
                .append("    ALTER TABLE ").append(tableName).append(" ALTER COLUMN ").append(Sql.ident(column)).append(" SET NOT NULL;\n")
                .append("    ALTER TABLE ").append(tableName).append(" DROP CONSTRAINT ").append(Sql.ident(notNullConstraint())).append(";\n")
                .append("  END IF;\n")
                .append(renameCopies(tableName));
        after.forEach(statement -> block.append("  ").append(statement).append(";\n"));
        block.append("END IF; END");
        return Sql.doBlock(block.toString());
    }

    /**
     * PL/pgSQL renaming the copies on the table that no longer refer to a {@code _slipway_new_} column: an index
     * copy back to its name, a unique index copy attached as the unique constraint it stands for (PostgreSQL renames
     * the index to the constraint's name), a check or foreign key copy back to its name. The original names are the
     * copies' names without the prefix, so complete needs nothing but the catalog.
     */
    private static String renameCopies(String tableName) {
        String table = Sql.literal(tableName) + "::regclass";
        String noDuplicate = " AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = " + table
                + " AND a.attnum = %s AND starts_with(a.attname::text, " + Sql.literal(TEMPORARY_PREFIX) + "))";
        String indexColumns = "ANY (SELECT d.refobjsubid FROM pg_depend d WHERE d.classid = 'pg_class'::regclass"
                + " AND d.objid = i.oid AND d.refobjid = " + table + ")";
        int prefix = Dependent.COPY_PREFIX.length() + 1;
        int keyPrefix = Dependent.KEY_COPY_PREFIX.length() + 1;
        return "  FOR copy IN SELECT i.relname::text AS name, n.nspname::text AS schema FROM pg_index x"
                + " JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_namespace n ON n.oid = i.relnamespace"
                + " WHERE x.indrelid = " + table + " AND (starts_with(i.relname::text, " + Sql.literal(Dependent.COPY_PREFIX)
                + ") OR starts_with(i.relname::text, " + Sql.literal(Dependent.KEY_COPY_PREFIX) + "))"
                + noDuplicate.formatted(indexColumns) + " LOOP\n"
                + "    IF starts_with(copy.name, " + Sql.literal(Dependent.KEY_COPY_PREFIX) + ") THEN\n"
                + "      EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I UNIQUE USING INDEX %I', " + Sql.literal(tableName)
                + ", substr(copy.name, " + keyPrefix + "), copy.name);\n"
                + "    ELSE\n"
                + "      EXECUTE format('ALTER INDEX %I.%I RENAME TO %I', copy.schema, copy.name, substr(copy.name, " + prefix + "));\n"
                + "    END IF;\n"
                + "  END LOOP;\n"
                + "  FOR copy IN SELECT c.conname::text AS name FROM pg_constraint c WHERE c.conrelid = " + table
                + " AND c.contype IN ('c', 'f') AND starts_with(c.conname::text, " + Sql.literal(Dependent.COPY_PREFIX) + ")"
                + noDuplicate.formatted("ANY (c.conkey)") + " LOOP\n"
                + "    EXECUTE format('ALTER TABLE %s RENAME CONSTRAINT %I TO %I', " + Sql.literal(tableName)
                + ", copy.name, substr(copy.name, " + prefix + "));\n"
                + "  END LOOP;\n";
    }

    /**
     * After the backfill: VALIDATE the check and foreign key copies on the table (catalog-driven, so it needs no
     * layout), while writes go on.
     */
    static String validateCopies(String tableName) {
        return Sql.doBlock("DECLARE copy record; BEGIN FOR copy IN SELECT conname::text AS name FROM pg_constraint"
                + " WHERE conrelid = " + Sql.literal(tableName) + "::regclass AND NOT convalidated AND starts_with(conname::text, "
                + Sql.literal(Dependent.COPY_PREFIX) + ") LOOP EXECUTE format('ALTER TABLE %s VALIDATE CONSTRAINT %I', "
                + Sql.literal(tableName) + ", copy.name); END LOOP; END");
    }

    /** Undo: the duplicate takes its constraints and index with it; the old column was never touched. */
    String rollbackStatement(String schema) {
        return Sql.ifColumnExists(schema, table, temporary(),
                "ALTER TABLE " + Sql.qualified(schema, table) + " DROP COLUMN " + Sql.ident(temporary()));
    }

    /**
     * {@code up} fills the duplicate from the old column, {@code down} the old column from the duplicate; both
     * default to the value itself. In {@code down} the column's name means the new value.
     */
    List<SyncRule> syncRules() {
        return List.of(new SyncRule(table, temporary(), up != null ? up : Sql.ident(column), SyncRule.Direction.UP),
                new SyncRule(table, column, down != null ? down : Sql.ident(column), SyncRule.Direction.DOWN));
    }

    /** {@code VALIDATE CONSTRAINT name} when it exists and is not valid yet: after the backfill, writes go on. */
    static String validateIfPresent(String tableName, String constraint) {
        return Sql.doBlock("BEGIN IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = "
                + Sql.literal(tableName) + "::regclass AND conname = " + Sql.literal(constraint) + " AND NOT convalidated)"
                + " THEN ALTER TABLE " + tableName + " VALIDATE CONSTRAINT " + Sql.ident(constraint) + "; END IF; END");
    }
}
