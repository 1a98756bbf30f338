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
 * new writers alike, so it takes no {@code up}. PostgreSQL computes an expression column for existing rows by
 * rewriting the whole table under an ACCESS EXCLUSIVE lock, so start adds one only to a table without rows (checked
 * under that lock, in the same transaction) and refuses otherwise: give a plain column an {@code up} instead.
 * An identity column is built like a serial one below, and becomes a real identity on complete (see
 * {@link #identityBlock}): PostgreSQL accepts {@code ADD GENERATED AS IDENTITY} only on a NOT NULL column, which it
 * cannot be before the backfill, and then changes only the catalog.
 * <p>
 * A default PostgreSQL computes per row (a volatile one: {@code gen_random_uuid()}, {@code clock_timestamp()},
 * {@code nextval(...)}) would also rewrite the table under ACCESS EXCLUSIVE if given with ADD COLUMN. So such a column is
 * added without it, the default is set by a second, catalog-only ALTER (new rows from either version get it from
 * there), and existing rows are filled by the backfill with {@code COALESCE(column, default)}: a row keeps a value
 * it has, so an old-version update never gives a row a second one (pgroll does the same, its #643). A serial column
 * is the same case: its sequence is created first and its {@code nextval} becomes that default. So is an identity
 * column while the migration is in flight: a plain integer column numbered from a sequence of its own, made with
 * the identity's {@code sequence_options}, so existing rows and both versions' inserts get distinct numbers.
 */
public record AddColumn(String table, ColumnSpec column, String up) implements Operation {

    public static AddColumn parse(SpecNode node, Dialect dialect) {
        node.allowOnly("table", "column", "up", "comment");
        ColumnSpec column = ColumnSpec.parse(node.require("column"), dialect);
        if (column.generated().isPresent() && node.optional("up").isPresent()) {
            throw node.require("up").error("a generated column computes its own values; leave out 'up'");
        }
        if (column.generated().filter(generated -> generated.identity() != null).isPresent()
                && !IDENTITY_TYPES.contains(column.type().trim().toLowerCase(java.util.Locale.ROOT))) {
            throw node.require("column").require("type").error("an identity column is smallint, integer or bigint, not "
                    + column.type());
        }
        return new AddColumn(SqlText.name(node.require("table")), column,
                node.optional("up").map(SqlText::expression).orElse(null));
    }

    /** The types an identity column may have, spelled as PostgreSQL reads them (start numbers it from a sequence AS it). */
    private static final java.util.Set<String> IDENTITY_TYPES = java.util.Set.of("smallint", "int2", "integer", "int", "int4",
            "bigint", "int8");

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
        if (ownSequence()) {
            // A text argument: the sequence is looked up when a row needs a number, not when start checks the
            // expression, before the sequence exists; unqualified, so found on the base schema's search path, which
            // the backfill has and the sync trigger sets for this rule (see syncRules).
            return "COALESCE(" + Sql.ident(column.name()) + ", nextval(" + Sql.literal(Sql.ident(sequence())) + "::text))";
        }
        return defaultPerRow() ? "COALESCE(" + Sql.ident(column.name()) + ", " + column.defaultValue() + ")" : null;
    }

    /** serial columns fill themselves from their sequence (a default), so they need no {@code up}. */
    private boolean serial() {
        return SerialTypes.base(column.type()).isPresent();
    }

    /** An identity column's settings; empty for any other column. */
    private java.util.Optional<ColumnSpec.Generated> identity() {
        return column.generated().filter(generated -> generated.identity() != null);
    }

    /** A generated column PostgreSQL computes from an expression (and on ADD COLUMN for every existing row). */
    private boolean expressionGenerated() {
        return column.generated().filter(generated -> generated.expression() != null).isPresent();
    }

    /**
     * Whether start numbers the column from a sequence it creates: a serial column without a default of its own, and
     * an identity column until complete makes it one.
     */
    private boolean ownSequence() {
        return (serial() && column.defaultValue() == null) || identity().isPresent();
    }

    /** The integer type of a column numbered from its own sequence: a serial's base type, an identity's own. */
    private String sequenceColumnType() {
        return SerialTypes.asType(column.type());
    }

    /**
     * {@code CREATE SEQUENCE} for the column's sequence: a serial's, or the one numbering an identity column in
     * flight, made with the identity's {@code sequence_options} (start, increment, bounds) so the numbers it hands
     * out are the ones the identity's own sequence would have, minus {@code SEQUENCE NAME}, which names that one.
     * Its type is the column's, as an identity's is (which is why PostgreSQL refuses {@code AS} among its options).
     */
    private String createSequence(String sequence) {
        String options = identity().map(ColumnSpec.Generated::sequenceOptions)
                .map(text -> SEQUENCE_NAME_OPTION.matcher(text).replaceAll(" ").strip()).orElse("");
        return "CREATE SEQUENCE " + sequence + " AS " + sequenceColumnType() + (options.isEmpty() ? "" : " " + options);
    }

    private static final String NAME = "(?:\"(?:[^\"]|\"\")*\"|[a-z_][a-z0-9_$]*)";
    /** {@code SEQUENCE NAME [schema.]name}: an identity-only option CREATE SEQUENCE refuses. */
    private static final java.util.regex.Pattern SEQUENCE_NAME_OPTION = java.util.regex.Pattern.compile(
            "(?i)(?<![a-z0-9_$\"])sequence\\s+name\\s+" + NAME + "(?:\\s*\\.\\s*" + NAME + ")*");

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
        return (!column.nullable() || serial() || identity().isPresent()) && fill() != null;
    }

    @Override
    public void start(MigrationContext context) {
        String tableName = context.table(table);
        // A constant default is stored in the catalog (PostgreSQL 11+), so adding it does not rewrite the table.
        List<String> statements = new ArrayList<>();
        if (expressionGenerated()) {
            statements.add("LOCK TABLE " + tableName + " IN ACCESS EXCLUSIVE MODE");
            statements.add(Sql.doBlock("BEGIN IF EXISTS (SELECT FROM " + tableName + ") THEN RAISE EXCEPTION '%', "
                    + Sql.literal("add_column " + table + "." + column.name() + ": adding a column generated from an"
                    + " expression makes PostgreSQL compute it for every row, rewriting the table under an ACCESS"
                    + " EXCLUSIVE lock, and " + table + " has rows; add " + column.name() + " as a plain column with"
                    + " up: \"" + column.generated().orElseThrow().expression() + "\" instead (or generate it in"
                    + " create_table)") + "; END IF; END"));
        }
        if (ownSequence()) {
            // What ADD COLUMN ... serial does, without the rewrite its volatile default would cause: a sequence the
            // column owns (dropped with it), its nextval as the default for new rows, the backfill for existing ones.
            String sequence = Sql.qualified(context.schema(), sequence());
            String integer = sequenceColumnType();
            statements.add(createSequence(sequence));
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
        String tableName = context.table(table);
        if (notNullByCheck()) {
            context.execute(
                    "ALTER TABLE " + tableName + " ALTER COLUMN " + Sql.ident(column.name()) + " SET NOT NULL",
                    "ALTER TABLE " + tableName + " DROP CONSTRAINT IF EXISTS " + Sql.ident(notNullConstraint()));
        }
        identity().ifPresent(generated -> context.execute(identityBlock(context.schema(), tableName, generated)));
    }

    /**
     * Turns the column numbered in flight into an identity column, in complete's transaction (the table is ACCESS
     * EXCLUSIVE from its first DROP TRIGGER on; these are catalog changes, no scan or rewrite): its default and
     * sequence go, SET NOT NULL (run just before) holds without a scan thanks to the validated check, and PostgreSQL
     * creates the identity's sequence, which is moved on to the last number the old one gave out. Not past the
     * column's highest value: finding it would scan the table under that lock; only a value the new version wrote
     * itself could be higher, which an identity BY DEFAULT lets collide anyway. Guarded by the column not being an
     * identity yet, so running complete again after it committed changes nothing.
     */
    private String identityBlock(String schema, String tableName, ColumnSpec.Generated generated) {
        String name = Sql.ident(column.name());
        String sequence = Sql.literal(Sql.qualified(schema, sequence()));
        return Sql.doBlock("DECLARE last_number bigint; BEGIN\n"
                + "IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = " + Sql.literal(tableName) + "::regclass"
                + " AND attname = " + Sql.literal(column.name()) + " AND attidentity = '' AND NOT attisdropped) THEN\n"
                + "  last_number := pg_sequence_last_value(to_regclass(" + sequence + "));\n"
                + "  ALTER TABLE " + tableName + " ALTER COLUMN " + name + " DROP DEFAULT;\n"
                + "  DROP SEQUENCE IF EXISTS " + Sql.qualified(schema, sequence()) + ";\n"
                + "  ALTER TABLE " + tableName + " ALTER COLUMN " + name + " ADD " + generated.clause() + ";\n"
                + "  IF last_number IS NOT NULL THEN\n"
                + "    PERFORM setval(pg_get_serial_sequence(" + Sql.literal(tableName) + ", " + Sql.literal(column.name())
                + "), last_number);\n"
                + "  END IF;\n"
                + "END IF; END");
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
        return fill == null ? List.of() : List.of(new SyncRule(table, column.name(), fill, SyncRule.Direction.UP,
                up == null && ownSequence()));
    }

    @Override
    public List<SqlFragment> fragments() {
        return SqlFragment.ofColumn(table, column);
    }
}
