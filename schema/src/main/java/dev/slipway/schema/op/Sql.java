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

    /**
     * A string literal. A value with a backslash is written as an escape string ({@code E'...'}, backslashes
     * doubled), so it means the same whatever {@code standard_conforming_strings} is.
     */
    public static String literal(String value) {
        String quoted = "'" + value.replace("'", "''") + "'";
        return value.indexOf('\\') < 0 ? quoted : "E" + quoted.replace("\\", "\\\\");
    }

    /**
     * {@code $tag$body$tag$} with a tag that {@code body} cannot end early: not one that occurs in it (a name or an
     * expression containing {@code $slipway$} must not close the quote and turn the rest into SQL).
     */
    public static String dollarQuoted(String body) {
        String tag = "slipway";
        for (int i = 1; body.contains("$" + tag + "$") || body.endsWith("$" + tag); i++) {
            tag = "slipway" + i;
        }
        return "$" + tag + "$" + body + "$" + tag + "$";
    }

    /** {@code DO $tag$body$tag$}: an anonymous PL/pgSQL block. */
    public static String doBlock(String body) {
        return "DO " + dollarQuoted(body);
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
        return doBlock("BEGIN IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass("
                + literal(qualified(schema, table)) + ") AND attname = " + literal(column)
                + " AND attnum > 0 AND NOT attisdropped) THEN " + statement + "; END IF; END");
    }

    /**
     * {@code expression} with every reference to the column {@code from} (bare or double-quoted, outside string
     * literals) replaced by the quoted {@code to}: a constraint written against a column's name, moved to the
     * temporary column standing in for it.
     */
    public static String renameIdentifier(String expression, String from, String to) {
        StringBuilder result = new StringBuilder();
        int i = 0;
        while (i < expression.length()) {
            char c = expression.charAt(i);
            if (c == '\'') {
                int end = i + 1;
                while (end < expression.length()) {
                    if (expression.charAt(end) == '\'') {
                        if (end + 1 < expression.length() && expression.charAt(end + 1) == '\'') { end += 2; continue; }
                        break;
                    }
                    end++;
                }
                result.append(expression, i, Math.min(end + 1, expression.length()));
                i = end + 1;
            } else if (c == '"') {
                int end = expression.indexOf('"', i + 1);
                while (end > 0 && end + 1 < expression.length() && expression.charAt(end + 1) == '"') {
                    end = expression.indexOf('"', end + 2);
                }
                if (end < 0) end = expression.length() - 1;
                String name = expression.substring(i + 1, end).replace("\"\"", "\"");
                result.append(name.equals(from) ? ident(to) : expression.substring(i, end + 1));
                i = end + 1;
            } else if (Character.isLetter(c) || c == '_') {
                int end = i;
                while (end < expression.length()
                        && (Character.isLetterOrDigit(expression.charAt(end)) || expression.charAt(end) == '_' || expression.charAt(end) == '$')) {
                    end++;
                }
                String word = expression.substring(i, end);
                // A name after '.' is a field of something else, before '(' a function, after '::' a type.
                boolean qualifiedOrCall = (i > 0 && expression.charAt(i - 1) == '.')
                        || (end < expression.length() && expression.charAt(end) == '(')
                        || expression.substring(0, i).stripTrailing().endsWith("::");
                result.append(!qualifiedOrCall && word.toLowerCase(java.util.Locale.ROOT).equals(from) ? ident(to) : word);
                i = end;
            } else {
                result.append(c);
                i++;
            }
        }
        return result.toString();
    }
}
