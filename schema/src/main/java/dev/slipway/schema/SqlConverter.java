package dev.slipway.schema;

import dev.slipway.schema.op.SqlText;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns plain DDL into a migration file (after pgroll's {@code convert}): each statement it recognises becomes an
 * operation, anything else a raw {@code sql} operation (opaque: it gets a warning, since it must be alone in its
 * migration). Where an expand/contract operation needs data migration Slipway cannot infer ({@code up} when the old
 * version writes, {@code down} when the new one does) the file says {@code TODO} in that field and in a comment:
 * such a file does not compile until someone writes the expression, so it cannot be started by accident.
 * <p>
 * Recognised: {@code CREATE TABLE} (columns with NOT NULL, DEFAULT, PRIMARY KEY, UNIQUE, CHECK, REFERENCES; table
 * constraints), {@code CREATE [UNIQUE] INDEX}, {@code DROP TABLE}, {@code DROP INDEX}, {@code COMMENT ON COLUMN} and
 * {@code ALTER TABLE} with ADD/DROP/RENAME COLUMN, RENAME TO, RENAME CONSTRAINT, ALTER COLUMN TYPE/SET NOT NULL/DROP
 * NOT NULL/SET DEFAULT/DROP DEFAULT, ADD/DROP CONSTRAINT and REPLICA IDENTITY.
 */
public final class SqlConverter {
    private static final String NAME = "(\"(?:[^\"]|\"\")+\"|[A-Za-z_][A-Za-z0-9_$]*)";
    private static final String QUALIFIED = "(?:" + NAME + "\\.)?" + NAME;
    private static final Pattern CREATE_TABLE = Pattern.compile(
            "(?is)CREATE\\s+TABLE\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?" + QUALIFIED + "\\s*\\((.*)\\)\\s*");
    private static final Pattern ALTER_TABLE = Pattern.compile(
            "(?is)ALTER\\s+TABLE\\s+(?:IF\\s+EXISTS\\s+)?(?:ONLY\\s+)?" + QUALIFIED + "\\s+(.*)");
    private static final Pattern CREATE_INDEX = Pattern.compile("(?is)CREATE\\s+(UNIQUE\\s+)?INDEX\\s+(?:CONCURRENTLY\\s+)?"
            + "(?:IF\\s+NOT\\s+EXISTS\\s+)?" + NAME + "\\s+ON\\s+(?:ONLY\\s+)?" + QUALIFIED
            + "\\s*(?:USING\\s+(\\w+)\\s*)?\\(([^()]*)\\)\\s*(?:WHERE\\s+(.*))?");
    private static final Pattern DROP = Pattern.compile(
            "(?is)DROP\\s+(TABLE|INDEX)\\s+(?:CONCURRENTLY\\s+)?(?:IF\\s+EXISTS\\s+)?(.*?)\\s*(?:CASCADE|RESTRICT)?\\s*");
    private static final Pattern COMMENT_ON_COLUMN = Pattern.compile(
            "(?is)COMMENT\\s+ON\\s+COLUMN\\s+" + QUALIFIED + "\\." + NAME + "\\s+IS\\s+(NULL|'(?:[^']|'')*')");

    private final StringBuilder out = new StringBuilder();
    private int opaque;
    private int operations;

    private SqlConverter() {
    }

    /** The migration file for {@code sql}, named {@code name}. */
    public static String convert(String sql, String name) {
        SqlConverter converter = new SqlConverter();
        for (String statement : statements(sql)) converter.statement(statement);
        StringBuilder file = new StringBuilder();
        file.append("# converted from SQL by slipway schema convert: fill in every TODO before you plan or start it\n");
        if (converter.opaque > 0 && converter.operations > 1) {
            file.append("# WARNING: raw 'sql' operations have no expand phase and must each be alone in a migration:\n")
                    .append("# move them to migrations of their own\n");
        }
        file.append("name: ").append(quote(name)).append('\n').append("operations:\n").append(converter.out);
        return file.toString();
    }

    private void statement(String statement) {
        operations++;
        Matcher matcher;
        if ((matcher = CREATE_TABLE.matcher(statement)).matches() && createTable(unquote(matcher.group(2)), matcher.group(3))) {
            return;
        }
        if ((matcher = CREATE_INDEX.matcher(statement)).matches() && matcher.group(6).matches("[\\w\\s,\"]+")) {
            out.append("  - create_index:\n");
            field(4, "name", unquote(matcher.group(2)));
            field(4, "table", unquote(matcher.group(4)));
            out.append("      columns: [").append(String.join(", ", split(matcher.group(6)).stream()
                    .map(column -> quote(unquote(column.trim()))).toList())).append("]\n");
            if (matcher.group(1) != null) out.append("      unique: true\n");
            if (matcher.group(5) != null) field(4, "method", matcher.group(5).toLowerCase(Locale.ROOT));
            if (matcher.group(7) != null) field(4, "predicate", matcher.group(7).trim());
            return;
        }
        if ((matcher = DROP.matcher(statement)).matches()) {
            String kind = matcher.group(1).toLowerCase(Locale.ROOT);
            List<String> names = split(matcher.group(2));
            for (int i = 0; i < names.size(); i++) {
                if (i > 0) operations++;
                String[] parts = names.get(i).trim().split("\\.");
                out.append("  - drop_").append(kind).append(": {name: ").append(quote(unquote(parts[parts.length - 1]))).append("}\n");
            }
            return;
        }
        if ((matcher = COMMENT_ON_COLUMN.matcher(statement)).matches()) {
            String comment = matcher.group(4);
            out.append("  - alter_column:\n");
            field(4, "table", unquote(matcher.group(2)));
            field(4, "column", unquote(matcher.group(3)));
            out.append("      comment: ").append(comment.equalsIgnoreCase("NULL") ? "null"
                    : quote(comment.substring(1, comment.length() - 1).replace("''", "'"))).append('\n');
            return;
        }
        if ((matcher = ALTER_TABLE.matcher(statement)).matches()) {
            String table = unquote(matcher.group(2));
            List<String> actions = split(matcher.group(3));
            List<String> converted = new ArrayList<>();
            for (String action : actions) {
                String operation = alterAction(table, action.trim());
                if (operation == null) {
                    converted = null;
                    break;
                }
                converted.add(operation);
            }
            if (converted != null) {
                converted.forEach(out::append);
                operations += converted.size() - 1;
                return;
            }
        }
        opaque++;
        out.append("  # no expand phase: runs as raw SQL, opaque to the guard\n");
        out.append("  - sql:\n");
        field(4, "up", statement.trim());
    }

    private boolean createTable(String table, String body) {
        StringBuilder columns = new StringBuilder();
        StringBuilder constraints = new StringBuilder();
        for (String element : split(body)) {
            String text = element.trim();
            String upper = text.toUpperCase(Locale.ROOT);
            if (upper.startsWith("CONSTRAINT ") || upper.startsWith("PRIMARY KEY") || upper.startsWith("UNIQUE")
                    || upper.startsWith("CHECK") || upper.startsWith("FOREIGN KEY")) {
                String constraint = tableConstraint(text);
                if (constraint == null) return false;
                constraints.append(constraint);
            } else {
                String column = column(text);
                if (column == null) return false;
                columns.append("        - ").append(column).append('\n');
            }
        }
        out.append("  - create_table:\n");
        field(4, "name", table);
        out.append("      columns:\n").append(columns);
        if (!constraints.isEmpty()) out.append("      constraints:\n").append(constraints);
        return true;
    }

    private static final Pattern COLUMN = Pattern.compile("(?is)" + NAME + "\\s+(.*)");
    private static final Pattern COLUMN_KEYWORD = Pattern.compile(
            "(?i)\\b(NOT\\s+NULL|NULL|DEFAULT|PRIMARY\\s+KEY|UNIQUE|CHECK|REFERENCES|CONSTRAINT|COLLATE|GENERATED)\\b");

    /** A column definition as a flow mapping; null when it carries something this converter does not read. */
    private static String column(String definition) {
        Matcher matcher = COLUMN.matcher(definition);
        if (!matcher.matches()) return null;
        String rest = matcher.group(2);
        Matcher keyword = COLUMN_KEYWORD.matcher(rest);
        int typeEnd = rest.length();
        if (keyword.find()) typeEnd = keyword.start();
        String type = rest.substring(0, typeEnd).trim();
        String constraints = rest.substring(typeEnd);
        String upper = constraints.toUpperCase(Locale.ROOT);
        if (type.isEmpty() || upper.contains("COLLATE") || upper.contains("GENERATED") || upper.contains("CONSTRAINT")) {
            return null;
        }
        List<String> fields = new ArrayList<>();
        fields.add("name: " + quote(unquote(matcher.group(1))));
        fields.add("type: " + quote(type));
        boolean primaryKey = upper.contains("PRIMARY KEY");
        if (primaryKey) fields.add("pk: true");
        else fields.add("nullable: " + !upper.matches("(?s).*\\bNOT\\s+NULL\\b.*"));
        if (upper.matches("(?s).*\\bUNIQUE\\b.*")) fields.add("unique: true");
        String defaultValue = clause(constraints, "DEFAULT");
        if (defaultValue != null) fields.add("default: " + quote(defaultValue));
        Matcher check = Pattern.compile("(?i)\\bCHECK\\s*\\(").matcher(constraints);
        if (check.find()) fields.add("check: " + quote(parenthesised(constraints, check.end() - 1)));
        Matcher references = Pattern.compile("(?i)\\bREFERENCES\\s+" + QUALIFIED + "\\s*\\(\\s*" + NAME + "\\s*\\)"
                + "(?:\\s+ON\\s+DELETE\\s+(CASCADE|RESTRICT|NO\\s+ACTION|SET\\s+NULL|SET\\s+DEFAULT))?").matcher(constraints);
        if (references.find()) {
            fields.add("references: {table: " + quote(unquote(references.group(2))) + ", column: "
                    + quote(unquote(references.group(3))) + (references.group(4) != null
                    ? ", on_delete: " + quote(references.group(4).toUpperCase(Locale.ROOT).replaceAll("\\s+", " ")) : "") + "}");
        }
        return "{" + String.join(", ", fields) + "}";
    }

    private static final Pattern TABLE_CONSTRAINT = Pattern.compile("(?is)(?:CONSTRAINT\\s+" + NAME + "\\s+)?"
            + "(PRIMARY\\s+KEY|UNIQUE|CHECK|FOREIGN\\s+KEY)\\s*\\((.*)");

    private static String tableConstraint(String text) {
        Matcher matcher = TABLE_CONSTRAINT.matcher(text);
        if (!matcher.matches() || matcher.group(1) == null) return null;
        String type = matcher.group(2).toUpperCase(Locale.ROOT).replaceAll("\\s+", " ");
        int open = text.indexOf('(', matcher.start(2));
        String inside = parenthesised(text, open);
        String after = text.substring(open + inside.length() + 2).trim();
        StringBuilder yaml = new StringBuilder("        - {name: ").append(quote(unquote(matcher.group(1))));
        switch (type) {
            case "CHECK" -> yaml.append(", type: check, check: ").append(quote(inside));
            case "PRIMARY KEY", "UNIQUE" -> yaml.append(", type: ").append(type.equals("UNIQUE") ? "unique" : "primary_key")
                    .append(", columns: ").append(nameList(inside));
            default -> {
                Matcher references = Pattern.compile("(?is)REFERENCES\\s+" + QUALIFIED + "\\s*\\(([^()]*)\\)"
                        + "(?:\\s+ON\\s+DELETE\\s+(CASCADE|RESTRICT|NO\\s+ACTION|SET\\s+NULL|SET\\s+DEFAULT))?\\s*").matcher(after);
                if (!references.matches()) return null;
                yaml.append(", type: foreign_key, columns: ").append(nameList(inside)).append(", references: {table: ")
                        .append(quote(unquote(references.group(2)))).append(", columns: ").append(nameList(references.group(3)));
                if (references.group(4) != null) {
                    yaml.append(", on_delete: ").append(quote(references.group(4).toUpperCase(Locale.ROOT).replaceAll("\\s+", " ")));
                }
                yaml.append('}');
            }
        }
        return yaml.append("}\n").toString();
    }

    /** One ALTER TABLE action as an operation; null when it is not one this converter reads. */
    private static String alterAction(String table, String action) {
        String t = quote(table);
        Matcher m;
        if ((m = Pattern.compile("(?is)ADD\\s+(?:COLUMN\\s+)?(?:IF\\s+NOT\\s+EXISTS\\s+)?(.*)").matcher(action)).matches()
                && !action.toUpperCase(Locale.ROOT).matches("(?s)ADD\\s+(CONSTRAINT|PRIMARY|UNIQUE|CHECK|FOREIGN).*")) {
            String column = column(m.group(1));
            if (column == null) return null;
            boolean needsUp = column.contains("nullable: false") && !column.contains("default:");
            return "  - add_column:\n      table: " + t + "\n      column: " + column + "\n"
                    + (needsUp ? "      # TODO: the value of the new NOT NULL column for existing rows and the old version's writes\n"
                    + "      up: \"TODO\"\n" : "");
        }
        if ((m = Pattern.compile("(?is)DROP\\s+(?:COLUMN\\s+)?(?:IF\\s+EXISTS\\s+)?" + NAME + "(?:\\s+(?:CASCADE|RESTRICT))?").matcher(action)).matches()
                && !action.toUpperCase(Locale.ROOT).startsWith("DROP CONSTRAINT")) {
            return "  - drop_column:\n      table: " + t + "\n      column: " + quote(unquote(m.group(1))) + "\n"
                    + "      # TODO: what the old version reads in this column for rows the new version writes (or remove 'down')\n"
                    + "      down: \"TODO\"\n";
        }
        if ((m = Pattern.compile("(?is)RENAME\\s+CONSTRAINT\\s+" + NAME + "\\s+TO\\s+" + NAME).matcher(action)).matches()) {
            return "  - rename_constraint: {table: " + t + ", from: " + quote(unquote(m.group(1))) + ", to: " + quote(unquote(m.group(2))) + "}\n";
        }
        if ((m = Pattern.compile("(?is)RENAME\\s+TO\\s+" + NAME).matcher(action)).matches()) {
            return "  - rename_table: {from: " + t + ", to: " + quote(unquote(m.group(1))) + "}\n";
        }
        if ((m = Pattern.compile("(?is)RENAME\\s+(?:COLUMN\\s+)?" + NAME + "\\s+TO\\s+" + NAME).matcher(action)).matches()) {
            return "  - rename_column: {table: " + t + ", from: " + quote(unquote(m.group(1))) + ", to: " + quote(unquote(m.group(2))) + "}\n";
        }
        if ((m = Pattern.compile("(?is)ALTER\\s+(?:COLUMN\\s+)?" + NAME + "\\s+(?:SET\\s+DATA\\s+)?TYPE\\s+(.*?)(?:\\s+USING\\s+(.*))?").matcher(action)).matches()) {
            String column = quote(unquote(m.group(1)));
            return "  - alter_column:\n      table: " + t + "\n      column: " + column + "\n      type: " + quote(m.group(2).trim()) + "\n"
                    + (m.group(3) != null ? "      up: " + quote(m.group(3).trim()) + "\n"
                    : "      # TODO: the old value converted to the new type\n      up: \"TODO\"\n")
                    + "      # TODO: the new value converted back to the old type\n      down: \"TODO\"\n";
        }
        if ((m = Pattern.compile("(?is)ALTER\\s+(?:COLUMN\\s+)?" + NAME + "\\s+(SET|DROP)\\s+NOT\\s+NULL").matcher(action)).matches()) {
            boolean set = m.group(2).equalsIgnoreCase("SET");
            return "  - alter_column:\n      table: " + t + "\n      column: " + quote(unquote(m.group(1))) + "\n"
                    + "      nullable: " + !set + "\n"
                    + (set ? "      # TODO: the value for NULLs in existing rows and the old version's writes\n      up: \"TODO\"\n"
                    : "      # TODO: the value the old version reads where the new version writes NULL\n      down: \"TODO\"\n");
        }
        if ((m = Pattern.compile("(?is)ALTER\\s+(?:COLUMN\\s+)?" + NAME + "\\s+(?:SET\\s+DEFAULT\\s+(.*)|DROP\\s+DEFAULT)").matcher(action)).matches()) {
            return "  - alter_column: {table: " + t + ", column: " + quote(unquote(m.group(1))) + ", default: "
                    + (m.group(2) != null ? quote(m.group(2).trim()) : "null") + "}\n";
        }
        if ((m = Pattern.compile("(?is)ADD\\s+(CONSTRAINT\\s+.*)").matcher(action)).matches()) {
            String constraint = tableConstraint(m.group(1).replaceAll("(?i)\\s+NOT\\s+VALID\\s*$", ""));
            if (constraint == null) return null;
            return "  - create_constraint: " + constraint.trim().replaceFirst("^- ", "").replace("{name:", "{table: " + t + ", name:") + "\n";
        }
        if ((m = Pattern.compile("(?is)DROP\\s+CONSTRAINT\\s+(?:IF\\s+EXISTS\\s+)?" + NAME + "(?:\\s+(?:CASCADE|RESTRICT))?").matcher(action)).matches()) {
            return "  - drop_constraint: {table: " + t + ", name: " + quote(unquote(m.group(1))) + "}\n";
        }
        if ((m = Pattern.compile("(?is)REPLICA\\s+IDENTITY\\s+(FULL|DEFAULT|NOTHING|USING\\s+INDEX\\s+" + NAME + ")").matcher(action)).matches()) {
            String identity = m.group(2) != null ? "{type: index, index: " + quote(unquote(m.group(2))) + "}"
                    : "{type: " + m.group(1).toLowerCase(Locale.ROOT) + "}";
            return "  - set_replica_identity: {table: " + t + ", identity: " + identity + "}\n";
        }
        return null;
    }

    /** The text after {@code keyword} up to the next column keyword at the top level. */
    private static String clause(String constraints, String keyword) {
        Matcher matcher = Pattern.compile("(?i)\\b" + keyword + "\\b").matcher(constraints);
        if (!matcher.find()) return null;
        String rest = constraints.substring(matcher.end());
        int depth = 0;
        boolean quoted = false;
        for (int i = 0; i < rest.length(); i++) {
            char c = rest.charAt(i);
            if (c == '\'') quoted = !quoted;
            if (quoted) continue;
            if (c == '(') depth++;
            if (c == ')') depth--;
            if (depth == 0) {
                Matcher next = COLUMN_KEYWORD.matcher(rest);
                if (next.find(i) && next.start() == i && i > 0 && Character.isWhitespace(rest.charAt(i - 1))) {
                    return rest.substring(0, i).trim();
                }
            }
        }
        return rest.trim();
    }

    /** The text inside the parenthesis that opens at {@code open}. */
    private static String parenthesised(String text, int open) {
        int depth = 0;
        boolean quoted = false;
        for (int i = open; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\'') quoted = !quoted;
            if (quoted) continue;
            if (c == '(') depth++;
            if (c == ')' && --depth == 0) return text.substring(open + 1, i).trim();
        }
        return text.substring(open + 1).trim();
    }

    private static String nameList(String names) {
        return "[" + String.join(", ", split(names).stream().map(name -> quote(unquote(name.trim()))).toList()) + "]";
    }

    private void field(int indent, String key, String value) {
        out.append(" ".repeat(indent + 2)).append(key).append(": ").append(quote(value)).append('\n');
    }

    private static String unquote(String name) {
        return name.startsWith("\"") ? name.substring(1, name.length() - 1).replace("\"\"", "\"") : name.toLowerCase(Locale.ROOT);
    }

    /** A double-quoted YAML scalar (JSON's escapes, which YAML shares). */
    static String quote(String value) {
        StringBuilder quoted = new StringBuilder("\"");
        for (char c : value.toCharArray()) {
            switch (c) {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                case '\n' -> quoted.append("\\n");
                case '\r' -> quoted.append("\\r");
                case '\t' -> quoted.append("\\t");
                default -> {
                    if (c < 0x20) quoted.append(String.format("\\x%02x", (int) c));
                    else quoted.append(c);
                }
            }
        }
        return quoted.append('"').toString();
    }

    /** Splits on commas outside quotes and parentheses, dropping a blank tail (a trailing comma). */
    private static List<String> split(String text) {
        List<String> parts = new ArrayList<>(SqlText.splitTopLevel(text));
        if (parts.get(parts.size() - 1).isBlank()) parts.remove(parts.size() - 1);
        return parts;
    }

    /** The statements of a script: split at semicolons outside quotes, dollar quotes and comments; comments dropped. */
    static List<String> statements(String sql) {
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int i = 0;
        while (i < sql.length()) {
            char c = sql.charAt(i);
            if (c == '-' && sql.startsWith("--", i)) {
                int end = sql.indexOf('\n', i);
                i = end < 0 ? sql.length() : end;
                continue;
            }
            if (c == '/' && sql.startsWith("/*", i)) {
                int end = sql.indexOf("*/", i + 2);
                i = end < 0 ? sql.length() : end + 2;
                continue;
            }
            if (c == '\'' || c == '"') {
                int end = sql.indexOf(c, i + 1);
                while (end > 0 && end + 1 < sql.length() && sql.charAt(end + 1) == c) end = sql.indexOf(c, end + 2);
                end = end < 0 ? sql.length() - 1 : end;
                current.append(sql, i, end + 1);
                i = end + 1;
                continue;
            }
            if (c == '$') {
                Matcher tag = Pattern.compile("\\$[A-Za-z_]*\\$").matcher(sql).region(i, sql.length());
                if (tag.lookingAt()) {
                    int end = sql.indexOf(tag.group(), tag.end());
                    end = end < 0 ? sql.length() : end + tag.group().length();
                    current.append(sql, i, end);
                    i = end;
                    continue;
                }
            }
            if (c == ';') {
                if (!current.toString().isBlank()) statements.add(current.toString().trim());
                current.setLength(0);
            } else {
                current.append(c);
            }
            i++;
        }
        if (!current.toString().isBlank()) statements.add(current.toString().trim());
        return statements;
    }
}
