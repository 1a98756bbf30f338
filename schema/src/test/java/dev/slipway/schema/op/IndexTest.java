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

    @Test
    void pgrollsPerColumnSettingsAndStorageParametersAreWritten() {
        givenVersion1();
        start("002_index.yaml", """
                name: 02_index
                operations:
                  - create_index:
                      name: customers_name_email_idx
                      table: customers
                      columns:
                        name: {collate: C, sort: DESC, nulls: LAST, opclass: {name: text_pattern_ops}}
                        email: {}
                      storage_parameters: "fillfactor=70"
                      method: btree
                  - create_index:
                      name: customers_email_hash
                      table: customers
                      columns: [{column: email}]
                      method: hash
                """);
        assertThat(single(dataSource, "SELECT indexdef FROM pg_indexes WHERE indexname = 'customers_name_email_idx'"))
                .isEqualTo("CREATE INDEX customers_name_email_idx ON public.customers USING btree (name COLLATE \"C\" text_pattern_ops DESC NULLS LAST, email) WITH (fillfactor='70')");
        assertThat(single(dataSource, "SELECT indexdef FROM pg_indexes WHERE indexname = 'customers_email_hash'")).contains("USING hash (email)");
        assertThatThrownBy(() -> start("003_x.yaml", """
                operations:
                  - create_index: {name: x, table: customers, columns: {name: {sort: SIDEWAYS}}}
                """)).hasMessageContaining("003_x.yaml:2:70: operations[0].create_index.columns.name.sort: 'SIDEWAYS' is not one of [ASC, DESC]");
    }
}
