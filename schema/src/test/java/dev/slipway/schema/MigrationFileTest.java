package dev.slipway.schema;

import dev.slipway.schema.op.AddColumn;
import dev.slipway.schema.op.CreateTable;
import dev.slipway.schema.op.DropColumn;
import org.junit.jupiter.api.Test;

import static dev.slipway.schema.PostgresTestBase.migration;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Reading migration files: the demo's syntax, and errors that point at file:line:column. */
class MigrationFileTest {

    @Test
    void readsTheDemoMigrations() {
        Migration initial = DemoMigrationsTest.initial();
        assertThat(initial.version()).isEqualTo(1);
        assertThat(initial.name()).isEqualTo("001_initial");
        assertThat(initial.checksum()).hasSize(64);
        CreateTable customers = (CreateTable) initial.operations().get(0);
        assertThat(customers.columns().get(0).primaryKey()).isTrue();
        assertThat(customers.columns().get(0).nullable()).isFalse();
        assertThat(customers.columns().get(2).nullable()).isTrue();
        assertThat(customers.columns().get(3).defaultValue()).isEqualTo("now()");
        CreateTable orders = (CreateTable) initial.operations().get(1);
        assertThat(orders.columns().get(1).references()).isPresent();

        Migration split = DemoMigrationsTest.splitName();
        assertThat(split.version()).isEqualTo(2);
        assertThat(split.description()).isEqualTo("split customer name");
        assertThat(split.operations()).hasExactlyElementsOfTypes(AddColumn.class, AddColumn.class, DropColumn.class);
        assertThat(((DropColumn) split.operations().get(2)).down()).isEqualTo("first_name || ' ' || last_name");
        assertThat(split.opaque()).isFalse();
    }

    @Test
    void jsonIsAcceptedToo() {
        Migration migration = migration("003_phone.json",
                "{\"operations\": [{\"add_column\": {\"table\": \"customers\", \"column\": {\"name\": \"phone\", \"type\": \"text\"}}}]}");
        assertThat(migration.version()).isEqualTo(3);
    }

    @Test
    void malformedYamlIsLocated() {
        assertThatThrownBy(() -> migration("002_x.yaml", "operations:\n  - add_column: {table: customers\n"))
                .isInstanceOf(MigrationException.class)
                .hasMessageStartingWith("002_x.yaml:3:1: invalid YAML");
    }

    @Test
    void anUnknownOperationIsLocatedWithASuggestion() {
        assertThatThrownBy(() -> migration("002_x.yaml", """
                operations:
                  - add_column: {table: customers, column: {name: a, type: text}}
                  - add_colum: {table: customers, column: {name: b, type: text}}
                """))
                .hasMessageStartingWith("002_x.yaml:3:5: operations[1].add_colum: unknown field 'add_colum' (did you mean 'add_column'?)");
    }

    @Test
    void aMissingFieldIsLocated() {
        assertThatThrownBy(() -> migration("002_x.yaml", """
                operations:
                  - drop_column:
                      column: full_name
                """))
                .hasMessage("002_x.yaml:3:7: operations[0].drop_column: missing required field 'table'");
    }

    @Test
    void aVersionThatContradictsTheFileNameIsRefused() {
        assertThatThrownBy(() -> migration("002_x.yaml", "version: 3\noperations: [{drop_table: {name: t}}]"))
                .hasMessage("002_x.yaml:1:10: version: version 3 does not match the file name's 2");
    }

    @Test
    void aPrimaryKeyCannotBeNullable() {
        assertThatThrownBy(() -> migration("001_x.yaml", """
                operations:
                  - create_table: {name: t, columns: [{name: id, type: int, pk: true, nullable: true}]}
                """))
                .hasMessageContaining("001_x.yaml:2:81: operations[0].create_table.columns[0].nullable: a primary key column cannot be nullable");
    }

    @Test
    void aFileSaysWhoseSpellingItFollowsAndThatDecidesTheNullableDefault() {
        String columns = "operations: [{create_table: {name: t, columns: [{name: id, type: int, pk: true}, {name: note, type: text}]}}]";
        CreateTable slipway = (CreateTable) migration("001_t.yaml", columns).operations().get(0);
        assertThat(slipway.columns().get(1).nullable()).as("Slipway: nullable unless said").isTrue();
        CreateTable pgroll = (CreateTable) migration("001_t.yaml", "name: 01_t\n" + columns).operations().get(0);
        assertThat(pgroll.columns().get(1).nullable()).as("pgroll: NOT NULL unless said").isFalse();
        assertThat(migration("001_t.yaml", "name: 01_t\n" + columns).dialect()).isEqualTo(dev.slipway.schema.op.Dialect.PGROLL);
        assertThat(migration("001_t.yaml", "version: 1\nname: t\n" + columns).dialect()).isEqualTo(dev.slipway.schema.op.Dialect.SLIPWAY);
        assertThat(migration("002_t.yaml", "operations: [{sql: {up: \"SELECT 1\"}}]").dialect())
                .isEqualTo(dev.slipway.schema.op.Dialect.PGROLL);
        // pgroll's newest files have no name; a JSON file that says nothing of whose it is, is pgroll's
        String jsonOperations = "\"operations\": [{\"create_table\": {\"name\": \"t\", \"columns\": [{\"name\": \"id\","
                + " \"type\": \"int\", \"pk\": true}, {\"name\": \"note\", \"type\": \"text\"}]}}]";
        CreateTable json = (CreateTable) migration("001_t.json", "{" + jsonOperations + "}").operations().get(0);
        assertThat(json.columns().get(1).nullable()).as("JSON without name: pgroll's NOT NULL").isFalse();
        CreateTable jsonOfSlipway = (CreateTable) migration("001_t.json", "{\"version\": 1, " + jsonOperations + "}")
                .operations().get(0);
        assertThat(jsonOfSlipway.columns().get(1).nullable()).as("JSON with Slipway's version: nullable").isTrue();
    }

    @Test
    void aFieldNeitherFormatKnowsIsLocated() {
        assertThatThrownBy(() -> migration("002_x.yaml", """
                name: 02_x
                operations:
                  - create_index: {name: i, table: t, columns: [a], storage_parameter: "fillfactor=70"}
                """)).hasMessageStartingWith("002_x.yaml:3:53: operations[0].create_index.storage_parameter: unknown field"
                + " 'storage_parameter' (did you mean 'storage_parameters'?)");
    }

    @Test
    void versionSchemaNamesTheSchemaPgrollClientsUseAndBadNamesAreLocated() {
        assertThat(migration("002_x.yaml", "version_schema: custom_2\noperations: [{drop_table: {name: t}}]")
                .mirrorSchema("public")).contains("public_custom_2");
        assertThat(migration("002_x.yaml", "operations: [{drop_table: {name: t}}]").mirrorSchema("public")).isEmpty();
        assertThatThrownBy(() -> migration("002_x.yaml", "version_schema: \"Custom; DROP\"\noperations: [{drop_table: {name: t}}]"))
                .hasMessageStartingWith("002_x.yaml:1:17: version_schema: 'Custom; DROP' is not a schema name suffix");
        assertThatThrownBy(() -> migration("002_x.yaml", "version_schema: v3\noperations: [{drop_table: {name: t}}]"))
                .hasMessageStartingWith("002_x.yaml:1:17: version_schema: 'v3' is how Slipway names a version's own schema");
        assertThatThrownBy(() -> migration("002_x.yaml", "version_schema: \"\"\noperations: [{drop_table: {name: t}}]"))
                .hasMessageStartingWith("002_x.yaml:1:17: version_schema:");
    }
}

