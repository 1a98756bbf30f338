package dev.slipway.schema.op;

import dev.slipway.model.SpecNode;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One of pgroll's table constraints ({@code create_table.constraints}): {@code unique}, {@code check},
 * {@code primary_key}, {@code foreign_key} or {@code exclude}, with {@code deferrable}, {@code initially_deferred},
 * {@code nulls_not_distinct} (PostgreSQL 15+), {@code no_inherit} and {@code index_parameters} where they apply.
 */
public record TableConstraint(String name, String type, List<String> columns, String check, boolean nullsNotDistinct,
                              boolean deferrable, boolean initiallyDeferred, boolean noInherit,
                              ForeignKeys.TableReference references, Exclude exclude, IndexParameters indexParameters) {

    static final List<String> TYPES = List.of("unique", "check", "primary_key", "foreign_key", "exclude");
    /** The fields each type may carry besides name and type (pgroll's schema forbids the others). */
    private static final Map<String, Set<String>> FIELDS = Map.of(
            "unique", Set.of("columns", "nulls_not_distinct", "deferrable", "initially_deferred", "index_parameters"),
            "check", Set.of("check", "no_inherit", "columns"),
            "primary_key", Set.of("columns", "deferrable", "initially_deferred", "index_parameters"),
            "foreign_key", Set.of("columns", "references", "deferrable", "initially_deferred"),
            "exclude", Set.of("exclude", "deferrable", "initially_deferred", "index_parameters"));

    /** An exclusion constraint: {@code EXCLUDE USING index_method (elements) WHERE (predicate)}. */
    public record Exclude(String indexMethod, String elements, String predicate) {
        static Exclude parse(SpecNode node) {
            node.allowOnly("index_method", "elements", "predicate");
            return new Exclude(node.optional("index_method").map(value -> SqlText.choice(value, CreateIndex.METHODS)).orElse(null),
                    SqlText.list(node.require("elements")),
                    node.optional("predicate").map(SqlText::expression).orElse(null));
        }
    }

    public static TableConstraint parse(SpecNode node) {
        node.allowOnly("name", "type", "columns", "check", "nulls_not_distinct", "deferrable", "initially_deferred",
                "no_inherit", "references", "exclude", "index_parameters");
        String type = SqlText.choice(node.require("type"), TYPES);
        for (Map.Entry<String, SpecNode> field : node.fields().entrySet()) {
            String key = field.getKey();
            if (!key.equals("name") && !key.equals("type") && !FIELDS.get(type).contains(key) && !field.getValue().isNull()) {
                throw field.getValue().error("'" + key + "' does not apply to a " + type + " constraint");
            }
        }
        List<String> columns = node.optional("columns").map(ForeignKeys::names).orElse(List.of());
        if (columns.isEmpty() && !type.equals("check") && !type.equals("exclude")) {
            throw node.error("missing required field 'columns'");
        }
        TableConstraint constraint = new TableConstraint(SqlText.name(node.require("name")), type, columns,
                type.equals("check") ? SqlText.expression(node.require("check")) : null,
                flag(node, "nulls_not_distinct"), flag(node, "deferrable"), flag(node, "initially_deferred"),
                flag(node, "no_inherit"),
                type.equals("foreign_key") ? ForeignKeys.TableReference.parse(node.require("references")) : null,
                type.equals("exclude") ? Exclude.parse(node.require("exclude")) : null,
                node.optional("index_parameters").map(IndexParameters::parse).orElse(IndexParameters.NONE));
        if (constraint.references != null && constraint.references.columns().size() != columns.size()) {
            throw node.require("references").error("references " + constraint.references.columns().size()
                    + " columns for " + columns.size());
        }
        return constraint;
    }

    private static boolean flag(SpecNode node, String key) {
        return node.optional(key).map(SpecNode::bool).orElse(false);
    }

    /** {@code CONSTRAINT "name" ...} as written inside CREATE TABLE or ALTER TABLE ... ADD. */
    public String definition(String schema) {
        String deferral = (deferrable ? " DEFERRABLE" : "") + (initiallyDeferred ? " INITIALLY DEFERRED" : "");
        String body = switch (type) {
            case "unique" -> "UNIQUE" + (nullsNotDistinct ? " NULLS NOT DISTINCT" : "") + " (" + Sql.identList(columns) + ")"
                    + indexParameters.clause() + deferral;
            case "primary_key" -> "PRIMARY KEY (" + Sql.identList(columns) + ")" + indexParameters.clause() + deferral;
            case "check" -> "CHECK (" + check + ")" + (noInherit ? " NO INHERIT" : "");
            case "foreign_key" -> "FOREIGN KEY (" + Sql.identList(columns) + ") "
                    + references.clause(schema, deferrable, initiallyDeferred);
            default -> "EXCLUDE" + (exclude.indexMethod() != null ? " USING " + exclude.indexMethod() : "")
                    + " (" + exclude.elements() + ")" + indexParameters.clause()
                    + (exclude.predicate() != null ? " WHERE (" + exclude.predicate() + ")" : "") + deferral;
        };
        return "CONSTRAINT " + Sql.ident(name) + " " + body;
    }

    /** The columns the constraint names (its own, the included ones, the ones set on delete). */
    List<String> namedColumns() {
        List<String> named = new java.util.ArrayList<>(columns);
        named.addAll(indexParameters.includeColumns());
        if (references != null) named.addAll(references.onDeleteSetColumns());
        return named;
    }
}
