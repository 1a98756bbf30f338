package dev.slipway.schema;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A column an operation duplicates keeps the unique constraints, indexes, checks and foreign keys that cover it:
 * both versions are held to them while the migration is in flight, complete leaves them under their original names
 * and definitions, rollback leaves nothing behind.
 */
class DuplicatedColumnConstraintsTest extends PostgresTestBase {
    /** A default change is enough to duplicate the column (pgroll's way of changing a column both versions use). */
    static final String NEW_EMAIL_DEFAULT = """
            operations:
              - alter_column: {table: customers, column: email, default: "'nobody@example.com'"}
            """;

    private void givenCustomers() {
        engine.start(migration("001_initial.yaml", """
                operations:
                  - create_table:
                      name: customers
                      columns:
                        - {name: id, type: bigserial, pk: true}
                        - {name: name, type: text, nullable: false}
                        - {name: email, type: text}
                        - {name: emailer, type: text}
                  - create_table:
                      name: orders
                      columns:
                        - {name: id, type: bigserial, pk: true}
                        - {name: customer_id, type: bigint, references: {name: orders_customer, table: customers, column: id}}
                """), BackfillListener.NONE);
        engine.complete();
        // The names 'email' inside a string and 'emailer' must survive the copy untouched.
        execute(dataSource, "ALTER TABLE customers ADD CONSTRAINT customers_email_key UNIQUE (email)",
                "ALTER TABLE customers ADD CONSTRAINT customers_name_email UNIQUE (name, email)",
                "ALTER TABLE customers ADD CONSTRAINT customers_email_at CHECK (email LIKE '%@%' AND email <> 'email' AND (emailer IS NULL OR emailer <> email))",
                "CREATE INDEX customers_email_prefix ON customers (email text_pattern_ops DESC NULLS LAST) WHERE email <> 'email'",
                "CREATE UNIQUE INDEX customers_lower_name ON customers USING btree (name, email) INCLUDE (id) WITH (fillfactor = 70)");
        execute(version(1), "INSERT INTO customers (name, email) VALUES ('Ada', 'ada@example.com'), ('Grace', NULL)",
                "INSERT INTO orders (customer_id) VALUES (1)");
    }

    /** Every constraint and index of the two tables with its full definition. */
    private List<List<String>> definitions() {
        return query(dataSource, """
                SELECT conname, pg_get_constraintdef(oid), convalidated::text FROM pg_constraint
                 WHERE conrelid IN ('customers'::regclass, 'orders'::regclass)
                UNION ALL SELECT indexname, indexdef, '' FROM pg_indexes WHERE schemaname = 'public'
                 ORDER BY 1, 2""");
    }

    @Test
    void bothVersionsAreHeldToTheCopiesAndCompleteGivesThemTheirNamesBack() {
        givenCustomers();
        List<List<String>> before = definitions();
        engine.start(migration("002_email_default.yaml", NEW_EMAIL_DEFAULT), BackfillListener.NONE);

        // Uniqueness: a duplicate refused through either view (the old one's value reaches the copy through up).
        assertThatThrownBy(() -> execute(version(1), "INSERT INTO customers (name, email) VALUES ('Twin', 'ada@example.com')"))
                .hasMessageContaining("customers_email_key");
        assertThatThrownBy(() -> execute(version(2), "INSERT INTO customers (name, email) VALUES ('Twin', 'ada@example.com')"))
                .hasMessageContaining("customers_email_key");
        assertThatThrownBy(() -> execute(version(2), "UPDATE customers SET email = 'ada@example.com' WHERE name = 'Grace'"))
                .hasMessageContaining("customers_email_key");
        // The check: the old version is held to the original, the new one to the copy.
        assertThatThrownBy(() -> execute(version(1), "INSERT INTO customers (name, email) VALUES ('Bad', 'no-at-sign')"))
                .hasMessageContaining("customers_email_at");
        assertThatThrownBy(() -> execute(version(2), "INSERT INTO customers (name, email) VALUES ('Bad', 'no-at-sign')"))
                .hasMessageContaining("customers_email_at");
        execute(version(2), "INSERT INTO customers (name) VALUES ('New')");
        execute(version(1), "INSERT INTO customers (name, email) VALUES ('Old', 'old@example.com')");
        assertThat(single(version(1), "SELECT email FROM customers WHERE name = 'New'")).isEqualTo("nobody@example.com");
        assertThat(single(dataSource, "SELECT count(*) FROM pg_indexes WHERE indexname LIKE '\\_slipway\\_%'")).isEqualTo("4");

        List<String> completeStatements = new ArrayList<>();
        engine.onStatement(completeStatements::add);
        engine.complete();
        assertThat(definitions()).isEqualTo(before);
        assertThatThrownBy(() -> execute(version(2), "INSERT INTO customers (name, email) VALUES ('Twin', 'old@example.com')"))
                .hasMessageContaining("customers_email_key");
        assertThat(query(version(2), "SELECT name, email FROM customers ORDER BY id")).containsExactly(
                List.of("Ada", "ada@example.com"), java.util.Arrays.asList("Grace", null),
                List.of("New", "nobody@example.com"), List.of("Old", "old@example.com"));

        // Complete run again (a crash after it committed) changes nothing.
        assertThat(completeStatements).isNotEmpty();
        completeStatements.forEach(statement -> execute(dataSource, statement));
        assertThat(definitions()).isEqualTo(before);
    }

