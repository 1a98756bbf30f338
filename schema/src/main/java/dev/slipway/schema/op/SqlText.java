package dev.slipway.schema.op;

import dev.slipway.model.SpecNode;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Checks the SQL a migration file carries before any of it is written into a statement. A migration file is
 * hostile until checked: an {@code up} of {@code NULL) AS text); COMMIT; CREATE TABLE pwned ...} or a {@code type}
 * of {@code bigint PRIMARY KEY); CREATE TABLE smuggled (y int} must not become statements of their own.
 * <p>
 * An expression must be exactly one SQL expression as PostgreSQL's lexer sees it: quotes, quoted identifiers and
 * dollar quotes closed, every parenthesis and bracket closed in order, no {@code ;} and no comment outside quotes.
 * Then it cannot end the parenthesis Slipway puts it in, nor the statement. The server compiles it later (parsed,
 * never run) for what only it knows: names, types, casts. Words with a fixed set of values ({@code method},
 * {@code on_delete}, ...) come from that set, type names are a type-name grammar (and {@code to_regtype} on the
 * server), names are at most 63 bytes (PostgreSQL would cut them). Every error points at {@code file:line:column}.
 */
public final class SqlText {
    private static final Pattern TYPE_CHARACTERS = Pattern.compile("[\\p{L}\\p{N}_ .,()\\[\\]\"]+");
    private static final Pattern PARAMETER = Pattern.compile(
            "\\s*[A-Za-z_][A-Za-z0-9_.]*\\s*=\\s*([A-Za-z0-9_.+-]+|'([^'\\\\]|'')*')\\s*");
    private static final Pattern QUALIFIED_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_$]*(\\.[A-Za-z_][A-Za-z0-9_$]*)?");
    private static final Pattern OPERATOR = Pattern.compile("[+\\-*/<>=~!@#%^&|`?]+|OPERATOR\\([A-Za-z0-9_.]+\\.[+\\-*/<>=~!@#%^&|`?]+\\)");

    private SqlText() {
    }

    /** The node's text, which must be exactly one SQL expression. */
    public static String expression(SpecNode node) {
        String text = node.nonBlankString();
        String problem = expressionProblem(text, false);
        if (problem != null) throw node.error("not one SQL expression: " + problem);
        return text;
    }

    /**
     * The node's text as a list of SQL items written inside Slipway's parentheses (an exclusion constraint's
     * elements, an identity column's sequence options): top-level commas allowed, everything else as for an
     * expression.
     */
    public static String list(SpecNode node) {
        String text = node.nonBlankString();
        String problem = expressionProblem(text, true);
        if (problem != null) throw node.error("not a list of SQL items: " + problem);
        return text;
    }

    /** A type name ({@code text}, {@code numeric(12,2)}, {@code timestamp with time zone}, {@code int[]}). */
    public static String typeName(SpecNode node) {
        String text = node.nonBlankString();
        String problem = expressionProblem(text, true);
        if (problem == null && !TYPE_CHARACTERS.matcher(text).matches()) {
            problem = "only letters, digits, '_', '.', ',', spaces, parentheses, brackets and double quotes may appear in a type name";
        }
        if (problem != null) throw node.error("'" + text + "' is not a type name: " + problem);
        return text;
    }

    /** One of {@code choices}, compared ignoring case and extra spaces; returned as spelled in the list. */
    public static String choice(SpecNode node, List<String> choices) {
        String text = node.nonBlankString().trim().replaceAll("\\s+", " ");
        for (String choice : choices) {
            if (choice.equalsIgnoreCase(text)) return choice;
        }
        throw node.error("'" + node.string() + "' is not one of " + choices);
    }

    /** {@code fillfactor=70, deduplicate_items=off}: names and simple values only. */
    public static String parameters(SpecNode node) {
        String text = node.nonBlankString();
        for (String part : splitTopLevel(text)) {
            if (!PARAMETER.matcher(part).matches()) {
                throw node.error("'" + part.trim() + "' is not a parameter (name=value, the value a number, a word or a quoted string)");
            }
        }
        return text;
    }

    /** An operator class or similar schema-qualified name ({@code gin_trgm_ops}, {@code public.my_ops}). */
    public static String qualifiedName(SpecNode node) {
        String text = node.nonBlankString().trim();
        if (!QUALIFIED_NAME.matcher(text).matches()) {
            throw node.error("'" + text + "' is not a name (letters, digits, '_', at most one '.')");
        }
        return text;
    }

    /** An operator as an exclusion element uses it ({@code =}, {@code &&}). */
    static boolean isOperator(String text) {
        return OPERATOR.matcher(text).matches();
    }

    /** The name of a table, column, constraint or index: not blank, at most 63 bytes, no NUL. */
    public static String name(SpecNode node) {
        String text = node.nonBlankString();
        if (text.indexOf('\0') >= 0) throw node.error("a name cannot contain a NUL character");
        if (text.getBytes(StandardCharsets.UTF_8).length > 63) {
            throw node.error("'" + text + "' is longer than 63 bytes, PostgreSQL's limit for names");
        }
        return text;
    }

    /** Why {@code text} is not one expression (or, with {@code list}, a comma-separated list); null when it is. */
    static String expressionProblem(String text, boolean list) {
        Deque<Character> open = new ArrayDeque<>();
        int n = text.length();
        int i = 0;
        while (i < n) {
            char c = text.charAt(i);
            if (c == '\0') return "it contains a NUL character";
            if (c == '\'') {
                boolean escapes = i > 0 && (text.charAt(i - 1) == 'E' || text.charAt(i - 1) == 'e')
                        && (i < 2 || !identifierPart(text.charAt(i - 2)));
                int end = endOfString(text, i, escapes);
                if (end < 0) return "a string literal is not closed";
                i = end;
                continue;
            }
            if (c == '"') {
                int end = endOfQuotedIdentifier(text, i);
                if (end < 0) return "a quoted identifier is not closed";
                i = end;
                continue;
            }
            if (c == '$' && (i == 0 || !identifierPart(text.charAt(i - 1)))) {
                if (i + 1 < n && Character.isDigit(text.charAt(i + 1))) return "parameters ($1) cannot appear in a migration";
                int tagEnd = dollarTagEnd(text, i);
                if (tagEnd > 0) {
                    String tag = text.substring(i, tagEnd);
                    int close = text.indexOf(tag, tagEnd);
                    if (close < 0) return "a dollar-quoted string (" + tag + ") is not closed";
                    i = close + tag.length();
                    continue;
                }
            }
            if ((c == '-' && i + 1 < n && text.charAt(i + 1) == '-') || (c == '/' && i + 1 < n && text.charAt(i + 1) == '*')) {
                return "comments are not allowed here";
            }
            if (c == ';') return "';' would end the statement";
            if (c == '(' || c == '[') open.push(c);
            if (c == ')' || c == ']') {
                char expected = c == ')' ? '(' : '[';
                if (open.isEmpty()) return "'" + c + "' closes a parenthesis it did not open";
                if (open.pop() != expected) return "'" + c + "' does not match its opening bracket";
            }
            if (c == ',' && open.isEmpty() && !list) return "',' outside parentheses: a list, not one expression";
            i++;
        }
        if (!open.isEmpty()) return "'" + open.peek() + "' is not closed";
        return null;
    }

    private static boolean identifierPart(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$';
    }

    /** The index after the closing quote of the string starting at {@code start}, or -1. */
    private static int endOfString(String text, int start, boolean escapes) {
        int i = start + 1;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (escapes && c == '\\') {
                i += 2;
                continue;
            }
            if (c == '\'') {
                if (i + 1 < text.length() && text.charAt(i + 1) == '\'') {
                    i += 2;
                    continue;
                }
                return i + 1;
            }
            i++;
        }
        return -1;
    }

    private static int endOfQuotedIdentifier(String text, int start) {
        int i = start + 1;
        while (i < text.length()) {
            if (text.charAt(i) == '"') {
                if (i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    i += 2;
                    continue;
                }
                return i + 1;
            }
            i++;
        }
        return -1;
    }

    /** The index after {@code $tag$} starting at {@code start}, or -1 if none starts there. */
    private static int dollarTagEnd(String text, int start) {
        int i = start + 1;
        while (i < text.length() && (Character.isLetterOrDigit(text.charAt(i)) || text.charAt(i) == '_')) {
            if (i == start + 1 && Character.isDigit(text.charAt(i))) return -1;
            i++;
        }
        return i < text.length() && text.charAt(i) == '$' ? i + 1 : -1;
    }

    /**
     * Splits on commas outside single quotes and parentheses; the last part is kept even when blank. Knows
     * nothing of dollar quotes: callers pass text that passed {@link #expressionProblem} or plain DDL.
     */
    public static List<String> splitTopLevel(String text) {
        List<String> parts = new java.util.ArrayList<>();
        int depth = 0;
        int from = 0;
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\'') quoted = !quoted;
            if (quoted) continue;
            if (c == '(') depth++;
            if (c == ')') depth--;
            if (c == ',' && depth == 0) {
                parts.add(text.substring(from, i));
                from = i + 1;
            }
        }
        parts.add(text.substring(from));
        return parts;
    }

    /** Upper case, single spaces: how a choice from a fixed list is written into SQL. */
    static String keyword(String choice) {
        return choice.toUpperCase(Locale.ROOT);
    }
}
