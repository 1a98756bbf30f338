package dev.slipway.schema.op;

import java.util.Locale;
import java.util.Optional;

/**
 * PostgreSQL's serial shorthands ({@code serial}, {@code bigserial}, {@code smallserial} and their {@code serialN}
 * spellings): allowed as a column's type in CREATE TABLE and ADD COLUMN, where they stand for an integer type plus a
 * sequence, but no type a cast, a variable or a sequence's {@code AS} may name.
 */
public final class SerialTypes {
    private SerialTypes() {
    }

    /** The integer type {@code type} stands for when it is a serial shorthand; empty for any other type. */
    public static Optional<String> base(String type) {
        return switch (type.trim().toLowerCase(Locale.ROOT)) {
            case "serial", "serial4" -> Optional.of("integer");
            case "bigserial", "serial8" -> Optional.of("bigint");
            case "smallserial", "serial2" -> Optional.of("smallint");
            default -> Optional.empty();
        };
    }

    /** {@code type} as a cast or a variable may name it: a serial shorthand's integer type, any other type as is. */
    public static String asType(String type) {
        return base(type).orElse(type);
    }
}
