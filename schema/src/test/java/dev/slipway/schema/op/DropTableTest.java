package dev.slipway.schema.op;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DropTableTest extends OperationTestBase {

    @Test
    void theOldVersionKeepsTheTableUntilComplete() {
        givenVersion1();
        start("002_drop.yaml", "operations: [{drop_table: {name: customers}}]");
        execute(version(1), "INSERT INTO customers (name) VALUES ('Old')");
        assertThatThrownBy(() -> execute(version(2), "SELECT * FROM customers")).hasMessageContaining("does not exist");
        engine.complete();
        assertThat(single(dataSource, "SELECT to_regclass('public.customers')")).isNull();
    }

    @Test
    void rollbackKeepsTheData() {
        givenVersion1();
        start("002_drop.yaml", "operations: [{drop_table: {name: customers}}]");
        engine.rollback();
        assertThat(single(version(1), "SELECT count(*) FROM customers")).isEqualTo("3");
    }
}
