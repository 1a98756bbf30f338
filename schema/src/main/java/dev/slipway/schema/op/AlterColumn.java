package dev.slipway.schema.op;

import dev.slipway.model.SpecNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Alters a column: its {@code type}, {@code nullable}, {@code default} ({@code null} drops it), {@code unique},
 * {@code check}, {@code references} or {@code comment} ({@code null} removes it), with {@code up} (old value → new)
 * and {@code down} (new value → old). pgroll's spellings ({@code unique: {name}}, {@code check: {name, constraint}},
 * {@code references: {name, ...}}, {@code name} to rename) and Slipway's ({@code unique: true},
 * {@code check: "expression"}) both work.
 * <p>
 * <b>Only {@code nullable: false}</b> is done in place: start adds {@code CHECK (col IS NOT NULL) NOT VALID}
 * (new writes are checked at once), the optional {@code up} (e.g. {@code coalesce(email, 'unknown')}) fills NULLs
 * the old version writes and, through the backfill, the existing ones; the check is VALIDATEd while writes go on,
 * and complete turns it into NOT NULL, which PostgreSQL 12+ accepts from the valid check without a scan. A
 * {@code comment} alone is set on complete: comments are not versioned.
 * <p>
 * <b>Anything else</b> duplicates the column ({@link ColumnDuplicate}, after pgroll): the duplicate carries the new
 * type, default and constraints (checks and foreign keys NOT VALID, a unique index built CONCURRENTLY), validated
 * after the backfill; complete, in the engine's one contract transaction, drops the old column, renames the
 * duplicate, sets NOT NULL and attaches the unique index. The unique constraints, indexes, checks and foreign keys
 * already on the column are copied to the duplicate ({@link DependentCopies}) and take their names back on complete;
 * a check on a column whose type changes is refused (its expression was written for the old type). Rollback drops
 * the duplicate, copies included.
 * <p>
 * The new constraints hold for the duplicate, which the old version also fills (through {@code up}). So a write
 * by the old version whose {@code up} value violates them is <em>rejected</em> with the constraint's error, in
 * the old binary's own transaction: nothing is stored half-way and nothing is lost silently. Write {@code up}
 * to map every old value into the new domain (e.g. {@code left(name, 20)} for {@code check: length(name) <= 20})
 * when old writers must keep succeeding. Existing rows go through the same {@code up} during the backfill; a
 * violation there fails start, which is undone.
 */
