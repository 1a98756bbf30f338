package dev.slipway.schema.op;

import dev.slipway.model.SpecNode;

import java.util.List;

/**
 * pgroll's {@code index_parameters} of a unique, primary key or exclusion constraint:
 * {@code {tablespace, storage_parameters, include_columns}}.
 */
public record IndexParameters(String tablespace, String storageParameters, List<String> includeColumns) {
    public static final IndexParameters NONE = new IndexParameters(null, null, List.of());

    public static IndexParameters parse(SpecNode node) {
        node.allowOnly("tablespace", "storage_parameters", "include_columns");
        return new IndexParameters(node.optional("tablespace").map(SqlText::name).orElse(null),
                node.optional("storage_parameters").map(SqlText::parameters).orElse(null),
                node.optional("include_columns").map(ForeignKeys::names).orElse(List.of()));
    }

    /** {@code INCLUDE (...) WITH (...) USING INDEX TABLESPACE ...}, each part only when given; starts with a space. */
    public String clause() {
        StringBuilder sql = new StringBuilder();
        if (!includeColumns.isEmpty()) sql.append(" INCLUDE (").append(Sql.identList(includeColumns)).append(')');
        if (storageParameters != null) sql.append(" WITH (").append(storageParameters).append(')');
        if (tablespace != null) sql.append(" USING INDEX TABLESPACE ").append(Sql.ident(tablespace));
        return sql.toString();
    }
}
