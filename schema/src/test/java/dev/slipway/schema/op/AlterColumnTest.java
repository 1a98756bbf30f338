package dev.slipway.schema.op;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AlterColumnTest extends OperationTestBase {
    static final String SET_NOT_NULL = """
            operations:
              - alter_column: {table: customers, column: email, nullable: false, up: "coalesce(email, lower(name) || '@unknown')"}
            """;

    @Test
    void setNotNullFillsOldWritesAndRefusesNullFromTheNewVersion() {
        givenVersion1();
        start("002_email_required.yaml", SET_NOT_NULL);
        assertThat(single(version(2), "SELECT email FROM customers WHERE name = 'Grace'")).isEqualTo("grace@unknown");
        execute(version(1), "INSERT INTO customers (name) VALUES ('Old')");
        assertThat(single(version(1), "SELECT email FROM customers WHERE name = 'Old'")).isEqualTo("old@unknown");
        assertThatThrownBy(() -> execute(version(2), "INSERT INTO customers (name) VALUES ('New')")).hasMessageContaining("not_null");
        engine.complete();
        assertThat(single(dataSource, "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'customers'::regclass AND attname = 'email'"))
                .isEqualTo("t");
    }

    @Test
    void rollbackLiftsTheConstraint() {
        givenVersion1();
        start("002_email_required.yaml", SET_NOT_NULL);
        engine.rollback();
        execute(version(1), "INSERT INTO customers (name) VALUES ('Again')");
        assertThat(single(version(1), "SELECT count(*) FROM customers WHERE email IS NULL")).isEqualTo("1");
    }
}
