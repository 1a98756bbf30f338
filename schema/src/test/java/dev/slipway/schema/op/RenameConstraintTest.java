package dev.slipway.schema.op;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RenameConstraintTest extends OperationTestBase {
    private static final String RENAME = """
            name: 03_rename
            operations:
              - rename_constraint: {table: customers, from: customers_name_check, to: customers_name_not_blank}
            """;

    private void givenACheck() {
        givenVersion1();
        start("002_check.yaml", "operations: [{create_constraint: {table: customers, name: customers_name_check, type: check,"
                + " check: \"name <> ''\"}}]");
        engine.complete();
        engine.start(migration("003_rename.yaml", RENAME), dev.slipway.schema.BackfillListener.NONE);
    }

    @Test
    void bothVersionsSeeTheNewNameAndRollbackRestoresTheOld() {
        givenACheck();
        assertThat(single(dataSource, "SELECT count(*) FROM pg_constraint WHERE conname = 'customers_name_not_blank'")).isEqualTo("1");
        execute(version(2), "INSERT INTO customers (name) VALUES ('Old')");
        execute(version(3), "INSERT INTO customers (name) VALUES ('New')");
        engine.rollback();
        assertThat(single(dataSource, "SELECT count(*) FROM pg_constraint WHERE conname = 'customers_name_check'")).isEqualTo("1");
    }

    @Test
    void completeKeepsTheNewName() {
        givenACheck();
        engine.complete();
        assertThat(single(dataSource, "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'customers_name_not_blank'"))
                .isEqualTo("CHECK ((name <> ''::text))");
    }
}
