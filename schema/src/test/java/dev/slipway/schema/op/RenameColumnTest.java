package dev.slipway.schema.op;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RenameColumnTest extends OperationTestBase {
    static final String RENAME = "operations: [{rename_column: {table: customers, from: email, to: email_address}}]";

    @Test
    void eachVersionSeesItsOwnNameOverTheSameData() {
        givenVersion1();
        start("002_rename.yaml", RENAME);
        execute(version(1), "INSERT INTO customers (name, email) VALUES ('Old', 'old@example.com')");
        execute(version(2), "INSERT INTO customers (name, email_address) VALUES ('New', 'new@example.com')");
        assertThat(single(version(1), "SELECT email FROM customers WHERE name = 'New'")).isEqualTo("new@example.com");
        assertThat(single(version(2), "SELECT email_address FROM customers WHERE name = 'Old'")).isEqualTo("old@example.com");
        engine.complete();
        assertThat(columns("public", "customers")).containsExactly("id", "name", "email_address");
    }

    @Test
    void rollbackRestoresTheOldName() {
        givenVersion1();
        start("002_rename.yaml", RENAME);
        engine.rollback();
        assertThat(columns("public", "customers")).containsExactly("id", "name", "email");
        assertThat(columns("public_v1", "customers")).containsExactly("id", "name", "email");
    }

    @Test
    void upExpressionsStillSeeTheOldNameOfAColumnRenamedInTheSameMigration() {
        givenVersion1();
        start("002_rename_and_contact.yaml", """
                operations:
                  - rename_column: {table: customers, from: email, to: email_address}
                  - add_column:
                      table: customers
                      column: {name: contact, type: text}
                      up: "coalesce(email, name)"
                """);
        assertThat(single(version(2), "SELECT contact FROM customers WHERE name = 'Ada'")).isEqualTo("ada@example.com");
        assertThat(single(version(2), "SELECT contact FROM customers WHERE name = 'Grace'")).isEqualTo("Grace");
        execute(version(1), "INSERT INTO customers (name, email) VALUES ('Old', 'old@example.com')");
        assertThat(single(version(2), "SELECT contact FROM customers WHERE name = 'Old'")).isEqualTo("old@example.com");
    }
}
