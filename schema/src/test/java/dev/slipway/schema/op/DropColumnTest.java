package dev.slipway.schema.op;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DropColumnTest extends OperationTestBase {

    @Test
    void newWritesFillTheOldNotNullColumnFromDown() {
        givenVersion1();
        start("002_drop_name.yaml", """
                operations:
                  - drop_column: {table: customers, column: name, down: "coalesce(split_part(email, '@', 1), 'anonymous')"}
                """);

        assertThat(columns("public_v2", "customers")).containsExactly("id", "email");
        execute(version(2), "INSERT INTO customers (email) VALUES ('newbie@example.com')");
        execute(version(1), "INSERT INTO customers (name, email) VALUES ('Old', 'old@example.com')");
        assertThat(single(version(1), "SELECT name FROM customers WHERE email = 'newbie@example.com'")).isEqualTo("newbie");

        engine.complete();
        assertThat(columns("public", "customers")).containsExactly("id", "email");
        assertThat(single(version(2), "SELECT count(*) FROM customers")).isEqualTo("5");
    }

    @Test
    void rollbackKeepsTheColumnAndItsData() {
        givenVersion1();
        start("002_drop_email.yaml", "operations: [{drop_column: {table: customers, column: email}}]");
        execute(version(2), "INSERT INTO customers (name) VALUES ('New')");
        engine.rollback();
        assertThat(single(version(1), "SELECT email FROM customers WHERE name = 'Ada'")).isEqualTo("ada@example.com");
        assertThat(single(version(1), "SELECT count(*) FROM customers")).isEqualTo("4");
    }

    @Test
    void aNotNullColumnWithoutDownIsRefused() {
        givenVersion1();
        assertThatThrownBy(() -> start("002_x.yaml", "operations: [{drop_column: {table: customers, column: name}}]"))
                .hasMessageContaining("give 'down'");
    }
}
