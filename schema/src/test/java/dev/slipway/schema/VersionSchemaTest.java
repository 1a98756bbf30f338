package dev.slipway.schema;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * pgroll's {@code version_schema}: a client of the new version that connects with
 * {@code search_path=public_<version_schema>} (as pgroll's clients do) reads and writes the new layout, and its writes
 * count as the new version's; the schema lives exactly as long as {@code public_vN}.
 */
class VersionSchemaTest extends PostgresTestBase {
    private static final String SPLIT = """
            version_schema: split_name
            operations:
              - add_column: {table: customers, column: {name: first_name, type: text, nullable: true}, up: "split_part(full_name, ' ', 1)"}
              - add_column: {table: customers, column: {name: last_name, type: text, nullable: true}, up: "split_part(full_name, ' ', 2)"}
              - drop_column: {table: customers, column: full_name, down: "first_name || ' ' || last_name"}
            """;

    private void givenVersion1WithACustomer() {
        engine.start(DemoMigrationsTest.initial(), BackfillListener.NONE);
        engine.complete();
        execute(version(1), "INSERT INTO customers (full_name, email) VALUES ('Ada Lovelace', 'ada@example.com')");
    }

    @Test
    void aClientOfTheVersionSchemaReadsAndWritesTheNewLayoutUntilRollback() {
        givenVersion1WithACustomer();
        engine.start(migration("002_split_name.yaml", SPLIT), BackfillListener.NONE);

        assertThat(query(dataSource("public_split_name"), "SELECT first_name, last_name FROM customers"))
                .containsExactly(java.util.List.of("Ada", "Lovelace"));
        execute(dataSource("public_split_name"), "INSERT INTO customers (first_name, last_name) VALUES ('Grace', 'Hopper')");
        // the trigger took it as a new-version write: the old column comes from down
        assertThat(single(version(1), "SELECT full_name FROM customers WHERE email IS NULL")).isEqualTo("Grace Hopper");
        assertThat(columns("public_split_name", "customers")).isEqualTo(columns("public_v2", "customers"));

        engine.rollback();
        assertThat(schemaExists("public_split_name")).isFalse();
        assertThat(single(version(1), "SELECT count(*) FROM customers")).isEqualTo("2");
    }

    @Test
    void theVersionSchemaGoesWhenItsVersionIsRetired() {
        givenVersion1WithACustomer();
        engine.start(migration("002_split_name.yaml", SPLIT), BackfillListener.NONE);
        engine.complete();
        assertThat(schemaExists("public_split_name")).isTrue();
        engine.start(migration("003_phone.yaml", "operations: [{add_column: {table: customers, column: {name: phone, type: text}}}]"),
                BackfillListener.NONE);
        engine.complete();
        assertThat(schemaExists("public_split_name")).isFalse();
        assertThat(schemaExists("public_v3")).isTrue();
    }

    @Test
    void aSchemaOfThatNameThatIsNotSlipwaysIsRefusedBeforeAnythingChanges() {
        givenVersion1WithACustomer();
        execute(dataSource, "CREATE SCHEMA public_split_name");
        assertThatThrownBy(() -> engine.start(migration("002_split_name.yaml", SPLIT), BackfillListener.NONE))
                .hasMessageContaining("version_schema: schema public_split_name already exists");
        assertThat(engine.status().state()).containsExactly(1);
        assertThat(columns("public", "customers")).doesNotContain("first_name");
    }
}