public record AlterColumn(String table, String column, Boolean nullable, String type, Optional<String> defaultValue,
                          String uniqueName, ColumnSpec.Check check, ColumnSpec.Reference references,
                          Optional<String> comment, String up, String down) implements Operation {

    /**
     * Reads an {@code alter_column}; pgroll's {@code name} alone (a rename, from pgroll's earlier format) reads as
     * {@link RenameColumn}.
     */
    public static Operation parse(SpecNode node) {
        node.allowOnly("table", "column", "name", "nullable", "type", "default", "unique", "check", "references",
                "comment", "up", "down");
        Map<String, SpecNode> fields = node.fields();
        String table = SqlText.name(node.require("table"));
        String column = SqlText.name(node.require("column"));
        if (fields.containsKey("name")) {
            if (fields.size() > 3) {
                throw node.require("name").error("'name' renames the column and goes alone (with table and column)");
            }
            return new RenameColumn(table, column, SqlText.name(node.require("name")));
        }
        // "default: null" drops the default (and "comment: null" the comment); an absent key leaves it alone.
        Optional<String> defaultValue = fields.containsKey("default")
                ? Optional.of(fields.get("default").isNull() ? "" : SqlText.expression(fields.get("default")))
                : null;
        Optional<String> comment = fields.containsKey("comment")
                ? Optional.ofNullable(fields.get("comment").isNull() ? null : fields.get("comment").string())
                : null;
        String uniqueName = node.optional("unique").map(unique -> {
            if (unique.isMapping()) {
                unique.allowOnly("name");
                return SqlText.name(unique.require("name"));
            }
            if (!unique.bool()) {
                throw unique.error("'unique: false' is not supported; drop the constraint with drop_constraint");
            }
            return Sql.generatedName(table, column, "key");
        }).orElse(null);
        AlterColumn alter = new AlterColumn(table, column,
                node.optional("nullable").map(SpecNode::bool).orElse(null),
                node.optional("type").map(SqlText::typeName).orElse(null),
                defaultValue, uniqueName,
                node.optional("check").map(ColumnSpec.Check::parse).orElse(null),
                node.optional("references").map(ColumnSpec.Reference::parse).orElse(null),
                comment,
                node.optional("up").map(SqlText::expression).orElse(null),
                node.optional("down").map(SqlText::expression).orElse(null));
        if (alter.nullable == null && alter.type == null && defaultValue == null && uniqueName == null
                && alter.check == null && alter.references == null && comment == null) {
            throw node.error("nothing to alter: give at least one of type, nullable, default, unique, check, references, comment");
        }
        return alter;
    }

    @Override public String kind() { return "alter_column"; }

    @Override public String describe() { return "alter_column " + table + "." + column; }

    /** SET NOT NULL alone needs no second column: the in-place path is cheaper (no rewrite of every row). */
    boolean inPlace() {
        return Boolean.FALSE.equals(nullable) && type == null && defaultValue == null && uniqueName == null
                && check == null && references == null && down == null;
    }

    /**
     * Only the comment changes: nothing physical until complete. pgroll's files may still give {@code up}/{@code down}
     * as the column itself (its example 36_set_comment_to_null does), which carries the value over unchanged.
     */
    boolean commentOnly() {
        return comment != null && nullable == null && type == null && defaultValue == null && uniqueName == null
                && check == null && references == null && keepsValue(up) && keepsValue(down);
    }

    /** Absent, or the column itself ({@code email}, {@code "email"}): an unquoted name folds to lower case. */
    private boolean keepsValue(String expression) {
        if (expression == null) return true;
        String text = expression.strip();
        return text.equals(Sql.ident(column)) || (text.equalsIgnoreCase(column) && column.matches("[a-z_][a-z0-9_$]*"));
    }

    private ColumnDuplicate duplicate() {
        return new ColumnDuplicate(table, column, up, down);
    }

    private DependentCopies copies() {
        return new DependentCopies(table, List.of(duplicate()), List.of());
    }

    String notNullConstraint() {
        return Sql.generatedName(table, column, "not_null");
    }

    String checkConstraint() {
        return check != null && check.name() != null ? check.name() : Sql.generatedName(table, column, "check");
    }

    String foreignKeyConstraint() {
        return references != null && references.name() != null ? references.name() : Sql.generatedName(table, column, "fkey");
    }

    @Override
    public void validate(SchemaSnapshot schema) {
        TableSnapshot target = schema.requireTable(table);
        ColumnSnapshot existing = target.requireStableColumn(column);
        if (commentOnly()) {
            return;
        }
        if (inPlace()) {
            if (!existing.nullable()) {
                throw new InvalidOperationException("column is already NOT NULL");
            }
            return;
        }
        duplicate().validate(target);
        List<Dependent> copies = copies().plan(schema);
        if (type != null && !type.equalsIgnoreCase(existing.type())) {
            // A check written for the old type may mean something else, or nothing, for the new one: no guessing.
            copies.stream().filter(copy -> copy.kind() == Dependent.Kind.CHECK).findFirst().ifPresent(copy -> {
                throw new InvalidOperationException("column " + table + "." + column + " changes type and is covered by"
                        + " check " + copy.name() + ", written for " + existing.type() + ": drop it first (drop_constraint)"
                        + " and give the new rule here with 'check'");
            });
        }
        if (type == null && (up != null || down != null) && check == null && uniqueName == null && references == null
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
            ForeignKeys.requireTarget(schema, "column " + column, references.table(), List.of(references.column()));
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
        if (commentOnly()) {
            return;
        }
        if (inPlace()) {
            target.replaceColumn(column, new ColumnSnapshot(existing.name(), existing.physicalName(), existing.type(),
                    false, existing.defaultValue()));
            return;
        }
        duplicate().reshape(target, newType(existing), newNullable(existing), newDefault(existing));
        if (uniqueName != null) {
            target.addConstraint(uniqueName);
            schema.addIndex(uniqueName);
        }
        if (check != null) target.addConstraint(checkConstraint());
        if (references != null) target.addConstraint(foreignKeyConstraint());
    }

    @Override
    public void start(MigrationContext context) {
        String tableName = context.table(table);
        if (commentOnly()) {
            return;
        }
        if (inPlace()) {
            context.execute("ALTER TABLE " + tableName + " ADD CONSTRAINT " + Sql.ident(notNullConstraint())
                    + " CHECK (" + Sql.ident(column) + " IS NOT NULL) NOT VALID");
            return;
        }
        ColumnSnapshot existing = context.layout().requireTable(table).requireColumn(column);
        ColumnDuplicate duplicate = duplicate();
        String temporary = Sql.ident(duplicate.temporary());
        List<String> statements = new ArrayList<>(duplicate.addStatements(tableName, newType(existing),
                newDefault(existing), !newNullable(existing)));
        if (check != null) {
            statements.add("ALTER TABLE " + tableName + " ADD CONSTRAINT " + Sql.ident(checkConstraint())
                    + " CHECK (" + Sql.renameIdentifier(check.expression(), column, duplicate.temporary()) + ")"
                    + (check.noInherit() ? " NO INHERIT" : "") + " NOT VALID");
        }
        if (references != null) {
            statements.add("ALTER TABLE " + tableName + " ADD CONSTRAINT " + Sql.ident(foreignKeyConstraint())
                    + " FOREIGN KEY (" + temporary + ") " + references.clause(context.schema()) + " NOT VALID");
        }
        List<Dependent> copies = copies().plan(context.layout());
        statements.addAll(copies().constraintStatements(tableName, copies));
        context.execute(statements.toArray(String[]::new));
        copies().buildIndexes(context, copies);
        if (uniqueName != null) {
            // The duplicate is all NULL now, so the build is quick; duplicates 'up' produces later fail their write.
            context.executeConcurrently("CREATE UNIQUE INDEX CONCURRENTLY " + Sql.ident(uniqueName) + " ON "
                    + tableName + " (" + temporary + ")",
                    "DROP INDEX CONCURRENTLY IF EXISTS " + Sql.qualified(context.schema(), uniqueName));
        }
    }

    @Override
    public void afterBackfill(MigrationContext context) {
        // VALIDATE takes SHARE UPDATE EXCLUSIVE: it scans the table while reads and writes go on. A constraint
        // this operation did not add is skipped.
        if (commentOnly()) return;
        String tableName = context.table(table);
        List<String> names = inPlace() ? List.of(notNullConstraint())
                : List.of(notNullConstraint(), checkConstraint(), foreignKeyConstraint());
        for (String name : names) {
            context.execute(ColumnDuplicate.validateIfPresent(tableName, name));
        }
        if (!inPlace()) context.execute(ColumnDuplicate.validateCopies(tableName));
    }

    @Override
    public void complete(MigrationContext context) {
        String tableName = context.table(table);
        List<String> statements = new ArrayList<>();
        if (inPlace()) {
            statements.add("ALTER TABLE " + tableName + " ALTER COLUMN " + Sql.ident(column) + " SET NOT NULL");
            statements.add("ALTER TABLE " + tableName + " DROP CONSTRAINT IF EXISTS " + Sql.ident(notNullConstraint()));
        } else if (!commentOnly()) {
            // Attaching a ready index only touches the catalog.
            List<String> after = uniqueName == null ? List.of() : List.of("ALTER TABLE " + tableName + " ADD CONSTRAINT "
                    + Sql.ident(uniqueName) + " UNIQUE USING INDEX " + Sql.ident(uniqueName));
            statements.add(duplicate().completeBlock(tableName, after));
        }
        if (comment != null) {
            statements.add("COMMENT ON COLUMN " + tableName + "." + Sql.ident(column) + " IS "
                    + comment.map(Sql::literal).orElse("NULL"));
        }
        if (!statements.isEmpty()) {
            context.execute(statements.toArray(String[]::new));
        }
    }

    @Override
    public void rollback(MigrationContext context) {
        if (commentOnly()) return;
        if (inPlace()) {
            // Values 'up' filled in stay: they are valid for the old version too.
            context.execute("ALTER TABLE IF EXISTS " + context.table(table) + " DROP CONSTRAINT IF EXISTS "
                    + Sql.ident(notNullConstraint()));
            return;
        }
        context.execute(duplicate().rollbackStatement(context.schema()));
    }

    /**
     * In place: {@code up} fills NULLs the old version writes. Duplicated: see {@link ColumnDuplicate#syncRules()}.
     */
    @Override
    public List<SyncRule> syncRules() {
        if (commentOnly()) return List.of();
        if (inPlace()) {
            return up == null ? List.of() : List.of(new SyncRule(table, column, up, SyncRule.Direction.UP));
        }
        return duplicate().syncRules();
    }

    @Override
    public List<SqlFragment> fragments() {
        List<SqlFragment> fragments = new ArrayList<>();
        if (type != null) fragments.add(SqlFragment.type("type of column " + column, type));
        if (check != null) fragments.add(SqlFragment.condition(table, "check of column " + column, check.expression()));
        return fragments;
    }
}
