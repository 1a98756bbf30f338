package dev.slipway.schema.op;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** CreateIndex and DropIndex. */
class IndexTest extends OperationTestBase {

    @Test
    void aUniqueIndexIsBuiltConcurrentlyAndEnforcedForBothVersions() {
        givenVersion1();
        start("002_index.yaml", "operations: [{create_index: {name: customers_email_idx, table: customers, columns: [email], unique: true}}]");
        assertThat(single(dataSource, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'customers_email_idx'::regclass")).isEqualTo("t");
        assertThatThrownBy(() -> execute(version(1), "INSERT INTO customers (name, email) VALUES ('X', 'ada@example.com')"))
                .hasMessageContaining("duplicate key");
        execute(version(2), "INSERT INTO customers (name, email) VALUES ('Y', 'y@example.com')");
        engine.complete();

        engine.start(migration("003_drop_index.yaml", "operations: [{drop_index: {name: customers_email_idx}}]"), dev.slipway.schema.BackfillListener.NONE);
        assertThat(single(dataSource, "SELECT to_regclass('public.customers_email_idx') IS NOT NULL")).isEqualTo("t");
        engine.complete();
        assertThat(single(dataSource, "SELECT to_regclass('public.customers_email_idx')")).isNull();
    }

    @Test
    void aFailedConcurrentBuildLeavesNoInvalidIndexAndIsUndone() {
        givenVersion1();
        execute(version(1), "INSERT INTO customers (name, email) VALUES ('Twin', 'ada@example.com')");
        assertThatThrownBy(() -> start("002_index.yaml",
                "operations: [{create_index: {name: customers_email_idx, table: customers, columns: [email], unique: true}}]"))
                .hasMessageContaining("start failed and was undone");
        assertThat(single(dataSource, "SELECT to_regclass('public.customers_email_idx')")).isNull();
        assertThat(engine.status().state()).containsExactly(1);
    }

    @Test
    void rollbackDropsTheIndex() {
        givenVersion1();
        start("002_index.yaml", "operations: [{create_index: {name: customers_name_idx, table: customers, columns: [name]}}]");
        engine.rollback();
        assertThat(single(dataSource, "SELECT to_regclass('public.customers_name_idx')")).isNull();
    }
}
