package dev.slipway.schema.op;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RenameTableTest extends OperationTestBase {

    @Test
    void bothNamesWorkWhileInFlightAndRollbackRestoresTheOld() {
        givenVersion1();
        start("002_rename.yaml", "operations: [{rename_table: {from: customers, to: clients}}]");
        execute(version(1), "INSERT INTO customers (name) VALUES ('Old')");
        execute(version(2), "INSERT INTO clients (name) VALUES ('New')");
        assertThat(single(version(1), "SELECT count(*) FROM customers")).isEqualTo("5");
        assertThat(single(version(2), "SELECT count(*) FROM clients")).isEqualTo("5");
        engine.rollback();
        assertThat(single(dataSource, "SELECT to_regclass('public.customers') IS NOT NULL")).isEqualTo("t");
        assertThat(single(version(1), "SELECT count(*) FROM customers")).isEqualTo("5");
    }

    @Test
    void completeLeavesOnlyTheNewName() {
        givenVersion1();
        start("002_rename.yaml", "operations: [{rename_table: {from: customers, to: clients}}]");
        engine.complete();
        assertThat(single(dataSource, "SELECT to_regclass('public.customers')")).isNull();
        assertThat(single(version(2), "SELECT count(*) FROM clients")).isEqualTo("3");
    }
}
