package dev.slipway.schema.op;

import dev.slipway.model.SpecNode;

import java.util.ArrayList;
import java.util.List;

/**
 * Adds a column under its final name; the old version's views simply leave it out. Existing rows and rows the
 * old binary writes are filled from {@code up} (by the sync trigger and the backfill). A NOT NULL column filled
 * by {@code up} is guarded by a {@code CHECK (... IS NOT NULL) NOT VALID} constraint, validated after the
 * backfill without blocking writes, and turned into a real NOT NULL on complete (PostgreSQL 12+ skips the scan
 * when a valid check proves it). Its check and foreign key are added NOT VALID and validated the same way, a unique
 * column gets its index CONCURRENTLY.
 * <p>
 * A generated column (pgroll's {@code generated: {expression}} or {@code {identity: ...}}) fills itself, for old and
 * new writers alike, so it takes no {@code up}. PostgreSQL fills it for existing rows by rewriting the whole table
 * under an ACCESS EXCLUSIVE lock, so start adds one only to a table without rows (checked under that lock, in the
 * same transaction) and refuses otherwise: give a plain column an {@code up} instead.
 * <p>
 * A default PostgreSQL computes per row (a volatile one: {@code gen_random_uuid()}, {@code clock_timestamp()},
 * {@code nextval(...)}) would also rewrite the table under ACCESS EXCLUSIVE if given with ADD COLUMN. So such a column is
 * added without it, the default is set by a second, catalog-only ALTER (new rows from either version get it from
 * there), and existing rows are filled by the backfill with {@code COALESCE(column, default)}: a row keeps a value
 * it has, so an old-version update never gives a row a second one (pgroll does the same, its #643). A serial column
 * is the same case: its sequence is created first and its {@code nextval} becomes that default.
 */
public record AddColumn(String table, ColumnSpec column, String up) implements Operation {

    public static AddColumn parse(SpecNode node, Dialect dialect) {
        node.allowOnly("table", "column", "up", "comment");
        ColumnSpec column = ColumnSpec.parse(node.require("column"), dialect);
        if (column.generated().isPresent() && node.optional("up").isPresent()) {
            throw node.require("up").error("a generated column computes its own values; leave out 'up'");
        }
        return new AddColumn(SqlText.name(node.require("table")), column,
                node.optional("up").map(SqlText::expression).orElse(null));
    }

    @Override public String kind() { return "add_column"; }

    @Override public String describe() { return "add_column " + table + "." + column.name(); }

    @Override
    public void validate(SchemaSnapshot schema) {
        TableSnapshot target = schema.requireTable(table);
        target.requireNoColumn(column.name());
        if (column.primaryKey()) {
            throw new InvalidOperationException("cannot add a primary key column to an existing table");
        }
        if (!column.nullable() && column.defaultValue() == null && up == null && !serial() && column.generated().isEmpty()) {
            throw new InvalidOperationException("a NOT NULL column needs a default or an 'up' expression,"
                    + " or existing rows and the old version's inserts would violate it");
        }
        column.validateReference(schema);
    }

    /**
     * Whether the default must be computed per existing row, by the backfill: anything PostgreSQL may not store in the
     * catalog when it adds the column (only a non-volatile default is). Only forms known to be non-volatile stay with
     * ADD COLUMN; any other default takes the backfill's path, which is right for every default and merely slower for
     * a non-volatile one not recognised here. An explicit {@code up} fills existing rows itself.
     */
    boolean defaultPerRow() {
        return up == null && column.defaultValue() != null && !storedInCatalog(column.defaultValue());
    }

