package dev.slipway.schema.op;

import org.junit.jupiter.api.Test;

import java.util.List;

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

    @Test
    void pgrollsTableConstraintsGeneratedColumnsAndCommentsAreCreated() {
        givenVersion1();
        start("002_bookings.yaml", """
                name: 02_bookings
                operations:
                  - create_table:
                      name: bookings
                      comment: rooms booked
                      columns:
                        - {name: id, type: bigint, generated: {identity: {user_specified_values: BY DEFAULT, sequence_options: "START 100"}}}
                        - {name: room, type: integer, comment: the room number}
                        - {name: nights, type: integer, check: {name: bookings_nights_positive, constraint: "nights > 0"}}
                        - {name: total, type: integer, generated: {expression: "nights * 100"}}
                        - {name: during, type: int4range}
                        - {name: customer_id, type: bigint, nullable: true, references: {name: bookings_customer, table: customers, column: id, on_delete: CASCADE}}
                        - {name: note, type: text, nullable: true}
                      constraints:
                        - {name: bookings_pk, type: primary_key, columns: [id]}
                        - {name: bookings_room_nights, type: unique, columns: [room, nights], index_parameters: {include_columns: [note], storage_parameters: "fillfactor=80"}}
                        - {name: bookings_room_sane, type: check, check: "room BETWEEN 1 AND 999"}
                        - {name: bookings_no_overlap, type: exclude, exclude: {index_method: gist, elements: "during WITH &&"}}
                """);
        // pgroll's columns are NOT NULL unless they say otherwise.
        assertThat(single(dataSource, "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'bookings'::regclass AND attname = 'room'"))
                .isEqualTo("t");
        execute(version(2), "INSERT INTO bookings (room, nights, during, customer_id) VALUES (7, 2, '[1,3)', 1)");
        assertThat(query(version(2), "SELECT id, total FROM bookings")).containsExactly(List.of("100", "200"));
        assertThatThrownBy(() -> execute(version(2), "INSERT INTO bookings (room, nights, during) VALUES (8, 1, '[2,4)')"))
                .hasMessageContaining("bookings_no_overlap");
        assertThatThrownBy(() -> execute(version(2), "INSERT INTO bookings (room, nights, during) VALUES (1000, 1, '[9,10)')"))
                .hasMessageContaining("bookings_room_sane");
        assertThatThrownBy(() -> execute(version(2), "INSERT INTO bookings (room, nights, during) VALUES (8, 0, '[9,10)')"))
                .hasMessageContaining("bookings_nights_positive");
        assertThat(single(dataSource, "SELECT obj_description('bookings'::regclass)")).isEqualTo("rooms booked");
        assertThat(single(dataSource, "SELECT col_description('bookings'::regclass, 2)")).isEqualTo("the room number");
        assertThat(single(dataSource, "SELECT indexdef FROM pg_indexes WHERE indexname = 'bookings_room_nights'"))
                .contains("INCLUDE (note)").contains("fillfactor='80'");
        assertThat(single(dataSource, "SELECT confdeltype FROM pg_constraint WHERE conname = 'bookings_customer'")).isEqualTo("c");
        // Version 1 binaries do not see the table at all.
        assertThatThrownBy(() -> execute(version(1), "SELECT * FROM bookings")).hasMessageContaining("does not exist");
        engine.complete();
    }

    @Test
    void aPrimaryKeyGivenTwiceIsALocatedError() {
        assertThatThrownBy(() -> migration("001_x.yaml", """
                operations:
                  - create_table:
                      name: t
                      columns: [{name: id, type: int, pk: true}]
                      constraints: [{name: t_pk, type: primary_key, columns: [id]}]
                """)).hasMessageStartingWith("001_x.yaml:5:20: operations[0].create_table.constraints: a table has one primary key");
        assertThatThrownBy(() -> migration("001_x.yaml", """
                operations:
                  - create_table:
                      name: t
                      columns: [{name: id, type: int}]
                      constraints: [{name: t_c, type: check, check: "id > 0", columns: [id], index_parameters: {tablespace: x}}]
                """)).hasMessageContaining("'index_parameters' does not apply to a check constraint");
    }
}
