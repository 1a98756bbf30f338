package dev.slipway.schema.op;

import dev.slipway.model.SpecNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Alters a column: its {@code type}, {@code nullable}, {@code default}, {@code unique}, {@code check} or
 * {@code references}, with {@code up} (old value → new) and {@code down} (new value → old).
 * <p>
 * <b>Only {@code nullable: false}</b> is done in place: start adds {@code CHECK (col IS NOT NULL) NOT VALID}
 * (new writes are checked at once), the optional {@code up} (e.g. {@code coalesce(email, 'unknown')}) fills NULLs
 * the old version writes and, through the backfill, the existing ones; the check is VALIDATEd while writes go on,
 * and complete turns it into NOT NULL, which PostgreSQL 12+ accepts from the valid check without a scan.
 * <p>
 * <b>Anything else</b> duplicates the column (after pgroll): start adds {@code _slipway_new_<col>} with the new
 * type, default and constraints (checks and foreign keys NOT VALID, a unique index built CONCURRENTLY); the sync
 * trigger fills it from {@code up} when the old version writes (and during the backfill) and fills the old column
 * from {@code down} when the new version writes. The new version's view shows the duplicate under the real name.
 * After the backfill the constraints are VALIDATEd. Complete, in the engine's one contract transaction, drops the
 * old column, renames the duplicate to the real name, sets NOT NULL and attaches the unique index. Rollback drops
 * the duplicate; the old column was never touched.
 * <p>
 * The new constraints hold for the duplicate, which the old version also fills (through {@code up}). So a write
 * by the old version whose {@code up} value violates them is <em>rejected</em> with the constraint's error, in
 * the old binary's own transaction: nothing is stored half-way and nothing is lost silently. Write {@code up}
 * to map every old value into the new domain (e.g. {@code left(name, 20)} for {@code check: length(name) <= 20})
 * when old writers must keep succeeding. Existing rows go through the same {@code up} during the backfill; a
 * violation there fails start, which is undone.
 */
