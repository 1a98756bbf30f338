package dev.slipway.schema.op;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The unique constraints, indexes, checks and foreign keys covering the columns one operation duplicates, copied
 * onto the duplicates (after pgroll's duplicator): while the migration is in flight each version's writes are held
 * to them on its own view (the old version's through {@code up}), and after complete the columns keep them under
 * their original names. Start builds the copies (indexes CONCURRENTLY, checks and foreign keys NOT VALID, validated
 * after the backfill by {@link ColumnDuplicate#validateCopies}); complete ({@link ColumnDuplicate#completeBlock}) renames them once no duplicate they cover is
 * left; rollback drops them with the duplicates.
 *
 * @param excluded constraints the operation itself drops: not copied
 */
record DependentCopies(String table, List<ColumnDuplicate> duplicates, List<String> excluded) {

    private Map<String, String> renames() {
        Map<String, String> renames = new LinkedHashMap<>();
        duplicates.forEach(duplicate -> renames.put(duplicate.column(), duplicate.temporary()));
        return renames;
    }

    /** What to copy, or a refusal naming the table, column and constraint that cannot be carried over. */
    List<Dependent> plan(SchemaSnapshot schema) {
        TableSnapshot target = schema.requireTable(table);
        Map<String, String> renames = renames();
        Set<String> names = new LinkedHashSet<>();
        for (ColumnDuplicate duplicate : duplicates) {
            target.dependents(duplicate.column()).forEach(names::add);
        }
        names.removeAll(excluded);
        List<Dependent> copies = new ArrayList<>();
        for (String name : names) {
            boolean droppedIndex = !target.constraints().contains(name) && !schema.hasIndex(name);
            if (droppedIndex) continue; // drop_index earlier in this migration: complete drops it; nothing to keep
            String column = duplicates.stream().map(ColumnDuplicate::column)
                    .filter(covered -> target.dependents(covered).contains(name)).findFirst().orElseThrow();
            Dependent dependent = target.definition(name).orElse(null);
            String where = "column " + table + "." + column + " is covered by " + name;
            if (dependent == null || dependent.unsupported() != null) {
                throw new InvalidOperationException(where + ", which complete would drop with the old column and which"
                        + " cannot be copied to the new one (" + (dependent == null ? "a primary key, an exclusion"
                        + " constraint, another table's foreign key, or one this migration creates" : dependent.unsupported()) + "); drop it first"
                        + " (drop_index/drop_constraint) and recreate it on the new column in a later migration");
            }
            for (String other : dependent.referencedColumns()) {
                ColumnSnapshot snapshot = target.requireColumn(other);
                if (!renames.containsKey(other) && !snapshot.physicalName().equals(snapshot.name())) {
                    throw new InvalidOperationException(where + ", which also covers " + other + ", changed by another"
                            + " operation of this migration: change both columns in one operation or in separate migrations");
                }
            }
            if (dependent.copyName().getBytes(StandardCharsets.UTF_8).length > 63) {
                throw new InvalidOperationException(where + ", whose name is too long to copy under a temporary name"
                        + " (at most " + (63 - Dependent.COPY_PREFIX.length()) + " bytes): rename it first (rename_constraint)");
            }
            copies.add(dependent);
        }
        return copies;
    }

    /** Checks and foreign keys on the duplicates, NOT VALID: they bind new writes at once, old rows after the backfill. */
    List<String> constraintStatements(String tableName, List<Dependent> copies) {
        return copies.stream().filter(copy -> !copy.builtConcurrently())
                .map(copy -> copy.copyStatement(tableName, renames())).toList();
    }

    /** Builds the index copies without blocking writes: the duplicates are still empty, so it is quick. */
    void buildIndexes(MigrationContext context, List<Dependent> copies) {
        for (Dependent copy : copies) {
            if (copy.builtConcurrently()) {
                context.executeConcurrently(copy.copyStatement(context.table(table), renames()),
                        "DROP INDEX CONCURRENTLY IF EXISTS " + Sql.qualified(context.schema(), copy.copyName()));
            }
        }
    }
}
