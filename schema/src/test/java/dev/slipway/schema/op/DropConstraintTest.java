package dev.slipway.schema.op;

import dev.slipway.schema.BackfillListener;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DropConstraintTest extends OperationTestBase {
    static final String DROP_UNIQUE = "operations: [{drop_constraint: {table: customers, name: customers_email_key}}]";

    /** Version 2 adds a unique email; the test then moves to 3, which drops it. */
    private void givenVersion2WithUniqueEmail() {
        givenVersion1();
        start("002_unique_email.yaml", "operations: [{create_constraint: {table: customers, name: customers_email_key,"
                + " type: unique, columns: [email]}}]");
        engine.complete();
        engine.start(migration("003_any_email.yaml", DROP_UNIQUE), BackfillListener.NONE);
        assertThat(engine.status().state()).containsExactly(2, 3);
    }

    @Test
    void theConstraintHoldsForBothVersionsUntilComplete() {
        givenVersion2WithUniqueEmail();
        assertThatThrownBy(() -> execute(version(2), "INSERT INTO customers (name, email) VALUES ('Twin', 'ada@example.com')"))
                .hasMessageContaining("customers_email_key");
        assertThatThrownBy(() -> execute(version(3), "INSERT INTO customers (name, email) VALUES ('Twin', 'ada@example.com')"))
                .hasMessageContaining("customers_email_key");
        execute(version(3), "INSERT INTO customers (name, email) VALUES ('New', 'new@example.com')");

        engine.complete();
        execute(version(3), "INSERT INTO customers (name, email) VALUES ('Twin', 'ada@example.com')");
        assertThat(single(dataSource, "SELECT count(*) FROM pg_constraint WHERE conname = 'customers_email_key'")).isEqualTo("0");
        assertThat(single(dataSource, "SELECT to_regclass('public.customers_email_key')")).isNull();
    }

    @Test
    void rollbackKeepsTheConstraint() {
        givenVersion2WithUniqueEmail();
        engine.rollback();
        assertThat(single(dataSource, "SELECT contype FROM pg_constraint WHERE conname = 'customers_email_key'")).isEqualTo("u");
        assertThat(engine.status().state()).containsExactly(2);
    }

    @Test
    void anUnknownConstraintOrThePrimaryKeyIsRefused() {
        givenVersion1();
        assertThatThrownBy(() -> start("002_x.yaml", "operations: [{drop_constraint: {table: customers, name: nope}}]"))
                .hasMessage("migration 002_x.yaml: drop_constraint customers.nope: constraint does not exist (constraints: customers_pkey)");
        assertThatThrownBy(() -> start("002_x.yaml", "operations: [{drop_constraint: {table: customers, name: customers_pkey}}]"))
                .hasMessageContaining("cannot drop the primary key");
    }

    @Test
    void pgrollsUpAndDownLetTheNewVersionBreakTheConstraintWhileTheOldOneStillHoldsIt() {
        givenVersion1();
        start("002_check.yaml", "operations: [{create_constraint: {table: customers, name: customers_name_short, type: check,"
                + " check: \"length(name) <= 6\"}}]");
        engine.complete();
        engine.start(migration("003_long_names.yaml", """
                name: 03_long_names
                operations:
                  - drop_constraint: {table: customers, name: customers_name_short, up: name, down: "left(name, 6)"}
                """), BackfillListener.NONE);
        assertThat(engine.status().state()).containsExactly(2, 3);

        execute(version(3), "INSERT INTO customers (name) VALUES ('Maximilian')");
        assertThat(single(version(3), "SELECT count(*) FROM customers WHERE name = 'Maximilian'")).isEqualTo("1");
        assertThat(single(version(2), "SELECT count(*) FROM customers WHERE name = 'Maximi'")).isEqualTo("1");
        assertThatThrownBy(() -> execute(version(2), "INSERT INTO customers (name) VALUES ('Alexandra')"))
                .hasMessageContaining("customers_name_short");
        execute(version(2), "INSERT INTO customers (name) VALUES ('Zoe')");
        assertThat(single(version(3), "SELECT count(*) FROM customers WHERE name = 'Zoe'")).isEqualTo("1");

        engine.complete();
        assertThat(single(dataSource, "SELECT count(*) FROM pg_constraint WHERE conname = 'customers_name_short'")).isEqualTo("0");
        assertThat(single(version(3), "SELECT count(*) FROM customers WHERE name = 'Maximilian'")).isEqualTo("1");
        assertThat(columns("public", "customers")).doesNotContain("_slipway_new_name");
    }

    @Test
    void dropMultiColumnConstraintDuplicatesEveryColumnItCovers() {
        givenVersion1();
        start("002_check.yaml", "operations: [{create_constraint: {table: customers, name: customers_contact,"
                + " type: check, check: \"email IS NOT NULL OR name <> ''\"}}]");
        engine.complete();
        engine.start(migration("003_x.yaml", """
                name: 03_drop_contact
                operations:
                  - drop_multicolumn_constraint:
                      table: customers
                      name: customers_contact
                      up: {email: email, name: name}
                      down: {email: "coalesce(email, 'unknown@example.com')", name: name}
                """), BackfillListener.NONE);
        execute(version(3), "INSERT INTO customers (name, email) VALUES ('', NULL)");
        assertThat(single(version(2), "SELECT email FROM customers WHERE name = ''")).isEqualTo("unknown@example.com");
        engine.rollback();
        assertThat(columns("public", "customers")).containsExactly("id", "name", "email");
        assertThat(single(dataSource, "SELECT count(*) FROM pg_constraint WHERE conname = 'customers_contact'")).isEqualTo("1");
    }
}
