package dev.slipway.schema.op;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A unique constraint, index, check or foreign key on a table, as the catalog defines it: what a
 * {@link ColumnDuplicate} copies onto the duplicate so both versions keep the rule while a migration is in flight.
 * The definition is kept in pieces (key columns by name, the rest as PostgreSQL printed it) so a copy swaps column
 * names without rewriting SQL text, except in a check's expression or an index predicate, where
 * {@link Sql#renameIdentifier} skips string literals, quoted and longer names.
 *
 * @param columns     key columns in order (index, unique constraint, foreign key); the covered columns of a check
 * @param keySuffixes per key column: collation, operator class, order (index and unique constraint)
 * @param include     INCLUDE columns of an index
 * @param expression  a check's expression, or an index's predicate (null when none)
 * @param clause      an index's method and storage (" USING btree WITH (...)" split as method/storage), a foreign
 *                    key's " REFERENCES ..." clause
 * @param unsupported why this one cannot be copied (an expression key, a deferrable unique constraint), or null
 */
public record Dependent(String name, Kind kind, List<String> columns, List<String> keySuffixes, List<String> include,
                        String method, String storage, boolean nullsNotDistinct, String expression, String clause,
                        boolean noInherit, String unsupported) {

    public enum Kind { UNIQUE_CONSTRAINT, UNIQUE_INDEX, INDEX, CHECK, FOREIGN_KEY }

    /** Prefix of a copy's name; complete gives it back its original name (the rest). */
    static final String COPY_PREFIX = "_slipway_dup_";
    /** Prefix of a unique index that complete attaches as a unique constraint under its original name. */
    static final String KEY_COPY_PREFIX = "_slipway_key_";

    public Dependent {
        columns = List.copyOf(columns);
        keySuffixes = List.copyOf(keySuffixes);
        include = List.copyOf(include);
    }

    public static Dependent index(String name, boolean constraint, boolean unique, List<String> columns,
                                  List<String> keySuffixes, List<String> include, String method, String storage,
                                  boolean nullsNotDistinct, String predicate, String unsupported) {
        Kind kind = constraint ? Kind.UNIQUE_CONSTRAINT : unique ? Kind.UNIQUE_INDEX : Kind.INDEX;
        return new Dependent(name, kind, columns, keySuffixes, include, method, storage, nullsNotDistinct, predicate,
                null, false, unsupported);
    }

    public static Dependent check(String name, List<String> columns, String expression, boolean noInherit) {
        return new Dependent(name, Kind.CHECK, columns, List.of(), List.of(), null, null, false, expression, null,
                noInherit, null);
    }

    public static Dependent foreignKey(String name, List<String> columns, String references) {
        return new Dependent(name, Kind.FOREIGN_KEY, columns, List.of(), List.of(), null, null, false, null,
                references, false, references == null ? "its definition could not be read" : null);
    }

    Dependent renamed(String newName) {
        return new Dependent(newName, kind, columns, keySuffixes, include, method, storage, nullsNotDistinct, expression,
                clause, noInherit, unsupported);
    }

    boolean builtConcurrently() {
        return kind == Kind.UNIQUE_CONSTRAINT || kind == Kind.UNIQUE_INDEX || kind == Kind.INDEX;
    }

    /** Every column the definition refers to (keys, INCLUDE; a check's covered columns). */
    List<String> referencedColumns() {
        List<String> all = new ArrayList<>(columns);
        all.addAll(include);
        return all;
    }

    /** The copy's name: the original's behind a prefix complete strips again, so it must fit in 63 bytes. */
    String copyName() {
        return (kind == Kind.UNIQUE_CONSTRAINT ? KEY_COPY_PREFIX : COPY_PREFIX) + name;
    }

    /** The statement creating the copy on {@code table}, each column of {@code renames} replaced by its duplicate. */
    String copyStatement(String table, Map<String, String> renames) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < columns.size(); i++) {
            keys.add(Sql.ident(renames.getOrDefault(columns.get(i), columns.get(i)))
                    + (keySuffixes.isEmpty() ? "" : keySuffixes.get(i)));
        }
        return switch (kind) {
            case CHECK -> "ALTER TABLE " + table + " ADD CONSTRAINT " + Sql.ident(copyName()) + " CHECK ("
                    + renamed(expression, renames) + ")" + (noInherit ? " NO INHERIT" : "") + " NOT VALID";
            case FOREIGN_KEY -> "ALTER TABLE " + table + " ADD CONSTRAINT " + Sql.ident(copyName()) + " FOREIGN KEY ("
                    + String.join(", ", keys) + ")" + clause + " NOT VALID";
            default -> "CREATE " + (kind == Kind.INDEX ? "" : "UNIQUE ") + "INDEX CONCURRENTLY " + Sql.ident(copyName())
                    + " ON " + table + " USING " + Sql.ident(method) + " (" + String.join(", ", keys) + ")"
                    + (include.isEmpty() ? "" : " INCLUDE (" + Sql.identList(include.stream()
                            .map(column -> renames.getOrDefault(column, column)).toList()) + ")")
                    + (nullsNotDistinct ? " NULLS NOT DISTINCT" : "")
                    + (storage == null || storage.isEmpty() ? "" : " WITH (" + storage + ")")
                    + (expression == null ? "" : " WHERE " + renamed(expression, renames));
        };
    }

    private static String renamed(String expression, Map<String, String> renames) {
        String result = expression;
        for (Map.Entry<String, String> rename : renames.entrySet()) {
            result = Sql.renameIdentifier(result, rename.getKey(), rename.getValue());
        }
        return result;
    }
}
