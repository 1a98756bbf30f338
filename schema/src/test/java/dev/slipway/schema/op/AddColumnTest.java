package dev.slipway.schema.op;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AddColumnTest extends OperationTestBase {
    static final String ADD_CONTACT = """
            operations:
              - add_column:
                  table: customers
                  column: {name: contact, type: text, nullable: false}
                  up: "coalesce(email, name || '@unknown')"
              - add_column:
                  table: customers
                  column: {name: tier, type: int, nullable: false, default: "1"}
            """;

    @Test
    void oldWritesAreFilledFromUpAndNewWritesWork() {
        givenVersion1();
        start("002_contact.yaml", ADD_CONTACT);

        assertThat(query(version(2), "SELECT contact, tier FROM customers ORDER BY id")).containsExactly(
                List.of("ada@example.com", "1"), List.of("Grace@unknown", "1"), List.of("linus@example.com", "1"));
        execute(version(1), "INSERT INTO customers (name) VALUES ('Old')");
        execute(version(1), "UPDATE customers SET email = 'grace@example.com' WHERE name = 'Grace'");
        execute(version(2), "INSERT INTO customers (name, contact, tier) VALUES ('New', 'new@example.com', 3)");
        assertThat(query(version(2), "SELECT name, contact FROM customers WHERE name IN ('Old', 'Grace', 'New') ORDER BY id"))
                .containsExactly(List.of("Grace", "grace@example.com"), List.of("Old", "Old@unknown"), List.of("New", "new@example.com"));
        assertThat(columns("public_v1", "customers")).containsExactly("id", "name", "email");
        // The new version must give the NOT NULL column a value: the check already holds for new writes.
        assertThatThrownBy(() -> execute(version(2), "INSERT INTO customers (name) VALUES ('Nobody')")).hasMessageContaining("not_null");

        engine.complete();
        assertThat(single(dataSource, "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'customers'::regclass AND attname = 'contact'"))
                .isEqualTo("t");
        assertThat(single(dataSource, "SELECT count(*) FROM pg_constraint WHERE conname LIKE '%not_null'")).isEqualTo("0");
    }

    @Test
    void rollbackRemovesTheColumns() {
        givenVersion1();
        start("002_contact.yaml", ADD_CONTACT);
        engine.rollback();
        assertThat(columns("public", "customers")).containsExactly("id", "name", "email");
        execute(version(1), "INSERT INTO customers (name) VALUES ('After')");
        assertThat(single(version(1), "SELECT count(*) FROM customers")).isEqualTo("4");
    }

    @Test
    void aNotNullColumnWithoutDefaultOrUpIsRefused() {
        givenVersion1();
        assertThatThrownBy(() -> start("002_x.yaml", """
                operations:
                  - add_column: {table: customers, column: {name: phone, type: text, nullable: false}}
                """)).hasMessageStartingWith("migration 002_x.yaml: add_column customers.phone: a NOT NULL column needs a default");
    }

    @Test
    void anExistingColumnIsRefused() {
        givenVersion1();
        assertThatThrownBy(() -> start("002_x.yaml", """
                operations:
                  - add_column: {table: customers, column: {name: email, type: text}}
                """)).hasMessage("migration 002_x.yaml: add_column customers.email: column already exists (columns: id, name, email)");
    }

    @Test
    void anUpExpressionOfTheWrongTypeIsRefusedBeforeAnythingChanges() {
        givenVersion1();
        List<List<String>> before = catalogFingerprint();
        assertThatThrownBy(() -> start("003_x.yaml", """
                operations:
                  - add_column: {table: customers, column: {name: placed_at, type: timestamptz}, up: "42"}
                """)).hasMessage("migration 003_x.yaml: add_column customers.placed_at: up expression \"42\""
                + " (as timestamptz): cannot cast type integer to timestamp with time zone");
        assertThatThrownBy(() -> start("003_x.yaml", """
                operations:
                  - add_column: {table: customers, column: {name: contact, type: text}, up: "coalesce(mail, name)"}
                """)).hasMessageStartingWith("migration 003_x.yaml: add_column customers.contact: up expression \"coalesce(mail, name)\"")
                .hasMessageContaining("column \"mail\" does not exist");
        assertThat(catalogFingerprint()).isEqualTo(before);
        assertThat(engine.status().history()).hasSize(1);
    }
}
