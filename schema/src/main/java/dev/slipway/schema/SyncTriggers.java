package dev.slipway.schema;

import dev.slipway.schema.op.ColumnSnapshot;
import dev.slipway.schema.op.Sql;
import dev.slipway.schema.op.SyncRule;

import java.util.List;

/**
 * The trigger that keeps the old and new layouts of one table in sync while a migration is in flight.
 * <p>
 * It is a BEFORE INSERT OR UPDATE row trigger, so the columns it fills are in place before NOT NULL and CHECK
 * constraints are tested. It tells the writer's version by the first element of {@code search_path}: binary N
 * connects with {@code currentSchema=<schema>_vN} (or pgroll's {@code version_schema}, {@link Migration#mirrorSchema}). A writer on the new version schema gets the old columns
 * computed from {@code down}; anyone else (the old binary, the backfill, an unversioned client) gets the new
 * columns computed from {@code up}. Expressions see the row's columns by name because the function declares one
 * variable per column they may name ({@link #mayBeReferenced}), assigned from NEW ({@code #variable_conflict use_variable} makes the variables win over
 * any same-named column of a table an expression may query). The backfill bypasses it through its WHEN clause when
 * it can compute the same values itself ({@link #BACKFILL_OFF}).
 */
final class SyncTriggers {
    private SyncTriggers() {
    }

    /**
     * The trigger's WHEN clause: false only inside a backfill batch that computes the {@code up} columns in its own
     * UPDATE ({@code SET LOCAL slipway.backfill = 'on'}, see {@link Backfill}). Tested by the executor before the
     * function is called, so those rows cost no PL/pgSQL call. Unset (NULL) or reset ('') everywhere else.
     */
    static final String BACKFILL_OFF = "current_setting('slipway.backfill', true) IS DISTINCT FROM 'on'";

    static String functionName(String schema, int version, String table) {
        return Sql.qualified("slipway", Sql.generatedName("sync", schema, "v" + version, table));
    }

    /** The writer's search_path, kept while the rules run with the base schema's; no column is named so. */
    private static final String WRITER_PATH = "_slipway_writer_search_path";

    static String triggerName(int version) {
        return Sql.ident("slipway_sync_v" + version);  // Expand.installTriggersAndViews looks it up unquoted
    }

    static List<String> create(String schema, String versionSchema, int version, String table,
                               List<ColumnSnapshot> physicalColumns, List<SyncRule> rules) {
        return create(schema, List.of(versionSchema), version, table, physicalColumns, rules, List.of(), List.of(), true);
    }

    /**
     * {@code oldNames}: the old version's names of columns this migration renamed, each bound to its physical
     * column, so {@code up} expressions read the row as the old version does. {@code newNames}: the new version's
     * names of columns backed by another physical column ({@code alter_column}'s duplicate), so {@code down}
     * expressions read the row as the new version does. Each set lives in a nested block of its branch, where it
     * shadows the physical column variables of the same name. {@code basePath}: whether the rules run with the base
     * schema's search path ({@link ExpressionCheck#needsBaseSchema}).
     */
    static List<String> create(String schema, List<String> versionSchemas, int version, String table,
                               List<ColumnSnapshot> physicalColumns, List<SyncRule> rules,
                               List<ColumnSnapshot> oldNames, List<ColumnSnapshot> newNames, boolean basePath) {
        String qualifiedTable = Sql.qualified(schema, table);
        StringBuilder body = new StringBuilder("\n");
        body.append("#variable_conflict use_variable\n")
                .append("DECLARE\n")
                .append("  ").append(WRITER_PATH).append(" text := current_setting('search_path');\n");
        for (ColumnSnapshot column : physicalColumns) {
            if (!mayBeReferenced(column.physicalName(), rules)) continue;
            body.append("  ").append(Sql.ident(column.physicalName())).append(' ')
                    .append(columnType(qualifiedTable, column.physicalName()))
                    .append(" := NEW.").append(Sql.ident(column.physicalName())).append(";\n");
        }
        // The writer's search_path names its version schema, where the base schema's sequences, functions and types
        // are not visible: rules that name one run with the base schema's path, as start checked them, and the
        // writer's path is put back before its statement goes on (SET LOCAL is undone by an error anyway).
        body.append("BEGIN\n");
        if (basePath) {
            body.append("  PERFORM set_config('search_path', ").append(Sql.literal(Sql.ident(schema))).append(", true);\n");
        }
        body.append("  IF btrim(split_part(").append(WRITER_PATH).append(", ',', 1), ' \"') IN (")
                .append(versionSchemas.stream().map(Sql::literal).collect(java.util.stream.Collectors.joining(", ")))
                .append(") THEN\n");
        appendBranch(body, qualifiedTable, rules, SyncRule.Direction.DOWN, newNames);
        body.append("  ELSE\n");
        appendBranch(body, qualifiedTable, rules, SyncRule.Direction.UP, oldNames);
        body.append("  END IF;\n");
        if (basePath) {
            body.append("  PERFORM set_config('search_path', ").append(WRITER_PATH).append(", true);\n");
        }
        body.append("  RETURN NEW;\nEND\n");
        String function = "CREATE FUNCTION " + functionName(schema, version, table) + "() RETURNS trigger LANGUAGE plpgsql AS "
                + Sql.dollarQuoted(body.toString());
        return List.of(function, trigger(schema, version, table));
    }

