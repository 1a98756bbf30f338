package dev.slipway.schema.op;

import java.util.ArrayList;
import java.util.List;

/**
 * A piece of SQL from a migration file that only the server can fully check: a type name, a default, a condition
 * (check, predicate) or a value (generated column) over a row of {@code table} as the new version sees it. The
 * engine has the server compile each one (parse and analyse, never run) before anything changes, so a wrong name
 * or type is reported with its operation instead of failing half-way through start.
 */
public record SqlFragment(Kind kind, String table, String what, String text, String type) {
    public enum Kind { TYPE, DEFAULT, CONDITION, VALUE }

    public static SqlFragment type(String what, String type) {
        return new SqlFragment(Kind.TYPE, null, what, type, type);
    }

    public static SqlFragment defaultValue(String what, String expression, String type) {
        return new SqlFragment(Kind.DEFAULT, null, what, expression, type);
    }

    public static SqlFragment condition(String table, String what, String expression) {
        return new SqlFragment(Kind.CONDITION, table, what, expression, "boolean");
    }

    public static SqlFragment value(String table, String what, String expression, String type) {
        return new SqlFragment(Kind.VALUE, table, what, expression, type);
    }

    /** What a column definition carries: its type, default, check and generation expression. */
    public static List<SqlFragment> ofColumn(String table, ColumnSpec column) {
        List<SqlFragment> fragments = new ArrayList<>();
        String name = "column " + column.name();
        fragments.add(type(name, column.type()));
        if (column.defaultValue() != null) fragments.add(defaultValue("default of " + name, column.defaultValue(), column.type()));
        column.check().ifPresent(check -> fragments.add(condition(table, "check of " + name, check.expression())));
        column.generated().filter(generated -> generated.expression() != null).ifPresent(generated ->
                fragments.add(value(table, "generated expression of " + name, generated.expression(), column.type())));
        return fragments;
    }
}