    private static final java.util.regex.Pattern CATALOG_DEFAULT = java.util.regex.Pattern.compile(
            "(?is)\\s*(?:[-+]?\\s*(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:e[-+]?\\d+)?"   // a number
                    + "|'(?:[^']|'')*'"                                                  // a string
                    + "|true|false|null"
                    + "|now\\s*\\(\\s*\\)|transaction_timestamp\\s*\\(\\s*\\)|statement_timestamp\\s*\\(\\s*\\)"
                    + "|current_(?:timestamp|time|date|user|role|schema)(?:\\s*\\(\\s*\\d*\\s*\\))?"
                    + "|localtime(?:stamp)?(?:\\s*\\(\\s*\\d*\\s*\\))?|session_user|user)"
                    + "(?:\\s*::\\s*[a-z_][a-z0-9_ .\"]*(?:\\(\\s*\\d+(?:\\s*,\\s*\\d+)?\\s*\\))?(?:\\s*\\[\\s*\\])*)*\\s*");

    /** A literal or a stable time/user function, with casts: non-volatile, so PostgreSQL 11+ stores it in the catalog. */
    static boolean storedInCatalog(String expression) {
        return CATALOG_DEFAULT.matcher(expression).matches();
    }

    /**
     * What fills existing rows and the old version's writes: {@code up}, or a per-row default (a serial column's
     * {@code nextval}) where a row has none.
     */
    private String fill() {
        if (up != null) return up;
        if (serial() && column.defaultValue() == null) {
            // A text argument: the sequence is looked up when a row needs a number, not when start checks the
            // expression, before the sequence exists. Sync triggers and the backfill run with the base schema's path.
            return "COALESCE(" + Sql.ident(column.name()) + ", nextval(" + Sql.literal(Sql.ident(sequence())) + "::text))";
        }
        return defaultPerRow() ? "COALESCE(" + Sql.ident(column.name()) + ", " + column.defaultValue() + ")" : null;
    }

    /** serial columns fill themselves from their sequence (a default), so they need no {@code up}. */
    private boolean serial() {
        return serialBase().isPresent();
    }

    /** The integer type a serial type stands for. */
    private java.util.Optional<String> serialBase() {
        return switch (column.type().trim().toLowerCase(java.util.Locale.ROOT)) {
            case "serial", "serial4" -> java.util.Optional.of("integer");
            case "bigserial", "serial8" -> java.util.Optional.of("bigint");
            case "smallserial", "serial2" -> java.util.Optional.of("smallint");
            default -> java.util.Optional.empty();
        };
    }

    /** A serial column's sequence, named as PostgreSQL names it ({@code <table>_<column>_seq}). */
    String sequence() {
        return Sql.generatedName(table, column.name(), "seq");
    }

    @Override
    public void reshape(SchemaSnapshot schema) {
        schema.requireTable(table).addColumn(column.snapshot());
    }

    String notNullConstraint() {
        return Sql.generatedName(table, column.name(), "not_null");
    }

    String uniqueIndex() {
        return Sql.generatedName(table, column.name(), "key");
    }

    /** NOT NULL is enforced through a check first when rows must be backfilled before it can hold. */
    private boolean notNullByCheck() {
        return (!column.nullable() || serial()) && fill() != null;
    }

