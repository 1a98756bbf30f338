package dev.slipway.schema.op;

import dev.slipway.model.SpecNode;

import java.util.List;
import java.util.Optional;

/**
 * A column as a migration declares it, in Slipway's or pgroll's spelling:
 * {@code {name, type, pk, nullable, default, unique, check, references, comment, generated}}. {@code check} is an
 * expression or {@code {name, constraint, no_inherit}}; {@code references} is {@code {table, column, on_delete}} plus
 * pgroll's {@code name, on_update, match_type, deferrable, initially_deferred}; {@code generated} is
 * {@code {expression}} (a stored generated column) or {@code {identity: {user_specified_values, sequence_options}}}.
 * Without {@code nullable} a column is nullable in Slipway's files and NOT NULL in pgroll's ({@link Dialect});
 * {@code pk: true} implies NOT NULL. Every piece of SQL in it is checked by {@link SqlText} as it is read.
 */
public record ColumnSpec(String name, String type, boolean primaryKey, boolean nullable, String defaultValue,
                         boolean unique, Optional<Reference> references, Optional<Check> check, String comment,
                         Optional<Generated> generated) {

    static final List<String> FOREIGN_KEY_ACTIONS = List.of("NO ACTION", "RESTRICT", "CASCADE", "SET NULL", "SET DEFAULT");
    static final List<String> MATCH_TYPES = List.of("SIMPLE", "FULL", "PARTIAL");

    /** A single-column foreign key. {@code name} may be null (Slipway names it {@code <table>_<column>_fkey}). */
    public record Reference(String name, String table, String column, String onDelete, String onUpdate,
                            String matchType, boolean deferrable, boolean initiallyDeferred) {

        public static Reference parse(SpecNode node) {
            node.allowOnly("name", "table", "column", "on_delete", "on_update", "match_type", "deferrable",
                    "initially_deferred");
            return new Reference(node.optional("name").map(SqlText::name).orElse(null),
                    SqlText.name(node.require("table")), SqlText.name(node.require("column")),
                    node.optional("on_delete").map(value -> SqlText.choice(value, FOREIGN_KEY_ACTIONS)).orElse(null),
                    node.optional("on_update").map(value -> SqlText.choice(value, FOREIGN_KEY_ACTIONS)).orElse(null),
                    node.optional("match_type").map(value -> SqlText.choice(value, MATCH_TYPES)).orElse(null),
                    node.optional("deferrable").map(SpecNode::bool).orElse(false),
                    node.optional("initially_deferred").map(SpecNode::bool).orElse(false));
        }

        /** {@code REFERENCES "public"."customers" ("id") MATCH ... ON DELETE ... ON UPDATE ... DEFERRABLE ...}. */
        public String clause(String schema) {
            return ForeignKeys.clause(schema, table, List.of(column), matchType, onDelete, List.of(), onUpdate,
                    deferrable, initiallyDeferred);
        }
    }

    /** A check constraint: {@code name} may be null (Slipway names it {@code <table>_<column>_check}). */
    public record Check(String name, String expression, boolean noInherit) {
        /** An expression, or pgroll's {@code {name, constraint, no_inherit}}. */
        public static Check parse(SpecNode node) {
            if (!node.isMapping()) return new Check(null, SqlText.expression(node), false);
            node.allowOnly("name", "constraint", "no_inherit");
            return new Check(SqlText.name(node.require("name")), SqlText.expression(node.require("constraint")),
                    node.optional("no_inherit").map(SpecNode::bool).orElse(false));
        }

        /** {@code CHECK (expression) [NO INHERIT]}. */
        public String clause() {
            return "CHECK (" + expression + ")" + (noInherit ? " NO INHERIT" : "");
        }
    }

    /**
     * A generated column: a stored expression, or an identity ({@code ALWAYS} or {@code BY DEFAULT}) with optional
     * sequence options.
     */
    public record Generated(String expression, String identity, String sequenceOptions) {
        /** {@code AS type} among sequence options, outside quoted names: PostgreSQL refuses it for an identity. */
        private static final java.util.regex.Pattern TYPE_OPTION = java.util.regex.Pattern.compile("(?i)(?<![a-z0-9_$.])as(?![a-z0-9_$])");

        static Generated parse(SpecNode node) {
            node.allowOnly("expression", "identity");
            Optional<SpecNode> expression = node.optional("expression");
            Optional<SpecNode> identity = node.optional("identity");
            if (expression.isPresent() == identity.isPresent()) {
                throw node.error("give exactly one of 'expression' and 'identity'");
            }
            if (expression.isPresent()) return new Generated(SqlText.expression(expression.get()), null, null);
            SpecNode settings = identity.get();
            if (!settings.isMapping()) return new Generated(null, "ALWAYS", null);
            settings.allowOnly("user_specified_values", "sequence_options");
            settings.optional("sequence_options").filter(options -> TYPE_OPTION.matcher(
                    options.nonBlankString().replaceAll("\"(?:[^\"]|\"\")*\"", "\"\"")).find()).ifPresent(options -> {
                throw options.error("leave out AS: an identity's sequence has its column's type");
            });
            return new Generated(null,
                    settings.optional("user_specified_values").map(value -> SqlText.choice(value, List.of("ALWAYS", "BY DEFAULT")))
                            .orElse("ALWAYS"),
                    settings.optional("sequence_options").map(SqlText::list).orElse(null));
        }

        String clause() {
            if (expression != null) return "GENERATED ALWAYS AS (" + expression + ") STORED";
            return "GENERATED " + identity + " AS IDENTITY" + (sequenceOptions != null ? " (" + sequenceOptions + ")" : "");
        }
    }

    public static ColumnSpec parse(SpecNode node, Dialect dialect) {
        node.allowOnly("name", "type", "pk", "nullable", "default", "unique", "references", "check", "comment", "generated");
        boolean primaryKey = node.optional("pk").map(SpecNode::bool).orElse(false);
        boolean nullable = node.optional("nullable").map(SpecNode::bool).orElse(!primaryKey && dialect.nullableByDefault());
        if (primaryKey && nullable) {
            throw node.require("nullable").error("a primary key column cannot be nullable");
        }
        Optional<Generated> generated = node.optional("generated").map(Generated::parse);
        if (generated.isPresent() && node.optional("default").isPresent()) {
            throw node.require("default").error("a generated column cannot have a default");
        }
        return new ColumnSpec(SqlText.name(node.require("name")), SqlText.typeName(node.require("type")),
                primaryKey, nullable, node.optional("default").map(SqlText::expression).orElse(null),
                node.optional("unique").map(SpecNode::bool).orElse(false),
                node.optional("references").map(Reference::parse),
                node.optional("check").map(Check::parse),
                node.optional("comment").map(SpecNode::string).orElse(null), generated);
    }

    /** {@code "email" text NOT NULL DEFAULT ...}: the parts of a column definition safe inside any ALTER/CREATE. */
    public String definition(boolean withNotNull) {
        return definition(withNotNull, true);
    }

    /** As {@link #definition(boolean)}, without the default when {@code withDefault} is false (set by a later ALTER). */
    public String definition(boolean withNotNull, boolean withDefault) {
        StringBuilder sql = new StringBuilder(Sql.ident(name)).append(' ').append(type);
        if (defaultValue != null && withDefault) {
            sql.append(" DEFAULT ").append(defaultValue);
        }
        generated.ifPresent(value -> sql.append(' ').append(value.clause()));
        if (withNotNull && !nullable) {
            sql.append(" NOT NULL");
        }
        return sql.toString();
    }

    /** The name of the column's check constraint: its own, or {@code <table>_<column>_check}. */
    public String checkName(String table) {
        return check.map(Check::name).orElse(Sql.generatedName(table, name, "check"));
    }

    /** The name of the column's foreign key: its own, or {@code <table>_<column>_fkey}. */
    public String foreignKeyName(String table) {
        return references.map(Reference::name).orElse(Sql.generatedName(table, name, "fkey"));
    }

    public ColumnSnapshot snapshot() {
        return new ColumnSnapshot(name, name, type, nullable, defaultValue);
    }

    /** Checks the foreign key target exists in the layout. */
    public void validateReference(SchemaSnapshot schema) {
        references.ifPresent(reference -> ForeignKeys.requireTarget(schema, "column " + name, reference.table(),
                List.of(reference.column())));
    }
}