    /**
     * The {@code CREATE TRIGGER} alone (the second of {@link #create}'s statements): the only one that needs the
     * table's SHARE ROW EXCLUSIVE lock, so start runs it in a transaction of its own once the function exists.
     */
    static String trigger(String schema, int version, String table) {
        return "CREATE TRIGGER " + triggerName(version) + " BEFORE INSERT OR UPDATE ON "
                + Sql.qualified(schema, table) + " FOR EACH ROW WHEN (" + BACKFILL_OFF + ")"
                + " EXECUTE FUNCTION " + functionName(schema, version, table) + "()";
    }

    private static void appendBranch(StringBuilder body, String qualifiedTable, List<SyncRule> rules,
                                     SyncRule.Direction direction, List<ColumnSnapshot> names) {
        if (names.isEmpty()) {
            appendAssignments(body, rules, direction);
            return;
        }
        body.append("    DECLARE\n");
        for (ColumnSnapshot name : names) {
            body.append("      ").append(Sql.ident(name.name())).append(' ')
                    .append(columnType(qualifiedTable, name.physicalName()))
                    .append(" := NEW.").append(Sql.ident(name.physicalName())).append(";\n");
        }
        body.append("    BEGIN\n");
        appendAssignments(body, rules, direction);
        body.append("    END;\n");
    }

    /**
     * Whether any rule's expression may name the column: its name appears in the text, ignoring case character by
     * character (an unquoted name is case-folded, a quoted one is written as is), or the name or an expression is
     * spelled in a way the text does not show ({@code ""} inside a quoted name, {@code U&"…"} escapes). Every
     * variable costs each write an assignment, and in a transaction of its own (an autocommit write) an expression
     * set-up too, so a variable no expression can read is left out; a name in a string literal merely keeps one.
     */
    static boolean mayBeReferenced(String name, List<SyncRule> rules) {
        if (name.indexOf('"') >= 0) return true;
        return rules.stream().map(SyncRule::expression)
                .anyMatch(expression -> containsIgnoringCase(expression, name) || containsIgnoringCase(expression, "U&"));
    }

    private static boolean containsIgnoringCase(String text, String part) {
        for (int i = 0; i + part.length() <= text.length(); i++) {
            if (text.regionMatches(true, i, part, 0, part.length())) return true;
        }
        return false;
    }

    /**
     * A variable's type as the column's own ({@code %TYPE}), not as a name: the function is compiled on a writer's
     * first write, under its search_path, where a type of the base schema (an enum, a domain) is not visible.
     */
    private static String columnType(String qualifiedTable, String physicalColumn) {
        return qualifiedTable + "." + Sql.ident(physicalColumn) + "%TYPE";
    }

    private static void appendAssignments(StringBuilder body, List<SyncRule> rules, SyncRule.Direction direction) {
        boolean any = false;
        for (SyncRule rule : rules) {
            if (rule.direction() == direction) {
                body.append("    NEW.").append(Sql.ident(rule.column())).append(" := (").append(rule.expression()).append(");\n");
                any = true;
            }
        }
        if (!any) {
            body.append("    NULL;\n");
        }
    }

    /**
     * The trigger alone: the only drop that locks the table (ACCESS EXCLUSIVE), so callers keep it in a short
     * transaction with nothing slow after it. A missing table is only a notice, which keeps undo and complete re-runnable.
     */
    static String dropTrigger(String schema, int version, String table) {
        return "DROP TRIGGER IF EXISTS " + triggerName(version) + " ON " + Sql.qualified(schema, table);
    }

    /**
     * The function, once its trigger is gone. No CASCADE: should a trigger still use it, this fails instead of
     * taking that table's lock unseen.
     */
    static String dropFunction(String schema, int version, String table) {
        return "DROP FUNCTION IF EXISTS " + functionName(schema, version, table) + "()";
    }
}
