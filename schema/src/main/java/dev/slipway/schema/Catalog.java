package dev.slipway.schema;

import dev.slipway.schema.op.ColumnSnapshot;
import dev.slipway.schema.op.SchemaSnapshot;
import dev.slipway.schema.op.TableSnapshot;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads the physical tables of a schema from {@code pg_catalog}. When no migration is in flight the latest
 * version's views show exactly these tables and columns (contract made them so), which is why a migration is
 * validated against this snapshot.
 */
final class Catalog {
    private Catalog() {
    }

    static SchemaSnapshot read(Connection connection, String schema) throws SQLException {
        Map<String, List<ColumnSnapshot>> columns = new LinkedHashMap<>();
        try (PreparedStatement statement = connection.prepareStatement("""
                SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                       pg_get_expr(d.adbin, d.adrelid)
                  FROM pg_class c
                  JOIN pg_namespace n ON n.oid = c.relnamespace
                  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                  LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
                 WHERE n.nspname = ? AND c.relkind IN ('r', 'p') AND NOT c.relispartition
                 ORDER BY c.relname, a.attnum""")) {
            statement.setString(1, schema);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    columns.computeIfAbsent(rows.getString(1), table -> new ArrayList<>())
                            .add(new ColumnSnapshot(rows.getString(2), rows.getString(2), rows.getString(3),
                                    !rows.getBoolean(4), rows.getString(5)));
                }
            }
        }
        Map<String, List<String>> primaryKeys = new LinkedHashMap<>();
        try (PreparedStatement statement = connection.prepareStatement("""
                SELECT c.relname, a.attname
                  FROM pg_index i
                  JOIN pg_class c ON c.oid = i.indrelid
                  JOIN pg_namespace n ON n.oid = c.relnamespace
                  JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, position) ON true
                  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
                 WHERE n.nspname = ? AND i.indisprimary
                 ORDER BY c.relname, k.position""")) {
            statement.setString(1, schema);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    primaryKeys.computeIfAbsent(rows.getString(1), table -> new ArrayList<>()).add(rows.getString(2));
                }
            }
        }
        Map<String, Set<String>> constraints = new LinkedHashMap<>();
        Map<String, Map<String, Character>> constraintTypes = new LinkedHashMap<>();
        Map<String, Map<String, List<String>>> dependents = new LinkedHashMap<>();
        try (PreparedStatement statement = connection.prepareStatement("""
                SELECT c.relname, con.conname, con.contype::text,
                       ARRAY(SELECT a.attname FROM pg_attribute a
                              WHERE a.attrelid = c.oid AND a.attnum = ANY (con.conkey) ORDER BY a.attnum)
                  FROM pg_constraint con
                  JOIN pg_class c ON c.oid = con.conrelid
                  JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = ?""")) {
            statement.setString(1, schema);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    String table = rows.getString(1);
                    String name = rows.getString(2);
                    constraints.computeIfAbsent(table, key -> new TreeSet<>()).add(name);
                    constraintTypes.computeIfAbsent(table, key -> new LinkedHashMap<>()).put(name, rows.getString(3).charAt(0));
                    for (String column : (String[]) rows.getArray(4).getArray()) {
                        dependents.computeIfAbsent(table, key -> new LinkedHashMap<>())
                                .computeIfAbsent(column, key -> new ArrayList<>()).add(name);
                    }
                }
            }
        }
        // Foreign keys of other tables pointing at a column: dropping the column would need CASCADE.
        try (PreparedStatement statement = connection.prepareStatement("""
                SELECT c.relname, con.conname || ' (on ' || src.relname || ')', a.attname
                  FROM pg_constraint con
                  JOIN pg_class c ON c.oid = con.confrelid
                  JOIN pg_class src ON src.oid = con.conrelid
                  JOIN pg_namespace n ON n.oid = c.relnamespace
                  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY (con.confkey)
                 WHERE n.nspname = ? AND con.contype = 'f' AND con.conrelid <> con.confrelid""")) {
            statement.setString(1, schema);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    dependents.computeIfAbsent(rows.getString(1), key -> new LinkedHashMap<>())
                            .computeIfAbsent(rows.getString(3), key -> new ArrayList<>()).add(rows.getString(2));
                }
            }
        }
        // Indexes not backing a constraint, on the columns they cover (expression and predicate columns too).
        try (PreparedStatement statement = connection.prepareStatement("""
                SELECT t.relname, i.relname, a.attname
                  FROM pg_index x
                  JOIN pg_class i ON i.oid = x.indexrelid
                  JOIN pg_class t ON t.oid = x.indrelid
                  JOIN pg_namespace n ON n.oid = t.relnamespace
                  JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = i.oid
                                  AND d.refclassid = 'pg_class'::regclass AND d.refobjid = t.oid AND d.refobjsubid > 0
                  JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
                 WHERE n.nspname = ?
                   AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.oid AND con.conrelid = t.oid)
                 ORDER BY 1, 2""")) {
            statement.setString(1, schema);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    dependents.computeIfAbsent(rows.getString(1), key -> new LinkedHashMap<>())
                            .computeIfAbsent(rows.getString(3), key -> new ArrayList<>()).add(rows.getString(2));
                }
            }
        }
        Set<String> indexes = new TreeSet<>();
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT indexname FROM pg_indexes WHERE schemaname = ?")) {
            statement.setString(1, schema);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    indexes.add(rows.getString(1));
                }
            }
        }
        List<TableSnapshot> tables = new ArrayList<>();
        columns.forEach((table, tableColumns) -> tables.add(new TableSnapshot(table, table, tableColumns,
                primaryKeys.getOrDefault(table, List.of()), constraints.getOrDefault(table, Set.of()),
                dependents.getOrDefault(table, Map.of()), constraintTypes.getOrDefault(table, Map.of()))));
        return new SchemaSnapshot(tables, indexes);
    }
}
