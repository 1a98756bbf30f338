package dev.slipway.schema;

import dev.slipway.schema.op.ColumnSnapshot;
import dev.slipway.schema.op.Dependent;
import dev.slipway.schema.op.SchemaSnapshot;
import dev.slipway.schema.op.TableSnapshot;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
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
        Map<String, Map<String, Dependent>> definitions = readDefinitions(connection, schema);
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
                dependents.getOrDefault(table, Map.of()), constraintTypes.getOrDefault(table, Map.of()),
                definitions.getOrDefault(table, Map.of()))));
        return new SchemaSnapshot(tables, indexes);
    }

    /**
     * How each unique constraint, index, check and foreign key is defined, in pieces a column duplicate can copy with
     * its own column names (see {@link Dependent}). Key columns come by name; the rest (collation, operator class,
     * order, storage, predicate, a check's expression, a foreign key's REFERENCES clause) as PostgreSQL prints it.
     */
    private static Map<String, Map<String, Dependent>> readDefinitions(Connection connection, String schema) throws SQLException {
        Map<String, Map<String, Dependent>> definitions = new LinkedHashMap<>();
        try (PreparedStatement statement = connection.prepareStatement("""
                SELECT t.relname, coalesce(con.conname, i.relname), con.conname IS NOT NULL, x.indisunique, am.amname,
                       ARRAY(SELECT coalesce(a.attname::text, '') FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(attnum, pos)
                               LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
                              WHERE k.pos <= x.indnkeyatts ORDER BY k.pos),
                       ARRAY(SELECT CASE WHEN co.oid IS NOT NULL AND co.oid <> a.attcollation
                                         THEN ' COLLATE ' || quote_ident(con_ns.nspname) || '.' || quote_ident(co.collname) ELSE '' END
                                 || CASE WHEN NOT oc.opcdefault
                                         THEN ' ' || quote_ident(oc_ns.nspname) || '.' || quote_ident(oc.opcname) ELSE '' END
                                 || CASE WHEN x.indoption[(k.pos - 1)::int] & 1 = 1 THEN ' DESC' ELSE '' END
                                 || CASE WHEN x.indoption[(k.pos - 1)::int] & 3 = 2 THEN ' NULLS FIRST'
                                         WHEN x.indoption[(k.pos - 1)::int] & 3 = 1 THEN ' NULLS LAST' ELSE '' END
                               FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(attnum, pos)
                               LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
                               LEFT JOIN pg_collation co ON co.oid = x.indcollation[(k.pos - 1)::int]
                               LEFT JOIN pg_namespace con_ns ON con_ns.oid = co.collnamespace
                               LEFT JOIN pg_opclass oc ON oc.oid = x.indclass[(k.pos - 1)::int]
                               LEFT JOIN pg_namespace oc_ns ON oc_ns.oid = oc.opcnamespace
                              WHERE k.pos <= x.indnkeyatts ORDER BY k.pos),
                       ARRAY(SELECT coalesce(a.attname::text, '') FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(attnum, pos)
                               LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
                              WHERE k.pos > x.indnkeyatts ORDER BY k.pos),
                       coalesce(array_to_string(i.reloptions, ', '), ''),
                       coalesce((to_jsonb(x) ->> 'indnullsnotdistinct')::boolean, false),
                       pg_get_expr(x.indpred, x.indrelid), x.indexprs IS NOT NULL,
                       coalesce(con.condeferrable, false), x.indisvalid
                  FROM pg_index x
                  JOIN pg_class i ON i.oid = x.indexrelid
                  JOIN pg_class t ON t.oid = x.indrelid
                  JOIN pg_namespace n ON n.oid = t.relnamespace
                  JOIN pg_am am ON am.oid = i.relam
                  LEFT JOIN pg_constraint con ON con.conindid = i.oid AND con.conrelid = t.oid
                 WHERE n.nspname = ? AND NOT x.indisprimary AND (con.contype IS NULL OR con.contype = 'u')""")) {
            statement.setString(1, schema);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    String name = rows.getString(2);
                    String unsupported = rows.getBoolean(12) ? "an index on an expression"
                            : rows.getBoolean(13) ? "a deferrable unique constraint"
                            : !rows.getBoolean(14) ? "an invalid index (a failed CREATE INDEX CONCURRENTLY)" : null;
                    definitions.computeIfAbsent(rows.getString(1), key -> new LinkedHashMap<>()).put(name,
                            Dependent.index(name, rows.getBoolean(3), rows.getBoolean(4), strings(rows, 6), strings(rows, 7),
                                    strings(rows, 8), rows.getString(5), rows.getString(9), rows.getBoolean(10),
                                    rows.getString(11), unsupported));
                }
            }
        }
        // Checks and foreign keys; a foreign key's clause is what follows its column list in its definition.
        try (PreparedStatement statement = connection.prepareStatement("""
                SELECT t.relname, con.conname, con.contype::text,
                       ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(attnum, pos)
                               JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.pos),
                       pg_get_expr(con.conbin, con.conrelid), con.connoinherit,
                       CASE WHEN con.contype = 'f' THEN (SELECT CASE WHEN starts_with(def, prefix)
                                                                    THEN substr(def, length(prefix) + 1) END
                            FROM (SELECT pg_get_constraintdef(con.oid) AS def,
                                         'FOREIGN KEY (' || (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.pos)
                                                               FROM unnest(con.conkey) WITH ORDINALITY k(attnum, pos)
                                                               JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum)
                                         || ')' AS prefix) parts) END
                  FROM pg_constraint con
                  JOIN pg_class t ON t.oid = con.conrelid
                  JOIN pg_namespace n ON n.oid = t.relnamespace
                 WHERE n.nspname = ? AND con.contype IN ('c', 'f')""")) {
            statement.setString(1, schema);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    String name = rows.getString(2);
                    Dependent dependent = rows.getString(3).equals("c")
                            ? Dependent.check(name, strings(rows, 4), rows.getString(5), rows.getBoolean(6))
                            : Dependent.foreignKey(name, strings(rows, 4), withoutNotValid(rows.getString(7)));
                    definitions.computeIfAbsent(rows.getString(1), key -> new LinkedHashMap<>()).put(name, dependent);
                }
            }
        }
        return definitions;
    }

    private static List<String> strings(ResultSet rows, int column) throws SQLException {
        return Arrays.asList((String[]) rows.getArray(column).getArray());
    }

    /** The copy is added NOT VALID anyway; the original's marker must not appear twice. */
    private static String withoutNotValid(String clause) {
        return clause != null && clause.endsWith(" NOT VALID") ? clause.substring(0, clause.length() - " NOT VALID".length()) : clause;
    }
}