public record AlterColumn(String table, String column, Boolean nullable, String type, Optional<String> defaultValue,
                         Boolean unique, String check, ColumnSpec.Reference references, String up, String down)
        implements Operation {

    /** The physical column holding the new representation while the migration is in flight. */
    public static final String TEMPORARY_PREFIX = "_slipway_new_";

    public static AlterColumn parse(SpecNode node) {
        node.allowOnly("table", "column", "nullable", "type", "default", "unique", "check", "references", "up", "down",
                "comment");
        Map<String, SpecNode> fields = node.fields();
        // "default: null" drops the default; an absent key leaves it alone.
        Optional<String> defaultValue = fields.containsKey("default")
                ? Optional.of(fields.get("default").isNull() ? "" : fields.get("default").nonBlankString())
                : null;
        ColumnSpec.Reference references = node.optional("references").map(reference -> {
            reference.allowOnly("table", "column", "on_delete");
            return new ColumnSpec.Reference(reference.require("table").nonBlankString(),
                    reference.require("column").nonBlankString(),
                    reference.optional("on_delete").map(SpecNode::nonBlankString).orElse(null));
        }).orElse(null);
        AlterColumn alter = new AlterColumn(node.require("table").nonBlankString(), node.require("column").nonBlankString(),
                node.optional("nullable").map(SpecNode::bool).orElse(null),
                node.optional("type").map(SpecNode::nonBlankString).orElse(null),
                defaultValue,
                node.optional("unique").map(SpecNode::bool).orElse(null),
                node.optional("check").map(SpecNode::nonBlankString).orElse(null),
                references,
                node.optional("up").map(SpecNode::nonBlankString).orElse(null),
                node.optional("down").map(SpecNode::nonBlankString).orElse(null));
        if (alter.nullable == null && alter.type == null && defaultValue == null && alter.unique == null
                && alter.check == null && references == null) {
            throw node.error("nothing to alter: give at least one of type, nullable, default, unique, check, references");
        }
        if (Boolean.FALSE.equals(alter.unique)) {
            throw node.require("unique").error("'unique: false' is not supported; drop the constraint with drop_constraint");
        }
        return alter;
    }

    @Override public String kind() { return "alter_column"; }

    @Override public String describe() { return "alter_column " + table + "." + column; }

    /** SET NOT NULL alone needs no second column: the in-place path is cheaper (no rewrite of every row). */
    boolean inPlace() {
        return Boolean.FALSE.equals(nullable) && type == null && defaultValue == null && unique == null && check == null
                && references == null && down == null;
    }

    String temporaryColumn() {
        return Sql.generatedName(TEMPORARY_PREFIX + column);
    }

    String notNullConstraint() {
        return Sql.generatedName(table, column, "not_null");
    }

    String checkConstraint() {
        return Sql.generatedName(table, column, "check");
    }

    String foreignKeyConstraint() {
        return Sql.generatedName(table, column, "fkey");
    }

    String uniqueIndex() {
        return Sql.generatedName(table, column, "key");
    }

    @Override
    public void validate(SchemaSnapshot schema) {
        TableSnapshot target = schema.requireTable(table);
        ColumnSnapshot existing = target.requireStableColumn(column);
        if (inPlace()) {
            if (!existing.nullable()) {
                throw new InvalidOperationException("column is already NOT NULL");
            }
            return;
        }
        if (target.primaryKey().contains(column)) {
            throw new InvalidOperationException("cannot alter a primary key column this way; add a new column and"
                    + " move the key in steps");
        }
        List<String> dependents = target.dependents(column);
        if (!dependents.isEmpty()) {
            // The old column goes on complete, and with it every index and constraint on it.
            throw new InvalidOperationException("the column is covered by " + String.join(", ", dependents)
                    + ", which complete would drop with the old column; drop them first (drop_index/drop_constraint)"
                    + " and recreate them on the new column in a later migration");
        }
        if (type == null && (up != null || down != null) && check == null && unique == null && references == null
                && nullable == null && defaultValue == null) {
            throw new InvalidOperationException("'up'/'down' without a change");
        }
        boolean becomesNullable = Boolean.TRUE.equals(nullable) && !existing.nullable();
        if (becomesNullable && down == null) {
            throw new InvalidOperationException("the old column is NOT NULL: give 'down' so NULLs the new version"
                    + " writes become a value the old version accepts (e.g. coalesce(" + column + ", ...))");
        }
        if (type != null && !type.equalsIgnoreCase(existing.type()) && (up == null || down == null)) {
            // Without both directions a value written by one version could not be shown to the other.
            throw new InvalidOperationException("a type change needs 'up' (old value to " + type + ") and 'down' ("
                    + type + " to " + existing.type() + "); e.g. up: \"" + column + "::" + type + "\"");
        }
        if (references != null) {
            new ColumnSpec(column, newType(existing), false, true, null, false, Optional.of(references), null)
                    .validateReference(schema);
        }
    }

    private String newType(ColumnSnapshot existing) {
        return type != null ? type : existing.type();
    }

    private boolean newNullable(ColumnSnapshot existing) {
        return nullable != null ? nullable : existing.nullable();
    }

    private String newDefault(ColumnSnapshot existing) {
        if (defaultValue == null) return existing.defaultValue();
        return defaultValue.get().isEmpty() ? null : defaultValue.get();
    }

    @Override
    public void reshape(SchemaSnapshot schema) {
        TableSnapshot target = schema.requireTable(table);
        ColumnSnapshot existing = target.requireColumn(column);
        if (inPlace()) {
            target.replaceColumn(column, new ColumnSnapshot(existing.name(), existing.physicalName(), existing.type(),
                    false, existing.defaultValue()));
            return;
        }
        target.replaceColumn(column, new ColumnSnapshot(column, temporaryColumn(), newType(existing),
                newNullable(existing), newDefault(existing)));
        if (unique != null) {
            target.addConstraint(uniqueIndex());
            schema.addIndex(uniqueIndex());
        }
        if (check != null) target.addConstraint(checkConstraint());
        if (references != null) target.addConstraint(foreignKeyConstraint());
    }

    @Override
    public void start(MigrationContext context) {
        String tableName = context.table(table);
        if (inPlace()) {
            context.execute("ALTER TABLE " + tableName + " ADD CONSTRAINT " + Sql.ident(notNullConstraint())
                    + " CHECK (" + Sql.ident(column) + " IS NOT NULL) NOT VALID");
            return;
        }
        ColumnSnapshot existing = context.layout().requireTable(table).requireColumn(column);
        String temporary = Sql.ident(temporaryColumn());
        List<String> statements = new ArrayList<>();
        // No DEFAULT in ADD COLUMN: a volatile one would rewrite the table under an exclusive lock. Existing rows
        // get their value from 'up' in the backfill anyway.
        statements.add("ALTER TABLE " + tableName + " ADD COLUMN " + temporary + " " + newType(existing));
        String newDefault = newDefault(existing);
        if (newDefault != null) {
            statements.add("ALTER TABLE " + tableName + " ALTER COLUMN " + temporary + " SET DEFAULT " + newDefault);
        }
        if (!newNullable(existing)) {
            statements.add("ALTER TABLE " + tableName + " ADD CONSTRAINT " + Sql.ident(notNullConstraint())
                    + " CHECK (" + temporary + " IS NOT NULL) NOT VALID");
        }
        if (check != null) {
            statements.add("ALTER TABLE " + tableName + " ADD CONSTRAINT " + Sql.ident(checkConstraint())
                    + " CHECK (" + Sql.renameIdentifier(check, column, temporaryColumn()) + ") NOT VALID");
        }
        if (references != null) {
            statements.add("ALTER TABLE " + tableName + " ADD CONSTRAINT " + Sql.ident(foreignKeyConstraint())
                    + " FOREIGN KEY (" + temporary + ") REFERENCES " + context.table(references.table())
                    + " (" + Sql.ident(references.column()) + ")"
                    + (references.onDelete() != null ? " ON DELETE " + references.onDelete() : "") + " NOT VALID");
        }
        context.execute(statements.toArray(String[]::new));
        if (unique != null) {
            // The duplicate is all NULL now, so the build is quick; duplicates 'up' produces later fail their write.
            context.executeConcurrently("CREATE UNIQUE INDEX CONCURRENTLY " + Sql.ident(uniqueIndex()) + " ON "
                    + tableName + " (" + temporary + ")",
                    "DROP INDEX CONCURRENTLY IF EXISTS " + Sql.qualified(context.schema(), uniqueIndex()));
        }
    }

    @Override
    public void afterBackfill(MigrationContext context) {
        // VALIDATE takes SHARE UPDATE EXCLUSIVE: it scans the table while reads and writes go on. A constraint
        // this operation did not add is skipped.
        String tableName = context.table(table);
        List<String> names = inPlace() ? List.of(notNullConstraint())
                : List.of(notNullConstraint(), checkConstraint(), foreignKeyConstraint());
        for (String name : names) {
            context.execute(Sql.doBlock("BEGIN IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = "
                    + Sql.literal(tableName) + "::regclass AND conname = " + Sql.literal(name) + " AND NOT convalidated)"
                    + " THEN ALTER TABLE " + tableName + " VALIDATE CONSTRAINT " + Sql.ident(name) + "; END IF; END"));
        }
    }

    @Override
    public void complete(MigrationContext context) {
        String tableName = context.table(table);
        if (inPlace()) {
            context.execute("ALTER TABLE " + tableName + " ALTER COLUMN " + Sql.ident(column) + " SET NOT NULL",
                    "ALTER TABLE " + tableName + " DROP CONSTRAINT IF EXISTS " + Sql.ident(notNullConstraint()));
            return;
        }
        // Guarded by the duplicate's existence, so running complete again after it committed changes nothing.
        // NOT NULL is set from the validated check without a scan (PostgreSQL 12+).
        StringBuilder block = new StringBuilder("BEGIN IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = ")
                .append(Sql.literal(tableName)).append("::regclass AND attname = ").append(Sql.literal(temporaryColumn()))
                .append(" AND NOT attisdropped) THEN\n")
                .append("  ALTER TABLE ").append(tableName).append(" DROP COLUMN ").append(Sql.ident(column)).append(";\n")
                .append("  ALTER TABLE ").append(tableName).append(" RENAME COLUMN ").append(Sql.ident(temporaryColumn()))
                .append(" TO ").append(Sql.ident(column)).append(";\n")
                .append("  IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = ").append(Sql.literal(tableName))
                .append("::regclass AND conname = ").append(Sql.literal(notNullConstraint())).append(") THEN\n")
                .append("    ALTER TABLE ").append(tableName).append(" ALTER COLUMN ").append(Sql.ident(column)).append(" SET NOT NULL;\n")
                .append("    ALTER TABLE ").append(tableName).append(" DROP CONSTRAINT ").append(Sql.ident(notNullConstraint())).append(";\n")
                .append("  END IF;\n");
        if (unique != null) {
            // Attaching a ready index only touches the catalog.
            block.append("  ALTER TABLE ").append(tableName).append(" ADD CONSTRAINT ").append(Sql.ident(uniqueIndex()))
                    .append(" UNIQUE USING INDEX ").append(Sql.ident(uniqueIndex())).append(";\n");
        }
        block.append("END IF; END");
        context.execute(Sql.doBlock(block.toString()));
    }

    @Override
    public void rollback(MigrationContext context) {
        if (inPlace()) {
            // Values 'up' filled in stay: they are valid for the old version too.
            context.execute("ALTER TABLE IF EXISTS " + context.table(table) + " DROP CONSTRAINT IF EXISTS "
                    + Sql.ident(notNullConstraint()));
            return;
        }
        // The duplicate takes its constraints and index with it; the old column was never touched.
        context.execute(Sql.ifColumnExists(context.schema(), table, temporaryColumn(),
                "ALTER TABLE " + context.table(table) + " DROP COLUMN " + Sql.ident(temporaryColumn())));
    }

    /**
     * In place: {@code up} fills NULLs the old version writes. Duplicated: {@code up} fills the duplicate from the
     * old column, {@code down} the old column from the duplicate; both default to the value itself. In {@code down}
     * the column's name means the new value (the new version's view of the row).
     */
    @Override
    public List<SyncRule> syncRules() {
        if (inPlace()) {
            return up == null ? List.of() : List.of(new SyncRule(table, column, up, SyncRule.Direction.UP));
        }
        return List.of(new SyncRule(table, temporaryColumn(), up != null ? up : Sql.ident(column), SyncRule.Direction.UP),
                new SyncRule(table, column, down != null ? down : Sql.ident(column), SyncRule.Direction.DOWN));
    }
}
