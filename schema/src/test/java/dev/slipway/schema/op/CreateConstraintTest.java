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
}
