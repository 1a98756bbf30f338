package dev.slipway.schema.op;

import dev.slipway.model.SpecNode;

import java.util.List;

/** The {@code REFERENCES} clause of a foreign key, and the table-level reference of pgroll's constraints. */
public final class ForeignKeys {
    private ForeignKeys() {
    }

    /**
     * A multi-column reference: {@code {table, columns, on_delete, on_update, match_type, on_delete_set_columns}}
     * (Slipway's {@code create_constraint} and pgroll's table constraints).
     */
    public record TableReference(String table, List<String> columns, String onDelete, List<String> onDeleteSetColumns,
                                 String onUpdate, String matchType) {

        public static TableReference parse(SpecNode node) {
            node.allowOnly("table", "columns", "on_delete", "on_update", "match_type", "on_delete_set_columns");
            return new TableReference(SqlText.name(node.require("table")), names(node.require("columns")),
                    node.optional("on_delete").map(value -> SqlText.choice(value, ColumnSpec.FOREIGN_KEY_ACTIONS)).orElse(null),
                    node.optional("on_delete_set_columns").map(ForeignKeys::names).orElse(List.of()),
                    node.optional("on_update").map(value -> SqlText.choice(value, ColumnSpec.FOREIGN_KEY_ACTIONS)).orElse(null),
                    node.optional("match_type").map(value -> SqlText.choice(value, ColumnSpec.MATCH_TYPES)).orElse(null));
        }

        public String clause(String schema, boolean deferrable, boolean initiallyDeferred) {
            return ForeignKeys.clause(schema, table, columns, matchType, onDelete, onDeleteSetColumns, onUpdate,
                    deferrable, initiallyDeferred);
        }
    }

    /** A list of names ({@code [a, b]}), each checked. */
    public static List<String> names(SpecNode list) {
        List<String> names = list.items().stream().map(SqlText::name).toList();
        if (names.isEmpty()) throw list.error("give at least one name");
        return names;
    }

    static String clause(String schema, String table, List<String> columns, String matchType, String onDelete,
                         List<String> onDeleteSetColumns, String onUpdate, boolean deferrable, boolean initiallyDeferred) {
        StringBuilder sql = new StringBuilder("REFERENCES ").append(Sql.qualified(schema, table))
                .append(" (").append(Sql.identList(columns)).append(')');
        if (matchType != null) sql.append(" MATCH ").append(matchType);
        if (onDelete != null) {
            sql.append(" ON DELETE ").append(onDelete);
            if (!onDeleteSetColumns.isEmpty()) sql.append(" (").append(Sql.identList(onDeleteSetColumns)).append(')');
        }
        if (onUpdate != null) sql.append(" ON UPDATE ").append(onUpdate);
        if (deferrable) sql.append(" DEFERRABLE");
        if (initiallyDeferred) sql.append(" INITIALLY DEFERRED");
        return sql.toString();
    }

    /** Checks that {@code table} exists in the layout with {@code columns}. */
    static void requireTarget(SchemaSnapshot schema, String what, String table, List<String> columns) {
        TableSnapshot target = schema.table(table).orElseThrow(() ->
                new InvalidOperationException(what + " references table " + table + ", which does not exist"));
        for (String column : columns) {
            if (target.column(column).isEmpty()) {
                throw new InvalidOperationException(what + " references " + table + "." + column
                        + ", which does not exist (columns: " + target.columnNames() + ")");
            }
        }
    }
}