    @Override
    public void start(MigrationContext context) {
        String tableName = context.table(table);
        // A constant default is stored in the catalog (PostgreSQL 11+), so adding it does not rewrite the table.
        List<String> statements = new ArrayList<>();
        if (column.generated().isPresent()) {
            statements.add("LOCK TABLE " + tableName + " IN ACCESS EXCLUSIVE MODE");
            statements.add(Sql.doBlock("BEGIN IF EXISTS (SELECT FROM " + tableName + ") THEN RAISE EXCEPTION '%', "
                    + Sql.literal("add_column " + table + "." + column.name() + ": adding a generated column rewrites"
                    + " every row under an ACCESS EXCLUSIVE lock, and " + table + " has rows; add a plain column with an"
                    + " 'up' expression instead (or generate it in create_table)") + "; END IF; END"));
        }
        if (serial() && column.defaultValue() == null) {
            // What ADD COLUMN ... serial does, without the rewrite its volatile default would cause: a sequence the
            // column owns (dropped with it), its nextval as the default for new rows, the backfill for existing ones.
            String sequence = Sql.qualified(context.schema(), sequence());
            String integer = serialBase().orElseThrow();
            statements.add("CREATE SEQUENCE " + sequence + " AS " + integer);
            statements.add("ALTER TABLE " + tableName + " ADD COLUMN " + Sql.ident(column.name()) + " " + integer);
            statements.add("ALTER SEQUENCE " + sequence + " OWNED BY " + tableName + "." + Sql.ident(column.name()));
            statements.add("ALTER TABLE " + tableName + " ALTER COLUMN " + Sql.ident(column.name())
                    + " SET DEFAULT nextval(" + Sql.literal(sequence) + "::regclass)");
        } else {
            statements.add("ALTER TABLE " + tableName + " ADD COLUMN " + column.definition(!notNullByCheck(), !defaultPerRow()));
        }
        if (defaultPerRow()) {
            statements.add("ALTER TABLE " + tableName + " ALTER COLUMN " + Sql.ident(column.name()) + " SET DEFAULT "
                    + column.defaultValue());
        }
        if (notNullByCheck()) {
            statements.add("ALTER TABLE " + tableName + " ADD CONSTRAINT " + Sql.ident(notNullConstraint())
                    + " CHECK (" + Sql.ident(column.name()) + " IS NOT NULL) NOT VALID");
        }
        column.check().ifPresent(check -> statements.add("ALTER TABLE " + tableName + " ADD CONSTRAINT "
                + Sql.ident(column.checkName(table)) + " " + check.clause() + " NOT VALID"));
        column.references().ifPresent(reference -> statements.add("ALTER TABLE " + tableName + " ADD CONSTRAINT "
                + Sql.ident(column.foreignKeyName(table)) + " FOREIGN KEY (" + Sql.ident(column.name()) + ") "
                + reference.clause(context.schema()) + " NOT VALID"));
        if (column.comment() != null) {
            statements.add("COMMENT ON COLUMN " + tableName + "." + Sql.ident(column.name()) + " IS " + Sql.literal(column.comment()));
        }
        context.execute(statements.toArray(String[]::new));
        if (column.unique()) {
            context.executeConcurrently("CREATE UNIQUE INDEX CONCURRENTLY " + Sql.ident(uniqueIndex()) + " ON "
                    + tableName + " (" + Sql.ident(column.name()) + ")",
                    "DROP INDEX CONCURRENTLY IF EXISTS " + Sql.qualified(context.schema(), uniqueIndex()));
        }
    }

    @Override
    public void afterBackfill(MigrationContext context) {
        // VALIDATE takes SHARE UPDATE EXCLUSIVE: it scans the table while reads and writes go on.
        String tableName = context.table(table);
        if (notNullByCheck()) {
            context.execute("ALTER TABLE " + tableName + " VALIDATE CONSTRAINT " + Sql.ident(notNullConstraint()));
        }
        if (column.check().isPresent()) {
            context.execute("ALTER TABLE " + tableName + " VALIDATE CONSTRAINT " + Sql.ident(column.checkName(table)));
        }
        if (column.references().isPresent()) {
            context.execute("ALTER TABLE " + tableName + " VALIDATE CONSTRAINT " + Sql.ident(column.foreignKeyName(table)));
        }
    }

    @Override
    public void complete(MigrationContext context) {
        if (notNullByCheck()) {
            String tableName = context.table(table);
            context.execute(
                    "ALTER TABLE " + tableName + " ALTER COLUMN " + Sql.ident(column.name()) + " SET NOT NULL",
                    "ALTER TABLE " + tableName + " DROP CONSTRAINT IF EXISTS " + Sql.ident(notNullConstraint()));
        }
    }

    @Override
    public void rollback(MigrationContext context) {
        // Dropping the column drops its constraints and index with it.
        context.execute(Sql.ifColumnExists(context.schema(), table, column.name(),
                "ALTER TABLE " + context.table(table) + " DROP COLUMN " + Sql.ident(column.name())));
    }

    @Override
    public List<SyncRule> syncRules() {
        String fill = fill();
        return fill == null ? List.of() : List.of(new SyncRule(table, column.name(), fill, SyncRule.Direction.UP));
    }

    @Override
    public List<SqlFragment> fragments() {
        return SqlFragment.ofColumn(table, column);
    }
}
