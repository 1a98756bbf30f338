package dev.slipway.schema.op;

import dev.slipway.model.SpecNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Builds an index with CREATE INDEX CONCURRENTLY at start (writes continue; a failed build's INVALID leftover is
 * dropped). Indexes are invisible to views, so both versions simply benefit. {@code columns} is a list of names,
 * or pgroll's per-column settings — a list of {@code {column, collate, sort, nulls, opclass: {name, params}}} or a
 * mapping from column name to those settings; {@code method} is one of PostgreSQL's index methods,
 * {@code storage_parameters} its {@code WITH (...)} list.
 */
public record CreateIndex(String name, String table, List<IndexColumn> columns, boolean unique, String method,
                          String predicate, String storageParameters) implements Operation {

    static final List<String> METHODS = List.of("btree", "hash", "gist", "spgist", "gin", "brin");

    /** One indexed column and how it is ordered and compared. */
    public record IndexColumn(String name, String collate, String sort, String nulls, String opclass, String opclassParameters) {

        static IndexColumn plain(String name) {
            return new IndexColumn(name, null, null, null, null, null);
        }

        static IndexColumn parse(String name, SpecNode settings) {
            if (settings.isNull()) return plain(name);
            settings.allowOnly("column", "collate", "sort", "nulls", "opclass");
            String opclass = null;
            String parameters = null;
            if (settings.optional("opclass").isPresent()) {
                SpecNode node = settings.require("opclass");
                node.allowOnly("name", "params");
                opclass = SqlText.qualifiedName(node.require("name"));
                List<String> params = node.optional("params").map(list -> list.items().stream()
                        .map(SqlText::parameters).toList()).orElse(List.of());
                parameters = params.isEmpty() ? null : String.join(", ", params);
            }
            return new IndexColumn(name, settings.optional("collate").map(SqlText::name).orElse(null),
                    settings.optional("sort").map(value -> SqlText.choice(value, List.of("ASC", "DESC"))).orElse(null),
                    settings.optional("nulls").map(value -> SqlText.choice(value, List.of("FIRST", "LAST"))).orElse(null),
                    opclass, parameters);
        }

        String definition() {
            StringBuilder sql = new StringBuilder(Sql.ident(name));
            if (collate != null) sql.append(" COLLATE ").append(Sql.ident(collate));
            if (opclass != null) {
                sql.append(' ').append(java.util.Arrays.stream(opclass.split("\\.")).map(Sql::ident)
                        .collect(Collectors.joining(".")));
                if (opclassParameters != null) sql.append(" (").append(opclassParameters).append(')');
            }
            if (sort != null) sql.append(' ').append(sort);
            if (nulls != null) sql.append(" NULLS ").append(nulls);
            return sql.toString();
        }
    }

    public static CreateIndex parse(SpecNode node) {
        node.allowOnly("name", "table", "columns", "unique", "method", "predicate", "storage_parameters", "comment");
        SpecNode columnsNode = node.require("columns");
        List<IndexColumn> columns = new ArrayList<>();
        if (columnsNode.isMapping()) {
            for (Map.Entry<String, SpecNode> entry : columnsNode.fields().entrySet()) {
                columns.add(IndexColumn.parse(entry.getKey(), entry.getValue()));
            }
        } else {
            for (SpecNode item : columnsNode.items()) {
                columns.add(item.isMapping() ? IndexColumn.parse(SqlText.name(item.require("column")), item)
                        : IndexColumn.plain(SqlText.name(item)));
            }
        }
        if (columns.isEmpty()) throw columnsNode.error("an index needs at least one column");
        return new CreateIndex(SqlText.name(node.require("name")), SqlText.name(node.require("table")), List.copyOf(columns),
                node.optional("unique").map(SpecNode::bool).orElse(false),
                node.optional("method").map(value -> SqlText.choice(value, METHODS)).orElse(null),
                node.optional("predicate").map(SqlText::expression).orElse(null),
                node.optional("storage_parameters").map(SqlText::parameters).orElse(null));
    }

    @Override public String kind() { return "create_index"; }

    @Override public String describe() { return "create_index " + name; }

    @Override
    public void validate(SchemaSnapshot schema) {
        if (schema.hasIndex(name)) throw new InvalidOperationException("index already exists");
        TableSnapshot target = schema.requireTable(table);
        columns.forEach(column -> target.requireColumn(column.name()));
    }

    @Override
    public void reshape(SchemaSnapshot schema) {
        schema.addIndex(name);
        // A later operation of this migration duplicating one of these columns must not lose the index on complete.
        schema.table(table).ifPresent(target -> columns.forEach(column -> target.addDependent(column.name(), name)));
    }

    @Override
    public void start(MigrationContext context) {
        context.executeConcurrently("CREATE " + (unique ? "UNIQUE " : "") + "INDEX CONCURRENTLY " + Sql.ident(name)
                        + " ON " + context.table(table) + (method != null ? " USING " + method : "")
                        + " (" + columns.stream().map(IndexColumn::definition).collect(Collectors.joining(", ")) + ")"
                        + (storageParameters != null ? " WITH (" + storageParameters + ")" : "")
                        + (predicate != null ? " WHERE " + predicate : ""),
                drop(context));
    }

    private String drop(MigrationContext context) {
        return "DROP INDEX CONCURRENTLY IF EXISTS " + Sql.qualified(context.schema(), name);
    }

    @Override
    public void complete(MigrationContext context) {
    }

    @Override
    public void rollback(MigrationContext context) {
        context.executeConcurrently(drop(context), null);
    }

    @Override
    public List<SqlFragment> fragments() {
        return predicate == null ? List.of() : List.of(SqlFragment.condition(table, "predicate of index " + name, predicate));
    }
}
