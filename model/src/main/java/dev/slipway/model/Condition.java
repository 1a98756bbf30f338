package dev.slipway.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A metric's success or failure condition, e.g. {@code result < 0.01} or
 * {@code result.ok == true && len(result.items) > 0}: a small, strict expression language in the spirit of the
 * one Argo Rollouts uses. {@code result} is the measurement: a number, a string, a boolean, a list or a JSON
 * object. Comparing a one-element list with a number compares its element (a Prometheus vector of one series).
 *
 * <p>Operators: {@code || && !} (also {@code or and not}), {@code == != < <= > >=}, {@code + - * /},
 * {@code x[i]}, {@code x.field}; functions {@code len(x) isNaN(x) abs(x) min(..) max(..) sum(..)}.
 * A syntax error is found by {@link #parse}; a type error (comparing a string with a number) when evaluated.
 */
public final class Condition {
    private final String text;
    private final Node root;

    private Condition(String text, Node root) {
        this.text = text;
        this.root = root;
    }

    /** @throws IllegalArgumentException saying where the text stops making sense */
    public static Condition parse(String text) {
        Parser parser = new Parser(text);
        Node root = parser.expression();
        parser.skipSpace();
        if (parser.position < text.length()) {
            throw parser.error("unexpected '" + text.substring(parser.position) + "'");
        }
        return new Condition(text, root);
    }

    public String text() {
        return text;
    }

    /** True or false for {@code result}. @throws IllegalArgumentException when the types do not fit */
    public boolean test(Object result) {
        Object value = root.evaluate(result);
        if (value instanceof Boolean bool) {
            return bool;
        }
        throw new IllegalArgumentException("'" + text + "' gives " + show(value) + ", not true or false");
    }

    @Override
    public String toString() {
        return text;
    }

    // ------------------------------------------------------------------ evaluation

    private interface Node {
        Object evaluate(Object result);
    }

    private static Object unwrap(Object value) {
        if (value instanceof List<?> list && list.size() == 1) {
            return list.get(0);
        }
        return value;
    }

    private static double number(Object value, String where) {
        Object single = unwrap(value);
        if (single instanceof Number number) {
            return number.doubleValue();
        }
        throw new IllegalArgumentException(where + ": " + show(value) + " is not a number");
    }

    private static boolean bool(Object value, String where) {
        Object single = unwrap(value);
        if (single instanceof Boolean bool) {
            return bool;
        }
        throw new IllegalArgumentException(where + ": " + show(value) + " is not true or false");
    }

    static String show(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof String string) {
            return "'" + string + "'";
        }
        if (value instanceof Double number && number == Math.rint(number) && !Double.isInfinite(number)) {
            return String.valueOf(number.longValue());
        }
        return String.valueOf(value);
    }

    private static Object compare(String operator, Object left, Object right) {
        Object a = unwrap(left);
        Object b = unwrap(right);
        if (a instanceof Number x && b instanceof Number y) {
            double l = x.doubleValue();
            double r = y.doubleValue();
            return switch (operator) {
                case "<" -> l < r;
                case "<=" -> l <= r;
                case ">" -> l > r;
                case ">=" -> l >= r;
                case "==" -> l == r;
                default -> l != r;
            };
        }
        if (operator.equals("==") || operator.equals("!=")) {
            boolean equal = Objects.equals(a, b);
            if (a != null && b != null && !a.getClass().equals(b.getClass())) {
                throw new IllegalArgumentException("cannot compare " + show(left) + " with " + show(right));
            }
            return operator.equals("==") == equal;
        }
        if (a instanceof String x && b instanceof String y) {
            int order = x.compareTo(y);
            return switch (operator) {
                case "<" -> order < 0;
                case "<=" -> order <= 0;
                case ">" -> order > 0;
                default -> order >= 0;
            };
        }
        throw new IllegalArgumentException("cannot compare " + show(left) + " " + operator + " " + show(right));
    }

    private static Object call(String function, List<Object> arguments) {
        switch (function) {
            case "len" -> {
                requireArity(function, arguments, 1);
                Object value = arguments.get(0);
                if (value instanceof List<?> list) return (double) list.size();
                if (value instanceof String string) return (double) string.length();
                if (value instanceof Map<?, ?> map) return (double) map.size();
                throw new IllegalArgumentException("len: " + show(value) + " has no length");
            }
            case "isNaN" -> {
                requireArity(function, arguments, 1);
                return Double.isNaN(number(arguments.get(0), "isNaN"));
            }
            case "abs" -> {
                requireArity(function, arguments, 1);
                return Math.abs(number(arguments.get(0), "abs"));
            }
            default -> {
                List<Double> numbers = new ArrayList<>();
                for (Object argument : arguments) {
                    if (argument instanceof List<?> list) {
                        for (Object item : list) {
                            numbers.add(number(item, function));
                        }
                    } else {
                        numbers.add(number(argument, function));
                    }
                }
                if (numbers.isEmpty()) {
                    throw new IllegalArgumentException(function + ": nothing to take the " + function + " of");
                }
                return switch (function) {
                    case "min" -> numbers.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
                    case "max" -> numbers.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
                    default -> numbers.stream().mapToDouble(Double::doubleValue).sum();
                };
            }
        }
    }

    private static void requireArity(String function, List<Object> arguments, int arity) {
        if (arguments.size() != arity) {
            throw new IllegalArgumentException(function + " takes " + arity + " argument, not " + arguments.size());
        }
    }

    // ------------------------------------------------------------------ parsing

    private static final List<String> FUNCTIONS = List.of("len", "isNaN", "abs", "min", "max", "sum");

    private static final class Parser {
        private final String text;
        private int position;

        Parser(String text) {
            this.text = text;
        }

        IllegalArgumentException error(String problem) {
            return new IllegalArgumentException("condition '" + text + "': " + problem + " at character " + (position + 1));
        }

        void skipSpace() {
            while (position < text.length() && Character.isWhitespace(text.charAt(position))) {
                position++;
            }
        }

        boolean accept(String token) {
            skipSpace();
            if (!text.startsWith(token, position)) {
                return false;
            }
            boolean word = Character.isLetter(token.charAt(0));
            int end = position + token.length();
            if (word && end < text.length() && Character.isLetterOrDigit(text.charAt(end))) {
                return false;
            }
            // '<' must not swallow the '<' of '<=', nor '=' of '=='
            if (!word && token.length() == 1 && end < text.length() && text.charAt(end) == '='
                    && "<>!=".indexOf(token.charAt(0)) >= 0) {
                return false;
            }
            position = end;
            return true;
        }

        Node expression() {
            Node left = and();
            while (accept("||") || accept("or")) {
                Node l = left;
                Node r = and();
                left = result -> bool(l.evaluate(result), "||") || bool(r.evaluate(result), "||");
            }
            return left;
        }

        Node and() {
            Node left = not();
            while (accept("&&") || accept("and")) {
                Node l = left;
                Node r = not();
                left = result -> bool(l.evaluate(result), "&&") && bool(r.evaluate(result), "&&");
            }
            return left;
        }

        Node not() {
            if (accept("!") || accept("not")) {
                Node operand = not();
                return result -> !bool(operand.evaluate(result), "!");
            }
            return comparison();
        }

        Node comparison() {
            Node left = sum();
            for (String operator : List.of("<=", ">=", "==", "!=", "<", ">")) {
                if (accept(operator)) {
                    Node right = sum();
                    return result -> compare(operator, left.evaluate(result), right.evaluate(result));
                }
            }
            return left;
        }

        Node sum() {
            Node left = product();
            while (true) {
                if (accept("+")) {
                    Node l = left;
                    Node r = product();
                    left = result -> number(l.evaluate(result), "+") + number(r.evaluate(result), "+");
                } else if (accept("-")) {
                    Node l = left;
                    Node r = product();
                    left = result -> number(l.evaluate(result), "-") - number(r.evaluate(result), "-");
                } else {
                    return left;
                }
            }
        }

        Node product() {
            Node left = unary();
            while (true) {
                if (accept("*")) {
                    Node l = left;
                    Node r = unary();
                    left = result -> number(l.evaluate(result), "*") * number(r.evaluate(result), "*");
                } else if (accept("/")) {
                    Node l = left;
                    Node r = unary();
                    left = result -> number(l.evaluate(result), "/") / number(r.evaluate(result), "/");
                } else {
                    return left;
                }
            }
        }

        Node unary() {
            if (accept("-")) {
                Node operand = unary();
                return result -> -number(operand.evaluate(result), "-");
            }
            return postfix(primary());
        }

        Node postfix(Node base) {
            Node current = base;
            while (true) {
                if (accept("[")) {
                    Node index = expression();
                    if (!accept("]")) {
                        throw error("expected ']'");
                    }
                    Node target = current;
                    current = result -> {
                        Object list = target.evaluate(result);
                        double at = number(index.evaluate(result), "[]");
                        if (!(list instanceof List<?> items)) {
                            throw new IllegalArgumentException(show(list) + " is not a list");
                        }
                        if (at != Math.rint(at) || at < 0 || at >= items.size()) {
                            throw new IllegalArgumentException("index " + show(at) + " is outside the "
                                    + items.size() + " values of the result");
                        }
                        return items.get((int) at);
                    };
                } else if (accept(".")) {
                    String field = identifier();
                    Node target = current;
                    current = result -> {
                        Object object = unwrap(target.evaluate(result));
                        if (!(object instanceof Map<?, ?> map)) {
                            throw new IllegalArgumentException(show(object) + " has no field '" + field + "'");
                        }
                        if (!map.containsKey(field)) {
                            throw new IllegalArgumentException("no field '" + field + "' in " + show(object));
                        }
                        return map.get(field);
                    };
                } else {
                    return current;
                }
            }
        }

        Node primary() {
            skipSpace();
            if (position >= text.length()) {
                throw error("expected a value");
            }
            char c = text.charAt(position);
            if (accept("(")) {
                Node inner = expression();
                if (!accept(")")) {
                    throw error("expected ')'");
                }
                return inner;
            }
            if (Character.isDigit(c) || c == '.') {
                int start = position;
                while (position < text.length() && (Character.isDigit(text.charAt(position))
                        || text.charAt(position) == '.' || text.charAt(position) == 'e' || text.charAt(position) == 'E'
                        || ((text.charAt(position) == '-' || text.charAt(position) == '+')
                        && (text.charAt(position - 1) == 'e' || text.charAt(position - 1) == 'E')))) {
                    position++;
                }
                String literal = text.substring(start, position);
                try {
                    double value = Double.parseDouble(literal);
                    return result -> value;
                } catch (NumberFormatException e) {
                    position = start;
                    throw error("'" + literal + "' is not a number");
                }
            }
            if (c == '"' || c == '\'') {
                int start = ++position;
                while (position < text.length() && text.charAt(position) != c) {
                    position++;
                }
                if (position >= text.length()) {
                    position = start - 1;
                    throw error("unterminated string");
                }
                String value = text.substring(start, position++);
                return result -> value;
            }
            int start = position;
            String name = identifier();
            switch (name) {
                case "result" -> {
                    return result -> result;
                }
                case "true" -> {
                    return result -> Boolean.TRUE;
                }
                case "false" -> {
                    return result -> Boolean.FALSE;
                }
                case "null" -> {
                    return result -> null;
                }
                default -> {
                }
            }
            if (!FUNCTIONS.contains(name)) {
                position = start;
                throw error("unknown name '" + name + "' (use result, true, false, or " + String.join(", ", FUNCTIONS) + ")");
            }
            if (!accept("(")) {
                throw error("expected '(' after " + name);
            }
            List<Node> arguments = new ArrayList<>();
            if (!accept(")")) {
                do {
                    arguments.add(expression());
                } while (accept(","));
                if (!accept(")")) {
                    throw error("expected ')' to close " + name + "(");
                }
            }
            return result -> {
                List<Object> values = new ArrayList<>();
                for (Node argument : arguments) {
                    values.add(argument.evaluate(result));
                }
                return call(name, values);
            };
        }

        String identifier() {
            skipSpace();
            int start = position;
            while (position < text.length()
                    && (Character.isLetterOrDigit(text.charAt(position)) || text.charAt(position) == '_')) {
                position++;
            }
            if (start == position) {
                throw error(position < text.length() ? "unexpected '" + text.charAt(position) + "'" : "expected a value");
            }
            return text.substring(start, position);
        }
    }
}
