package dev.slipway.schema;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The backfill gives an existing row exactly what the sync trigger gives the same row written by binary 1 while
 * the migration is in flight, whichever way its batches compute the {@code up} columns: in their own UPDATE (the
 * fast way) or by letting the trigger fire (renamed columns, sub-SELECTs, expressions without an assignment cast).
 * <p>
 * Each test seeds rows 1..N, starts a migration (batches of 1 000, so several batches and resumable positions),
 * then inserts a twin of every seed row through binary 1's views with the same generator: the trigger computes the
 * twins' new columns. Every original must equal its twin in every column binary 2 reads.
 */
class BackfillTest extends PostgresTestBase {
    private static final int ROWS = 2_500;
    /** Row i of the seed and of its twin: some NULL emails, codes that are digit strings. */
    private static final String GENERATOR = "SELECT 'n' || i, CASE WHEN i % 3 = 0 THEN NULL ELSE 'e' || i END, (i % 100)::text"
            + " FROM generate_series(1, " + ROWS + ") i";

    private void givenVersion1WithRows() {
        engine.start(migration("001_initial.yaml", """
                operations:
                  - create_table:
                      name: customers
                      columns:
                        - {name: id, type: bigserial, pk: true}
                        - {name: name, type: text, nullable: false}
                        - {name: email, type: text}
                        - {name: code, type: text}
                """), BackfillListener.NONE);
        engine.complete();
        execute(version(1), "INSERT INTO customers (name, email, code) " + GENERATOR);
    }

    /** Starts the migration, inserts the twins as binary 1, and compares each original with its twin as binary 2. */
    private void assertBackfillEqualsTheTrigger(String yaml, String newColumns) {
        givenVersion1WithRows();
        StartResult started = engine.start(migration("002_backfill.yaml", yaml), BackfillListener.NONE);
        assertThat(started.backfilledRows()).isEqualTo(ROWS);
        execute(version(1), "INSERT INTO customers (name, email, code) " + GENERATOR);

        String differing = "SELECT original.id, original." + newColumns.replace(", ", ", original.") + ", twin."
                + newColumns.replace(", ", ", twin.") + " FROM customers original JOIN customers twin"
                + " ON twin.name = original.name AND twin.id > original.id"
                + " WHERE (original." + newColumns.replace(", ", ", original.") + ") IS DISTINCT FROM (twin."
                + newColumns.replace(", ", ", twin.") + ")";
        assertThat(query(version(2), differing)).as("originals that differ from their twins").isEmpty();
        assertThat(single(version(2), "SELECT count(*) FROM customers")).isEqualTo(String.valueOf(2 * ROWS));
    }

    @Test
    void severalUpRulesOnOneTableFillRowsLikeAnOldVersionWrite() {
        // Computed in the batch's own UPDATE. copy_of_contact reads another new column: the trigger and the UPDATE
        // both see it as it was before the write (NULL), not as the rule before it just computed it.
        assertBackfillEqualsTheTrigger("""
                operations:
                  - add_column:
                      table: customers
                      column: {name: contact, type: text}
                      up: "coalesce(email, name || '@unknown')"
                  - add_column:
                      table: customers
                      column: {name: name_length, type: smallint}
                      up: "length(name)"
                  - add_column:
                      table: customers
                      column: {name: copy_of_contact, type: text}
                      up: "contact"
                  - add_column:
                      table: customers
                      column: {name: tier, type: int, default: "7"}
                      up: "'3'"
                  - alter_column:
                      table: customers
                      column: email
                      nullable: false
                      up: "coalesce(email, 'none')"
                  - alter_column:
                      table: customers
                      column: code
                      type: int
                      up: "code::int * 2"
                      down: "code::text"
                """, "contact, name_length, copy_of_contact, tier, email, code");
        assertThat(query(version(2), "SELECT contact, name_length, copy_of_contact, tier, email, code FROM customers WHERE id = 3"))
                .containsExactly(Arrays.asList("n3@unknown", "2", null, "3", "none", "6"));
    }

    @Test
    void anExpressionWithoutAnAssignmentCastIsConvertedAsTheTriggerDoes() {
        // text into an int column: an UPDATE refuses it, PL/pgSQL converts through text. The batch lets the trigger do it.
        assertBackfillEqualsTheTrigger("""
                operations:
                  - add_column:
                      table: customers
                      column: {name: code_number, type: int}
                      up: "code"
                """, "code_number");
        assertThat(single(version(2), "SELECT code_number FROM customers WHERE id = 42")).isEqualTo("42");
    }

    @Test
    void aSubSelectReadsTheRowAsTheTriggerDoes() {
        // In the trigger a bare name is the row's column even inside a sub-SELECT whose table has one of that name.
        assertBackfillEqualsTheTrigger("""
                operations:
                  - add_column:
                      table: customers
                      column: {name: label, type: text}
                      up: "(SELECT name FROM (VALUES ('shadow')) AS other (name))"
                """, "label");
        assertThat(single(version(2), "SELECT label FROM customers WHERE id = 5")).isEqualTo("n5");
    }

    @Test
    void upReadsARenamedColumnByItsOldName() {
        assertBackfillEqualsTheTrigger("""
                operations:
                  - rename_column: {table: customers, from: email, to: mail}
                  - add_column:
                      table: customers
                      column: {name: domain, type: text}
                      up: "split_part(email, '@', 1)"
                """, "mail, domain");
        assertThat(single(version(2), "SELECT domain FROM customers WHERE id = 4")).isEqualTo("e4");
    }
}