    @Test
    void rollbackLeavesTheTableExactlyAsBefore() {
        givenCustomers();
        List<List<String>> before = definitions();
        List<List<String>> catalog = catalogFingerprint();
        engine.start(migration("002_email_default.yaml", NEW_EMAIL_DEFAULT), BackfillListener.NONE);
        engine.rollback();
        assertThat(definitions()).isEqualTo(before);
        assertThat(catalogFingerprint()).isEqualTo(catalog);
    }

    @Test
    void aForeignKeyIsCopiedAndKeepsItsName() {
        givenCustomers();
        List<List<String>> before = definitions();
        engine.start(migration("002_order_default.yaml", """
                operations:
                  - alter_column: {table: orders, column: customer_id, default: "1"}
                """), BackfillListener.NONE);
        assertThatThrownBy(() -> execute(version(2), "INSERT INTO orders (customer_id) VALUES (99)"))
                .hasMessageContaining("orders_customer");
        assertThatThrownBy(() -> execute(version(1), "INSERT INTO orders (customer_id) VALUES (99)"))
                .hasMessageContaining("orders_customer");
        engine.complete();
        assertThat(definitions()).isEqualTo(before);
    }

    @Test
    void columnsDuplicatedTogetherShareTheirMultiColumnCopies() {
        givenCustomers();
        List<List<String>> before = definitions();
        // pgroll's example 45: a check over two columns given as up/down duplicates both.
        engine.start(migration("002_name_email_check.yaml", """
                operations:
                  - create_constraint:
                      type: check
                      table: customers
                      name: customers_name_not_email
                      columns: [name, email]
                      check: "name <> email"
                      up: {name: name, email: email}
                      down: {name: name, email: email}
                """), BackfillListener.NONE);
        assertThatThrownBy(() -> execute(version(2), "INSERT INTO customers (name, email) VALUES ('Ada', 'ada@example.com')"))
                .hasMessageContaining("duplicate key");
        assertThatThrownBy(() -> execute(version(1), "INSERT INTO customers (name, email) VALUES ('Ada', 'ada@example.com')"))
                .hasMessageContaining("duplicate key");
        assertThatThrownBy(() -> execute(version(2), "INSERT INTO customers (name, email) VALUES ('Bad', 'no-at-sign')"))
                .hasMessageContaining("customers_email_at");
        engine.complete();
        List<List<String>> after = definitions();
        after.removeIf(row -> row.get(0).equals("customers_name_not_email"));
        assertThat(after).isEqualTo(before);
    }

    @Test
    void whatCannotBeCarriedOverIsRefusedByName() {
        givenCustomers();
        List<List<String>> catalog = catalogFingerprint();
        assertThatThrownBy(() -> engine.start(migration("002_x.yaml", """
                operations:
                  - alter_column: {table: customers, column: email, type: varchar(50), up: "email", down: "email"}
                """), BackfillListener.NONE))
                .hasMessageContaining("alter_column customers.email: column customers.email changes type and is covered by check customers_email_at");
        execute(dataSource, "ALTER TABLE customers DROP CONSTRAINT customers_email_at",
                "CREATE INDEX customers_email_lower ON customers (lower(email))");
        assertThatThrownBy(() -> engine.start(migration("002_x.yaml", """
                operations:
                  - alter_column: {table: customers, column: email, type: varchar(50), up: "email", down: "email"}
                """), BackfillListener.NONE))
                .hasMessageContaining("column customers.email is covered by customers_email_lower")
                .hasMessageContaining("an index on an expression");
        execute(dataSource, "DROP INDEX customers_email_lower");
        // An index this migration creates has no definition to copy yet: refused, not silently dropped on complete.
        assertThatThrownBy(() -> engine.start(migration("002_x.yaml", """
                operations:
                  - create_index: {name: customers_email_new, table: customers, columns: [email]}
                  - alter_column: {table: customers, column: email, default: "'x@y'"}
                """), BackfillListener.NONE))
                .hasMessageContaining("column customers.email is covered by customers_email_new")
                .hasMessageContaining("one this migration creates");
        assertThat(engine.status().state()).containsExactly(1);

        // Without the check a type change carries the indexes and unique constraints over.
        List<List<String>> before = definitions();
        engine.start(migration("002_email_varchar.yaml", """
                operations:
                  - alter_column: {table: customers, column: email, type: varchar(50), up: "email", down: "email"}
                """), BackfillListener.NONE);
        assertThatThrownBy(() -> execute(version(2), "INSERT INTO customers (name, email) VALUES ('Twin', 'ada@example.com')"))
                .hasMessageContaining("customers_email_key");
        engine.complete();
        assertThat(definitions()).extracting(row -> row.get(0)).isEqualTo(before.stream().map(row -> row.get(0)).toList());
        assertThat(catalog).isNotEmpty();
    }
}
