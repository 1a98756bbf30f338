package dev.slipway.schema.op;

import java.util.List;
import java.util.stream.Collectors;

/** Quoting helpers: every identifier Slipway writes into SQL goes through {@link #ident}. */
public final class Sql {
    private Sql() {
    }

    /** A quoted identifier, safe for any name a migration may contain. */
    public static String ident(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    /** {@code "schema"."name"}. */
    public static String qualified(String schema, String name) {
        return ident(schema) + "." + ident(name);
    }

    public static String identList(List<String> names) {
        return names.stream().map(Sql::ident).collect(Collectors.joining(", "));
    }

    /** A string literal. */
    public static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }

    /** A name for a constraint, index or trigger Slipway creates, kept within PostgreSQL's 63 bytes. */
    public static String generatedName(String... parts) {
        String name = String.join("_", parts);
        return name.length() <= 63 ? name : name.substring(0, 54) + "_" + Integer.toHexString(name.hashCode());
    }

    /**
     * Runs {@code statement} only if the column exists. An undo step that has nothing to undo then takes no
     * lock at all, so undoing a start that failed on a busy table does not wait for that table again.
     */
    public static String ifColumnExists(String schema, String table, String column, String statement) {
        return "DO $slipway$ BEGIN IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass("
                + literal(qualified(schema, table)) + ") AND attname = " + literal(column)
                + " AND attnum > 0 AND NOT attisdropped) THEN " + statement + "; END IF; END $slipway$";
    }
}
