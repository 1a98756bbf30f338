package dev.slipway.schema.op;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AlterColumnTest extends OperationTestBase {
    static final String SET_NOT_NULL = """
            operations:
              - alter_column: {table: customers, column: email, nullable: false, up: "coalesce(email, lower(name) || '@unknown')"}
            """;
    static final String SHORTEN_NAME = """
            operations:
              - alter_column:
                  table: customers
                  column: name
                  type: varchar(10)
                  up: "left(name, 10)"
                  down: "name"
            """;
    static final String EMAIL_RULES = """
            operations:
              - alter_column:
                  table: customers
                  column: email
                  unique: true
                  check: "length(email) <= 20"
                  up: "left(email, 20)"
            """;

    private String physicalType(String column) {
        return single(dataSource, "SELECT format_type(atttypid, atttypmod) || ' ' || attnotnull FROM pg_attribute"
                + " WHERE attrelid = 'customers'::regclass AND attname = '" + column + "' AND NOT attisdropped");
    }

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

    @Test
    void aTypeChangeKeepsBothVersionsWritingThroughADuplicateColumn() {
        givenVersion1();
        start("002_short_names.yaml", SHORTEN_NAME);

        assertThat(single(version(2), "SELECT format_type(atttypid, atttypmod) FROM pg_attribute"
                + " WHERE attrelid = 'public_v2.customers'::regclass AND attname = 'name'")).isEqualTo("character varying(10)");
        assertThat(columns("public_v2", "customers")).containsExactly("id", "name", "email");
        execute(version(1), "INSERT INTO customers (name) VALUES ('Bartholomew Roberts')");
        execute(version(2), "INSERT INTO customers (name) VALUES ('Bob')");
        execute(version(2), "UPDATE customers SET name = 'Ada L.' WHERE name = 'Ada'");
        assertThat(query(version(2), "SELECT name FROM customers ORDER BY id")).extracting(row -> row.get(0))
                .containsExactly("Ada L.", "Grace", "Linus", "Bartholome", "Bob");
        assertThat(query(version(1), "SELECT name FROM customers ORDER BY id")).extracting(row -> row.get(0))
                .containsExactly("Ada L.", "Grace", "Linus", "Bartholomew Roberts", "Bob");
        // NOT NULL carries over to the new representation.
        assertThatThrownBy(() -> execute(version(2), "INSERT INTO customers (name) VALUES (NULL)")).hasMessageContaining("not-null");

        engine.complete();
        assertThat(columns("public", "customers")).containsExactly("id", "email", "name");
        assertThat(physicalType("name")).isEqualTo("character varying(10) true");
        assertThat(single(dataSource, "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal")).isEqualTo("0");
        assertThat(query(version(2), "SELECT id, name FROM customers WHERE id = 4")).containsExactly(List.of("4", "Bartholome"));
        assertThatThrownBy(() -> execute(version(2), "INSERT INTO customers (name) VALUES ('Much too long a name')"))
                .hasMessageContaining("character varying(10)");
    }

    @Test
    void rollbackOfATypeChangeLeavesTheOldColumnAndItsData() {
        givenVersion1();
        start("002_short_names.yaml", SHORTEN_NAME);
        execute(version(2), "UPDATE customers SET name = 'Ada L.' WHERE name = 'Ada'");
        execute(version(1), "INSERT INTO customers (name) VALUES ('Bartholomew Roberts')");
        engine.rollback();
        assertThat(columns("public", "customers")).containsExactly("id", "name", "email");
        assertThat(physicalType("name")).isEqualTo("text true");
        assertThat(query(version(1), "SELECT name FROM customers ORDER BY id")).extracting(row -> row.get(0))
                .containsExactly("Ada L.", "Grace", "Linus", "Bartholomew Roberts");
    }

    @Test
    void newConstraintsHoldForTheNewValueAndAnOldWriteUpCannotFixIsRejected() {
        givenVersion1();
        start("002_email_rules.yaml", EMAIL_RULES);

        // up maps an old value into the new rule: the old version keeps its long address, the new one sees it cut.
        execute(version(1), "INSERT INTO customers (name, email) VALUES ('Long', 'a.very.long.address@example.com')");
        assertThat(single(version(1), "SELECT email FROM customers WHERE name = 'Long'")).isEqualTo("a.very.long.address@example.com");
        assertThat(single(version(2), "SELECT email FROM customers WHERE name = 'Long'")).isEqualTo("a.very.long.address@");
        // A duplicate up cannot fix: the old binary's own write fails, nothing is stored half-way.
        assertThatThrownBy(() -> execute(version(1), "INSERT INTO customers (name, email) VALUES ('Twin', 'ada@example.com')"))
                .hasMessageContaining("customers_email_key");
        assertThat(single(version(1), "SELECT count(*) FROM customers WHERE name = 'Twin'")).isEqualTo("0");
        // The new version is held to both rules directly.
        assertThatThrownBy(() -> execute(version(2), "INSERT INTO customers (name, email) VALUES ('New', 'linus@example.com')"))
                .hasMessageContaining("customers_email_key");
        assertThatThrownBy(() -> execute(version(2), "INSERT INTO customers (name, email) VALUES ('New', 'far.too.long@example.com')"))
                .hasMessageContaining("customers_email_check");
        execute(version(2), "INSERT INTO customers (name, email) VALUES ('New', 'new@example.com')");
        assertThat(single(version(1), "SELECT email FROM customers WHERE name = 'New'")).isEqualTo("new@example.com");

        engine.complete();
        assertThat(single(dataSource, "SELECT string_agg(conname || ':' || contype || ':' || convalidated, ',' ORDER BY conname)"
                + " FROM pg_constraint WHERE conrelid = 'customers'::regclass AND contype <> 'p'"))
                .isEqualTo("customers_email_check:c:true,customers_email_key:u:true");
        assertThat(single(dataSource, "SELECT email FROM customers WHERE name = 'Long'")).isEqualTo("a.very.long.address@");
    }

    @Test
    void dropNotNullWithDownLetsTheNewVersionWriteNullWhileTheOldOneReadsAValue() {
        givenVersion1();
        start("002_optional_name.yaml", """
                operations:
                  - alter_column: {table: customers, column: name, nullable: true, down: "coalesce(name, 'anonymous')"}
                """);
        execute(version(2), "INSERT INTO customers (email) VALUES ('quiet@example.com')");
        assertThat(single(version(1), "SELECT name FROM customers WHERE email = 'quiet@example.com'")).isEqualTo("anonymous");
        assertThat(single(version(2), "SELECT name IS NULL FROM customers WHERE email = 'quiet@example.com'")).isEqualTo("t");
        engine.complete();
        assertThat(physicalType("name")).isEqualTo("text false");
    }

    @Test
    void aNewDefaultAppliesToTheNewVersionOnly() {
        givenVersion1();
        start("002_default_email.yaml", """
                operations:
                  - alter_column: {table: customers, column: email, default: "'none@example.com'"}
                """);
        execute(version(1), "INSERT INTO customers (name) VALUES ('Old')");
        execute(version(2), "INSERT INTO customers (name) VALUES ('New')");
        assertThat(query(version(2), "SELECT name, email FROM customers WHERE name IN ('Old', 'New') ORDER BY id"))
                .containsExactly(java.util.Arrays.asList("Old", null), List.of("New", "none@example.com"));
        engine.complete();
        execute(version(2), "INSERT INTO customers (name) VALUES ('Later')");
        assertThat(single(version(2), "SELECT email FROM customers WHERE name = 'Later'")).isEqualTo("none@example.com");
    }

    @Test
    void refusalsNameWhatIsMissing() {
        givenVersion1();
        assertThatThrownBy(() -> start("002_x.yaml", """
                operations:
                  - alter_column: {table: customers, column: name, nullable: true}
                """)).hasMessageStartingWith("migration 002_x.yaml: alter_column customers.name: the old column is NOT NULL: give 'down'");
        assertThatThrownBy(() -> start("002_x.yaml", """
                operations:
                  - alter_column: {table: customers, column: name, type: varchar(10)}
                """)).hasMessageContaining("a type change needs 'up'");
        execute(dataSource, "CREATE INDEX customers_email_idx ON customers (lower(email))");
        assertThatThrownBy(() -> start("002_x.yaml", """
                operations:
                  - alter_column: {table: customers, column: email, type: varchar(50), up: "email", down: "email"}
                """)).hasMessageContaining("covered by customers_email_idx");
        assertThatThrownBy(() -> start("002_x.yaml", """
                operations:
                  - alter_column: {table: customers, column: name, default: "'x'"}
                  - rename_column: {table: customers, from: name, to: full_name}
                """)).hasMessageContaining("rename_column customers.name to full_name: column is altered earlier in this migration");
    }

    @Test
    void pgrollsNamedConstraintsAndTheColumnCommentAreApplied() {
        givenVersion1();
        start("002_email.yaml", """
                name: 02_email
                operations:
                  - alter_column:
                      table: customers
                      column: email
                      unique: {name: customers_email_unique}
                      check: {name: customers_email_at, constraint: "email LIKE '%@%'"}
                      comment: where we write to
                      up: "coalesce(email, lower(name) || '@unknown')"
                      down: email
                """);
        execute(version(1), "INSERT INTO customers (name) VALUES ('Old')");
        assertThat(single(version(2), "SELECT email FROM customers WHERE name = 'Old'")).isEqualTo("old@unknown");
        assertThatThrownBy(() -> execute(version(2), "INSERT INTO customers (name, email) VALUES ('Bad', 'no-at')"))
                .hasMessageContaining("customers_email_at");
        engine.complete();
        assertThat(single(dataSource, "SELECT contype FROM pg_constraint WHERE conname = 'customers_email_unique'")).isEqualTo("u");
        assertThat(single(dataSource, "SELECT col_description('customers'::regclass, attnum) FROM pg_attribute"
                + " WHERE attrelid = 'customers'::regclass AND attname = 'email'")).isEqualTo("where we write to");

        engine.start(migration("003_no_comment.yaml", """
                name: 03_no_comment
                operations:
                  - alter_column: {table: customers, column: email, comment: null}
                """), dev.slipway.schema.BackfillListener.NONE);
        engine.complete();
        assertThat(single(dataSource, "SELECT col_description('customers'::regclass, attnum) FROM pg_attribute"
                + " WHERE attrelid = 'customers'::regclass AND attname = 'email'")).isNull();
    }

    @Test
    void aCommentChangeWhoseUpAndDownKeepTheValueIsOnlyACommentChange() {
        // pgroll's own example (36_set_comment_to_null) writes up/down as the column itself next to a comment.
        givenVersion1();
        start("002_comment.yaml", """
                operations:
                  - alter_column: {table: customers, column: email, comment: where we write to, up: email, down: email}
                """);
        assertThat(single(dataSource, "SELECT count(*) FROM pg_attribute WHERE attrelid = 'customers'::regclass"
                + " AND attname LIKE '_slipway_new_%' AND NOT attisdropped")).as("no duplicate column").isEqualTo("0");
        engine.complete();
        String comment = "SELECT col_description('customers'::regclass, attnum) FROM pg_attribute"
                + " WHERE attrelid = 'customers'::regclass AND attname = 'email'";
        assertThat(single(dataSource, comment)).isEqualTo("where we write to");

        engine.start(migration("003_no_comment.yaml", """
                operations:
                  - alter_column: {table: customers, column: email, comment: null, up: '"email"', down: email}
                """), dev.slipway.schema.BackfillListener.NONE);
        engine.complete();
        assertThat(single(dataSource, comment)).isNull();
        assertThat(single(version(3), "SELECT count(*) FROM customers WHERE email IS NOT NULL")).isEqualTo("2");

        // An up that changes the value still needs a change of the column to carry it.
        assertThatThrownBy(() -> engine.start(migration("004_lower.yaml", """
                operations:
                  - alter_column: {table: customers, column: email, comment: lower case, up: lower(email), down: email}
                """), dev.slipway.schema.BackfillListener.NONE))
                .hasMessageContaining("'up'/'down' without a change");
    }

    @Test
    void pgrollsRenameThroughAlterColumnIsARename() {
        givenVersion1();
        start("002_rename.yaml", "name: 02_rename\noperations: [{alter_column: {table: customers, column: email, name: mail}}]");
        assertThat(columns("public_v2", "customers")).containsExactly("id", "name", "mail");
        assertThat(columns("public_v1", "customers")).containsExactly("id", "name", "email");
    }
}
