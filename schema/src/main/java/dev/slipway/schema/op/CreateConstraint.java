package dev.slipway.schema.op;

import dev.slipway.model.SpecNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adds a {@code check}, {@code unique}, {@code foreign_key} or {@code primary_key} constraint without a long lock.
 * <p>
 * <b>With {@code up}/{@code down}</b> (pgroll's spelling: a map from each covered column to its expression) the
 * covered columns are duplicated ({@link ColumnDuplicate}) and the constraint goes on the duplicates: the new version
 * is held to it, the old version keeps writing what it always wrote and {@code up} maps its values into the new rule
 * (a column without an {@code up} is copied as it is), {@code down} maps the new version's values back. Complete
 * replaces the columns by their duplicates, constraint included; the constraints and indexes already on them are
 * copied to the duplicates and keep their names ({@link DependentCopies}).
 * <p>
 * <b>Without</b> (Slipway's spelling) the constraint holds for both versions from start: checks and foreign keys are
 * added NOT VALID (enforced for new writes at once) and VALIDATEd after the backfill while writes go on; a unique or
 * primary key constraint is built as a unique index CONCURRENTLY and attached on complete
 * ({@code ADD CONSTRAINT ... USING INDEX}). An old-version write that violates it is rejected.
 */
public record CreateConstraint(String table, String name, String type, List<String> columns, String check,
                               boolean noInherit, ForeignKeys.TableReference references, IndexParameters indexParameters,
                               Map<String, String> up, Map<String, String> down) implements Operation {

    static final List<String> TYPES = List.of("check", "foreign_key", "unique", "primary_key");

    public static CreateConstraint parse(SpecNode node) {
        node.allowOnly("table", "name", "type", "columns", "check", "no_inherit", "references", "index_parameters",
                "up", "down", "comment");
        String type = SqlText.choice(node.require("type"), TYPES);
        List<String> columns = node.optional("columns").map(ForeignKeys::names).orElse(List.of());
        String check = null;
        ForeignKeys.TableReference references = null;
        switch (type) {
            case "check" -> check = SqlText.expression(node.require("check"));
            case "foreign_key" -> {
                if (columns.isEmpty()) throw node.error("missing required field 'columns'");
                references = ForeignKeys.TableReference.parse(node.require("references"));
                if (references.columns().size() != columns.size()) {
                    throw node.require("references").error("references " + references.columns().size() + " columns for "
                            + columns.size());
                }
            }
            default -> {
                if (columns.isEmpty()) throw node.error("missing required field 'columns'");
            }
        }
        Map<String, String> up = expressions(node, "up", columns);
        Map<String, String> down = expressions(node, "down", columns);
        if ((up == null) != (down == null)) {
            throw node.error("give both 'up' and 'down' (the columns are then duplicated, pgroll's way) or neither");
        }
        if (up != null && columns.isEmpty()) {
            throw node.error("'up'/'down' need 'columns': the columns the constraint covers");
        }
        return new CreateConstraint(SqlText.name(node.require("table")), SqlText.name(node.require("name")), type, columns,
                check, node.optional("no_inherit").map(SpecNode::bool).orElse(false), references,
                node.optional("index_parameters").map(IndexParameters::parse).orElse(IndexParameters.NONE), up, down);
    }

    /** pgroll's {@code up}/{@code down}: a mapping from covered column to expression; null when absent. */
    static Map<String, String> expressions(SpecNode node, String key, List<String> columns) {
        if (!node.fields().containsKey(key)) return null;
        SpecNode map = node.fields().get(key);
        Map<String, String> expressions = new LinkedHashMap<>();
        if (map.isNull()) return expressions;
        for (Map.Entry<String, SpecNode> entry : map.fields().entrySet()) {
            if (!columns.contains(entry.getKey())) {
                throw entry.getValue().error("'" + entry.getKey() + "' is not one of the constraint's columns " + columns);
            }
            expressions.put(entry.getKey(), SqlText.expression(entry.getValue()));
        }
        return expressions;
    }

    /**
     * The same constraint without pgroll's {@code up}/{@code down}, for a table created earlier in the same
     * migration: no old version writes it, so there is nothing to duplicate.
     */
    public CreateConstraint withoutDuplication() {
        return new CreateConstraint(table, name, type, columns, check, noInherit, references, indexParameters, null, null);
    }

    @Override public String kind() { return "create_constraint"; }

    @Override public String describe() { return "create_constraint " + table + "." + name; }

    private boolean duplicates() {
        return up != null;
    }

    private List<ColumnDuplicate> duplicated() {
        return columns.stream().map(column -> new ColumnDuplicate(table, column, up.get(column), down.get(column))).toList();
    }

    private DependentCopies copies() {
        return new DependentCopies(table, duplicated(), List.of());
    }

    private boolean indexBacked() {
        return type.equals("unique") || type.equals("primary_key");
    }

    @Override
    public void validate(SchemaSnapshot schema) {
        TableSnapshot target = schema.requireTable(table);
        if (target.constraints().contains(name) || schema.hasIndex(name)) {
            throw new InvalidOperationException("a constraint or index with this name already exists");
        }
        columns.forEach(target::requireColumn);
        if (type.equals("primary_key")) {
            if (!target.primaryKey().isEmpty()) {
                throw new InvalidOperationException("the table already has a primary key (" + String.join(", ", target.primaryKey()) + ")");
            }
            if (!duplicates()) {
                List<String> nullable = columns.stream().filter(column -> target.requireColumn(column).nullable()).toList();
                if (!nullable.isEmpty()) {
                    throw new InvalidOperationException("primary key columns must be NOT NULL first: " + nullable
                            + " (alter_column nullable: false in an earlier migration)");
                }
            }
        }
        if (references != null) {
            ForeignKeys.requireTarget(schema, "constraint " + name, references.table(), references.columns());
        }
        if (duplicates()) {
            duplicated().forEach(duplicate -> duplicate.validate(target));
            copies().plan(schema);
        }
    }

    @Override
    public void reshape(SchemaSnapshot schema) {
        TableSnapshot target = schema.requireTable(table);
        if (duplicates()) {
            for (ColumnDuplicate duplicate : duplicated()) {
                ColumnSnapshot existing = target.requireColumn(duplicate.column());
                duplicate.reshape(target, existing.type(), existing.nullable() && !type.equals("primary_key"),
                        existing.defaultValue());
            }
        }
        target.addConstraint(name);
        if (indexBacked()) schema.addIndex(name);
        if (!duplicates()) columns.forEach(column -> target.addDependent(column, name));
    }

    @Override
    public void start(MigrationContext context) {
        String tableName = context.table(table);
        List<String> statements = new ArrayList<>();
        List<String> constrained = columns;
        if (duplicates()) {
            SchemaSnapshot layout = context.layout();
            constrained = new ArrayList<>();
            for (ColumnDuplicate duplicate : duplicated()) {
                ColumnSnapshot existing = layout.requireTable(table).requireColumn(duplicate.column());
                statements.addAll(duplicate.addStatements(tableName, existing.type(), existing.defaultValue(),
                        !existing.nullable() || type.equals("primary_key")));
                constrained.add(duplicate.temporary());
            }
        }
        List<Dependent> copies = duplicates() ? copies().plan(context.layout()) : List.of();
        if (duplicates()) statements.addAll(copies().constraintStatements(tableName, copies));
        switch (type) {
            case "check" -> statements.add("ALTER TABLE " + tableName + " ADD CONSTRAINT " + Sql.ident(name)
                    + " CHECK (" + onDuplicates(check) + ")" + (noInherit ? " NO INHERIT" : "") + " NOT VALID");
            case "foreign_key" -> statements.add("ALTER TABLE " + tableName + " ADD CONSTRAINT " + Sql.ident(name)
                    + " FOREIGN KEY (" + Sql.identList(constrained) + ") " + references.clause(context.schema(), false, false)
                    + " NOT VALID");
            default -> { }
        }
        if (!statements.isEmpty()) {
            context.execute(statements.toArray(String[]::new));
        }
        if (duplicates()) copies().buildIndexes(context, copies);
        if (indexBacked()) {
            // The index is built without blocking writes; complete attaches it as the constraint (catalog only).
            context.executeConcurrently("CREATE UNIQUE INDEX CONCURRENTLY " + Sql.ident(name) + " ON " + tableName
                    + " (" + Sql.identList(constrained) + ")" + indexParameters.clause().replace(" USING INDEX TABLESPACE", " TABLESPACE"),
                    dropIndex(context));
        }
    }

    /** The check's expression with each covered column replaced by its duplicate. */
    private String onDuplicates(String expression) {
        if (!duplicates()) return expression;
        String result = expression;
        for (ColumnDuplicate duplicate : duplicated()) {
            result = Sql.renameIdentifier(result, duplicate.column(), duplicate.temporary());
        }
        return result;
    }

    private String dropIndex(MigrationContext context) {
        return "DROP INDEX CONCURRENTLY IF EXISTS " + Sql.qualified(context.schema(), name);
    }

    @Override
    public void afterBackfill(MigrationContext context) {
        String tableName = context.table(table);
        if (!indexBacked()) {
            context.execute(ColumnDuplicate.validateIfPresent(tableName, name));
        }
        if (duplicates()) {
            for (ColumnDuplicate duplicate : duplicated()) {
                context.execute(ColumnDuplicate.validateIfPresent(tableName, duplicate.notNullConstraint()));
            }
            context.execute(ColumnDuplicate.validateCopies(tableName));
        }
    }

    @Override
    public void complete(MigrationContext context) {
        String tableName = context.table(table);
        List<String> statements = new ArrayList<>();
        if (duplicates()) {
            duplicated().forEach(duplicate -> statements.add(duplicate.completeBlock(tableName, List.of())));
        }
        if (indexBacked()) {
            // Attaching a ready index only touches the catalog (a primary key's columns are NOT NULL by now).
            statements.add(Sql.doBlock("BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = "
                    + Sql.literal(tableName) + "::regclass AND conname = " + Sql.literal(name)
                    + ") THEN ALTER TABLE " + tableName + " ADD CONSTRAINT " + Sql.ident(name)
                    + (type.equals("primary_key") ? " PRIMARY KEY" : " UNIQUE") + " USING INDEX " + Sql.ident(name)
                    + "; END IF; END"));
        }
        if (!statements.isEmpty()) {
            context.execute(statements.toArray(String[]::new));
        }
    }

    @Override
    public void rollback(MigrationContext context) {
        context.execute("ALTER TABLE IF EXISTS " + context.table(table) + " DROP CONSTRAINT IF EXISTS " + Sql.ident(name));
        if (indexBacked()) {
            context.executeConcurrently(dropIndex(context), null);
        }
        if (duplicates()) {
            context.execute(duplicated().stream().map(duplicate -> duplicate.rollbackStatement(context.schema()))
                    .toArray(String[]::new));
        }
    }

    @Override
    public List<SyncRule> syncRules() {
        if (!duplicates()) return List.of();
        List<SyncRule> rules = new ArrayList<>();
        duplicated().forEach(duplicate -> rules.addAll(duplicate.syncRules()));
        return rules;
    }

    @Override
    public List<SqlFragment> fragments() {
        return check == null ? List.of() : List.of(SqlFragment.condition(table, "check " + name, check));
    }
}
