package dev.slipway.router;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Typed, strict access to one parsed JSON object, with errors that name the field's path
 * ({@code backends[1].weight: expected an integer, got "ten"}).
 */
record JsonObject(String path, Map<String, Object> fields) {

    /** Parses {@code text}, which must be a JSON object. */
    static JsonObject parse(String text) {
        return of("", JsonReader.parse(text));
    }

    static JsonObject of(String path, Object value) {
        if (!(value instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException(describe(path) + "expected an object, got " + show(value));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> fields = (Map<String, Object>) map;
        return new JsonObject(path, fields);
    }

    /** Refuses fields outside {@code allowed}: a misspelt field must not be ignored silently. */
    JsonObject allowOnly(Set<String> allowed) {
        for (String name : fields.keySet()) {
            if (!allowed.contains(name)) {
                throw new IllegalArgumentException(describe(child(name)) + "unknown field (expected one of "
                        + allowed.stream().sorted().toList() + ")");
            }
        }
        return this;
    }

    String string(String name) {
        Object value = required(name);
        if (!(value instanceof String string)) {
            throw new IllegalArgumentException(describe(child(name)) + "expected a string, got " + show(value));
        }
        return string;
    }

    long integer(String name) {
        return integerValue(child(name), required(name));
    }

    int intValue(String name) {
        long value = integer(name);
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(describe(child(name)) + value + " is out of range");
        }
        return (int) value;
    }

    boolean bool(String name) {
        Object value = required(name);
        if (!(value instanceof Boolean bool)) {
            throw new IllegalArgumentException(describe(child(name)) + "expected true or false, got " + show(value));
        }
        return bool;
    }

    /** The array {@code name}, or an empty list when the field is absent. */
    List<Object> arrayOrEmpty(String name) {
        Object value = fields.get(name);
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List<?> list)) {
            throw new IllegalArgumentException(describe(child(name)) + "expected an array, got " + show(value));
        }
        return new ArrayList<>(list);
    }

    String child(String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    static long integerValue(String path, Object value) {
        if (value instanceof BigDecimal number) {
            try {
                return number.longValueExact();
            } catch (ArithmeticException notAnInteger) {
                // fall through to the error below
            }
        }
        throw new IllegalArgumentException(describe(path) + "expected an integer, got " + show(value));
    }

    static String describe(String path) {
        return path.isEmpty() ? "" : path + ": ";
    }

    static String show(Object value) {
        if (value instanceof String string) {
            return RouteTableJson.quote(string);
        }
        if (value instanceof Map<?, ?>) {
            return "an object";
        }
        if (value instanceof List<?>) {
            return "an array";
        }
        return String.valueOf(value);
    }

    private Object required(String name) {
        Object value = fields.get(name);
        if (value == null) {
            throw new IllegalArgumentException(describe(child(name)) + "missing");
        }
        return value;
    }
}
