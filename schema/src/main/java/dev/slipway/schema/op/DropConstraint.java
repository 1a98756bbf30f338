package dev.slipway.schema.op;

import dev.slipway.model.SpecNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Drops a unique, check, foreign key or exclusion constraint ({@code drop_constraint}, and pgroll's
 * {@code drop_multicolumn_constraint}).
 * <p>
 * <b>With {@code up}/{@code down}</b> (pgroll's spelling: one expression each for {@code drop_constraint}, a map per
 * covered column for {@code drop_multicolumn_constraint}) the covered columns are duplicated without the constraint
 * ({@link ColumnDuplicate}): the new version may write values the constraint forbids at once, and {@code down} maps
 * them to values the old version, still held to it, accepts. Complete replaces the columns by their duplicates: the
 * constraint goes with the old columns.
 * <p>
 * <b>Without</b> (Slipway's spelling) both versions stay held to the constraint until complete drops it, inside the
 * engine's one contract transaction: the old binary may rely on it (a unique lookup, a join it trusts). A primary
 * key cannot be dropped this way.
 *
 * @param columns the columns the constraint covers, known once {@link #bind bound} to the live schema (null before;
 *                only needed with {@code up}/{@code down})
 * @param up      by column; the key {@code ""} holds {@code drop_constraint}'s single expression until bound
 */
public record DropConstraint(String kind, String table, String name, List<String> columns, Map<String, String> up,
                             Map<String, String> down) implements Operation {

    /** Slipway's {@code drop_constraint}, or pgroll's with {@code up} and {@code down} expressions for its one column. */
    public static DropConstraint parse(SpecNode node) {
        node.allowOnly("table", "name", "up", "down", "comment");
        return of("drop_constraint", node, single(node, "up"), single(node, "down"));
    }

    /** pgroll's {@code drop_multicolumn_constraint}: {@code up} and {@code down} map each covered column. */
    public static DropConstraint parseMultiColumn(SpecNode node) {
        node.allowOnly("table", "name", "up", "down");
        node.require("down");
        return of("drop_multicolumn_constraint", node, byColumn(node, "up"), byColumn(node, "down"));
    }

    private static DropConstraint of(String kind, SpecNode node, Map<String, String> up, Map<String, String> down) {
        if (down == null && up != null) {
            throw node.error("'up' without 'down': give 'down', which makes the new version's values fit the"
                    + " constraint the old version is still held to");
        }
        return new DropConstraint(kind, SqlText.name(node.require("table")), SqlText.name(node.require("name")), null,
                down == null ? null : (up == null ? Map.of() : up), down);
    }

    private static Map<String, String> single(SpecNode node, String key) {
        return node.optional(key).map(value -> Map.of("", SqlText.expression(value))).orElse(null);
    }

    private static Map<String, String> byColumn(SpecNode node, String key) {
        SpecNode map = node.fields().get(key);
        if (map == null || map.isNull()) return null;
        Map<String, String> expressions = new LinkedHashMap<>();
        map.fields().forEach((column, expression) -> expressions.put(column, SqlText.expression(expression)));
        return expressions;
    }

    @Override public String describe() { return kind + " " + table + "." + name; }

    private boolean duplicates() {
        return down != null;
    }

    @Override
    public Operation bind(SchemaSnapshot layout) {
        if (!duplicates() || columns != null) return this;
        List<String> covered = layout.table(table).map(target -> target.constraintColumns(name)).orElse(List.of());
        if (covered.isEmpty()) return this;
        return new DropConstraint(kind, table, name, covered, spread(up, covered), spread(down, covered));
    }

    /** {@code drop_constraint}'s single expression belongs to the constraint's one column. */
    private static Map<String, String> spread(Map<String, String> expressions, List<String> covered) {
        if (!expressions.containsKey("") || covered.size() != 1) return expressions;
        return Map.of(covered.get(0), expressions.get(""));
    }

    private List<ColumnDuplicate> duplicated() {
        return columns.stream().map(column -> new ColumnDuplicate(table, column, up.get(column), down.get(column))).toList();
    }

    /** Everything else on the columns is copied to the duplicates; the constraint being dropped is not. */
    private DependentCopies copies() {
        return new DependentCopies(table, duplicated(), List.of(name));
    }

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
        if (!duplicates()) return;
        if (columns == null) {
            throw new InvalidOperationException("the constraint covers no column of the table, so there is nothing to"
                    + " duplicate: drop it without 'up'/'down'");
        }
        for (Map<String, String> expressions : List.of(up, down)) {
            for (String column : expressions.keySet()) {
                if (column.isEmpty()) {
                    throw new InvalidOperationException("the constraint covers " + columns + ": use drop_multicolumn_constraint"
                            + " with an expression per column");
                }
                if (!columns.contains(column)) {
                    throw new InvalidOperationException("'" + column + "' is not one of the columns the constraint covers " + columns);
                }
            }
        }
        duplicated().forEach(duplicate -> duplicate.validate(target));
        copies().plan(schema);
    }

    @Override
    public void reshape(SchemaSnapshot schema) {
        TableSnapshot target = schema.requireTable(table);
        if (duplicates()) {
            for (ColumnDuplicate duplicate : duplicated()) {
                ColumnSnapshot existing = target.requireColumn(duplicate.column());
                duplicate.reshape(target, existing.type(), existing.nullable(), existing.defaultValue());
            }
        }
        target.removeConstraint(name);
        // A unique constraint's index goes with it.
        schema.removeIndex(name);
    }

    @Override
    public void start(MigrationContext context) {
        if (!duplicates()) {
            return; // Nothing: the old version may still rely on the constraint.
        }
        TableSnapshot target = context.layout().requireTable(table);
        List<String> statements = new ArrayList<>();
        for (ColumnDuplicate duplicate : duplicated()) {
            ColumnSnapshot existing = target.requireColumn(duplicate.column());
            statements.addAll(duplicate.addStatements(context.table(table), existing.type(), existing.defaultValue(),
                    !existing.nullable()));
        }
        List<Dependent> copies = copies().plan(context.layout());
        statements.addAll(copies().constraintStatements(context.table(table), copies));
        context.execute(statements.toArray(String[]::new));
        copies().buildIndexes(context, copies);
    }

    @Override
    public void afterBackfill(MigrationContext context) {
        if (!duplicates()) return;
        for (ColumnDuplicate duplicate : duplicated()) {
            context.execute(ColumnDuplicate.validateIfPresent(context.table(table), duplicate.notNullConstraint()));
        }
        context.execute(ColumnDuplicate.validateCopies(context.table(table)));
    }

    @Override
    public void complete(MigrationContext context) {
        String tableName = context.table(table);
        List<String> statements = new ArrayList<>();
        statements.add("ALTER TABLE IF EXISTS " + tableName + " DROP CONSTRAINT IF EXISTS " + Sql.ident(name));
        if (duplicates() && columns != null) {
            // The old columns go and their duplicates take their names; the constraint was dropped just before.
            duplicated().forEach(duplicate -> statements.add(duplicate.completeBlock(tableName, List.of())));
        }
        context.execute(statements.toArray(String[]::new));
    }

    @Override
    public void rollback(MigrationContext context) {
        if (!duplicates() || columns == null) return; // Nothing was changed.
        context.execute(duplicated().stream().map(duplicate -> duplicate.rollbackStatement(context.schema()))
                .toArray(String[]::new));
    }

    @Override
    public List<SyncRule> syncRules() {
        if (!duplicates() || columns == null) return List.of();
        List<SyncRule> rules = new ArrayList<>();
        duplicated().forEach(duplicate -> rules.addAll(duplicate.syncRules()));
        return rules;
    }
}
