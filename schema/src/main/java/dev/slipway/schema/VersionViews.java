package dev.slipway.schema;

import dev.slipway.schema.op.ColumnSnapshot;
import dev.slipway.schema.op.SchemaSnapshot;
import dev.slipway.schema.op.Sql;
import dev.slipway.schema.op.TableSnapshot;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The versioned schema {@code <schema>_v<N>}: one view per table, selecting that version's columns under that
 * version's names. Each view reads one table and only plain columns, so PostgreSQL makes it automatically
 * updatable (inserts, updates and deletes go to the table, and omitted columns take the table's defaults).
 * Views reference columns by number, not name: renaming a table or column later keeps every view working.
 */
final class VersionViews {
    private VersionViews() {
    }

    static List<String> create(String baseSchema, String versionSchema, SchemaSnapshot layout) {
        List<String> statements = new ArrayList<>();
        statements.add("CREATE SCHEMA " + Sql.ident(versionSchema));
        for (TableSnapshot table : layout.tables()) {
            String columns = table.columns().stream()
                    .map(VersionViews::selectItem)
                    .collect(Collectors.joining(", "));
            statements.add("CREATE VIEW " + Sql.qualified(versionSchema, table.name()) + " AS SELECT " + columns
                    + " FROM " + Sql.qualified(baseSchema, table.physicalName()));
        }
        return statements;
    }

    private static String selectItem(ColumnSnapshot column) {
        return column.physicalName().equals(column.name())
                ? Sql.ident(column.name())
                : Sql.ident(column.physicalName()) + " AS " + Sql.ident(column.name());
    }

    /**
     * The views of every table of {@code baseSchema} as the catalog shows them when the statement runs (one view
     * per table, every column under its own name): for an opaque migration, whose layout only the server knows once
     * its SQL has run. See {@code catalog/V2__version_views.sql}.
     */
    static String createFromCatalog(String baseSchema, String versionSchema) {
        return "SELECT slipway.create_version_views(" + Sql.literal(baseSchema) + ", " + Sql.literal(versionSchema) + ")";
    }

    /**
     * Turns an older version's schema into an alias of the tables as they are now: the same views as the newer
     * version's schema, under the older name. An opaque migration N to N+1 runs only once every running binary reads
     * N+1, but a binary that read [N, N+1] may have connected with {@code currentSchema=<schema>_vN}; with the alias
     * its next statement simply finds N+1's views there. Dropped and recreated in the caller's transaction, so the
     * schema is never missing; the alias goes when the next migration completes.
     */
    static List<String> alias(String baseSchema, String aliasSchema) {
        return List.of(drop(aliasSchema), createFromCatalog(baseSchema, aliasSchema));
    }

    /**
     * pgroll's {@code version_schema}: {@code mirrorSchema} gets one view per view of {@code versionSchema}, selecting
     * all of it (a view over an automatically updatable view is updatable too, and omitted columns still take the
     * table's defaults). Its comment marks it as the mirror of {@code versionSchema}, which {@link #dropMirrors} reads.
     */
    static String mirror(String versionSchema, String mirrorSchema) {
        return Sql.doBlock("DECLARE v record; BEGIN"
                + " CREATE SCHEMA " + Sql.ident(mirrorSchema) + ";"
                + " COMMENT ON SCHEMA " + Sql.ident(mirrorSchema) + " IS " + Sql.literal(mirrorComment(versionSchema)) + ";"
                + " FOR v IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE n.nspname = " + Sql.literal(versionSchema) + " AND c.relkind = 'v' ORDER BY c.relname LOOP"
                + " EXECUTE format('CREATE VIEW %I.%I AS SELECT * FROM %I.%I', " + Sql.literal(mirrorSchema) + ", v.relname, "
                + Sql.literal(versionSchema) + ", v.relname);"
                + " END LOOP; END");
    }

    /** Drops the mirrors of {@code versionSchema} (before it: their views depend on its views). */
    static String dropMirrors(String versionSchema) {
        return Sql.doBlock("DECLARE s record; BEGIN"
                + " FOR s IN SELECT n.nspname FROM pg_namespace n"
                + " WHERE obj_description(n.oid, 'pg_namespace') = " + Sql.literal(mirrorComment(versionSchema)) + " LOOP"
                + " EXECUTE format('DROP SCHEMA %I CASCADE', s.nspname);"
                + " END LOOP; END");
    }

    private static String mirrorComment(String versionSchema) {
        return "slipway: version_schema mirror of " + versionSchema;
    }

    /** CASCADE drops the views the schema holds; nothing else may depend on a versioned schema. */
    static String drop(String versionSchema) {
        return "DROP SCHEMA IF EXISTS " + Sql.ident(versionSchema) + " CASCADE";
    }
}
