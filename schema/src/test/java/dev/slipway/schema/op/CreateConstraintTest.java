package dev.slipway.schema.op;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CreateConstraintTest extends OperationTestBase {

    @Test
    void checkAndUniqueAreEnforcedForBothVersionsAndAttachedOnComplete() {
        givenVersion1();
        start("002_constraints.yaml", """
                operations:
                  - create_constraint: {table: customers, name: customers_name_length, type: check, check: "length(name) < 20"}
                  - create_constraint: {table: customers, name: customers_email_key, type: unique, columns: [email]}
                """);
        assertThatThrownBy(() -> execute(version(1), "INSERT INTO customers (name) VALUES ('a name far too long to fit')"))
                .hasMessageContaining("customers_name_length");
        assertThatThrownBy(() -> execute(version(2), "INSERT INTO customers (name, email) VALUES ('Z', 'ada@example.com')"))
                .hasMessageContaining("duplicate key");
        assertThat(single(dataSource, "SELECT convalidated FROM pg_constraint WHERE conname = 'customers_name_length'")).isEqualTo("t");
        engine.complete();
        assertThat(single(dataSource, "SELECT contype FROM pg_constraint WHERE conname = 'customers_email_key'")).isEqualTo("u");
    }

    @Test
    void rollbackRemovesThem() {
        givenVersion1();
        start("002_constraints.yaml", """
                operations:
                  - create_constraint: {table: customers, name: customers_email_key, type: unique, columns: [email]}
                """);
        engine.rollback();
        assertThat(single(dataSource, "SELECT to_regclass('public.customers_email_key')")).isNull();
        execute(version(1), "INSERT INTO customers (name, email) VALUES ('Twin', 'ada@example.com')");
    }

    @Test
    void pgrollsUpAndDownPutTheConstraintOnDuplicatesSoOldWritersKeepWorking() {
        givenVersion1();
        start("002_name_length.yaml", """
                name: 02_name_length
                operations:
                  - create_constraint:
                      table: customers
                      name: customers_name_short
                      type: check
                      columns: [name]
                      check: "length(name) <= 5"
                      up: {name: "left(name, 5)"}
                      down: {name: name}
                """);
        // The old version writes what it always wrote; the new version sees it mapped into the rule.
        execute(version(1), "INSERT INTO customers (name) VALUES ('Alexandra')");
        assertThat(single(version(1), "SELECT name FROM customers WHERE name = 'Alexandra'")).isEqualTo("Alexandra");
        assertThat(single(version(2), "SELECT name FROM customers WHERE name LIKE 'Alexa%'")).isEqualTo("Alexa");
        // Existing rows were backfilled through up: "Linus" fits, every name does now.
        assertThat(single(version(2), "SELECT max(length(name)) FROM customers")).isEqualTo("5");
        // The new version is held to the rule; what it writes reaches the old version through down.
        assertThatThrownBy(() -> execute(version(2), "INSERT INTO customers (name) VALUES ('Maximilian')"))
                .hasMessageContaining("customers_name_short");
        execute(version(2), "INSERT INTO customers (name) VALUES ('Bo')");
        assertThat(single(version(1), "SELECT count(*) FROM customers WHERE name = 'Bo'")).isEqualTo("1");

        engine.complete();
        assertThat(columns("public", "customers")).containsExactly("id", "email", "name");
        assertThat(single(dataSource, "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'customers_name_short'"))
                .isEqualTo("CHECK ((length(name) <= 5))");
        assertThat(single(dataSource, "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'customers'::regclass AND attname = 'name'"))
                .isEqualTo("t");
    }

    @Test
    void aPrimaryKeyOnNotNullColumnsIsBuiltConcurrentlyAndAttachedOnComplete() {
        execute(dataSource, "CREATE TABLE events (code text NOT NULL, at timestamptz)");
        engine.baseline(1, "events without a key");
        start("002_key.yaml", "operations: [{create_constraint: {table: events, name: events_pk, type: primary_key, columns: [code]}}]");
        assertThatThrownBy(() -> execute(version(1), "INSERT INTO events (code) VALUES ('a'), ('a')")).hasMessageContaining("events_pk");
        engine.complete();
        assertThat(single(dataSource, "SELECT contype FROM pg_constraint WHERE conname = 'events_pk'")).isEqualTo("p");
    }

    @Test
    void upAndDownOnATableCreatedInTheSameMigrationNeedNoDuplicate() {
        // As pgroll's example 55_add_primary_key_constraint_to_table: no old version writes a table this migration
        // creates, so the constraint goes on the table's own columns.
        givenVersion1();
        start("002_tasks.yaml", """
                name: 02_tasks
                operations:
                  - create_table:
                      name: tasks
                      columns:
                        - {name: id, type: serial}
                        - {name: title, type: text}
                  - create_constraint: {table: tasks, name: tasks_pkey, type: primary_key, columns: [id], up: {id: id}, down: {id: id}}
                """);
        execute(version(2), "INSERT INTO tasks (title) VALUES ('write the report')");
        engine.complete();
        assertThat(single(dataSource, "SELECT contype FROM pg_constraint WHERE conname = 'tasks_pkey'")).isEqualTo("p");
        assertThat(single(dataSource, "SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute"
                + " WHERE attrelid = 'tasks'::regclass AND attnum > 0 AND NOT attisdropped")).isEqualTo("id,title");
        assertThat(single(version(2), "SELECT title FROM tasks WHERE id = 1")).isEqualTo("write the report");
    }
}
