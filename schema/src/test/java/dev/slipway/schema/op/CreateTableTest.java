package dev.slipway.schema.op;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CreateTableTest extends OperationTestBase {
    static final String ADD_ADDRESSES = """
            operations:
              - create_table:
                  name: addresses
                  columns:
                    - {name: id, type: bigserial, pk: true}
                    - {name: customer_id, type: bigint, nullable: false, references: {table: customers, column: id}}
                    - {name: city, type: text, nullable: false, default: "'unknown'", check: "length(city) > 0"}
                    - {name: code, type: text, unique: true}
            """;

    @Test
    void theNewTableIsVisibleOnlyToTheNewVersionWhileBothWrite() {
        givenVersion1();
        start("002_addresses.yaml", ADD_ADDRESSES);

        execute(version(1), "INSERT INTO customers (name) VALUES ('Old')");
        execute(version(2), "INSERT INTO customers (name) VALUES ('New')");
        execute(version(2), "INSERT INTO addresses (customer_id, code) VALUES (1, 'A1')");
        assertThat(query(version(2), "SELECT city, code FROM addresses")).containsExactly(java.util.List.of("unknown", "A1"));
        assertThatThrownBy(() -> execute(version(1), "SELECT * FROM addresses")).hasMessageContaining("does not exist");
        assertThatThrownBy(() -> execute(version(2), "INSERT INTO addresses (customer_id) VALUES (999)"))
                .hasMessageContaining("foreign key");

        engine.complete();
        assertThat(engine.status().state()).containsExactly(2);
        assertThat(single(version(2), "SELECT count(*) FROM customers")).isEqualTo("5");
    }

    @Test
    void rollbackDropsTheTable() {
        givenVersion1();
        start("002_addresses.yaml", ADD_ADDRESSES);
        engine.rollback();
        assertThat(single(dataSource, "SELECT to_regclass('public.addresses')")).isNull();
        assertThat(single(version(1), "SELECT count(*) FROM customers")).isEqualTo("3");
    }

    @Test
    void anExistingTableIsRefused() {
        givenVersion1();
        assertThatThrownBy(() -> start("002_again.yaml", """
                operations:
                  - create_table: {name: customers, columns: [{name: id, type: int}]}
                """)).hasMessage("migration 002_again.yaml: create_table customers: table already exists");
    }
}
