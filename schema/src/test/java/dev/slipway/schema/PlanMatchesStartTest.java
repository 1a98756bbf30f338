package dev.slipway.schema;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code schema plan} prints exactly the statements {@code schema start} runs, in order, for every operation type,
 * and runs none of them itself.
 */
class PlanMatchesStartTest extends PostgresTestBase {
    /** One migration to version 2 per operation type (some types more than once: their paths differ). */
    static final Map<String, List<String>> CASES = new LinkedHashMap<>();

    static {
        CASES.put("create_table", List.of("""
                operations:
                  - create_table:
                      name: invoices
                      columns:
                        - {name: id, type: bigserial, pk: true}
                        - {name: customer_id, type: bigint, nullable: false, references: {table: customers, column: id}}
                        - {name: total, type: "numeric(12,2)", nullable: false, default: "0", check: "total >= 0"}
                        - {name: code, type: text, unique: true}
                """, """
                name: 02_pgroll_table
                operations:
                  - create_table:
                      name: bookings
                      comment: rooms booked
                      columns:
                        - {name: id, type: bigint, generated: {identity: {user_specified_values: BY DEFAULT}}}
                        - {name: room, type: integer, comment: the room number}
                        - {name: nights, type: integer, check: {name: bookings_nights_positive, constraint: "nights > 0"}}
                        - {name: total, type: integer, generated: {expression: "nights * 100"}}
                        - {name: customer_id, type: bigint, nullable: true, references: {name: bookings_customer, table: customers, column: id, on_delete: CASCADE}}
                      constraints:
                        - {name: bookings_pk, type: primary_key, columns: [id]}
                        - {name: bookings_room_nights, type: unique, columns: [room, nights], index_parameters: {storage_parameters: "fillfactor=80"}}
                        - {name: bookings_room_sane, type: check, check: "room BETWEEN 1 AND 999"}
                """));
        CASES.put("add_column", List.of("""
                operations:
                  - add_column:
                      table: customers
                      column: {name: contact, type: text, nullable: false, unique: true}
                      up: "coalesce(email, name || '@unknown')"
                """, """
                operations:
                  - add_column:
                      table: customers
                      column: {name: number, type: integer, generated: {identity: {user_specified_values: BY DEFAULT, sequence_options: "START WITH 10"}}}
                """));
        CASES.put("drop_column", List.of("""
                operations:
                  - drop_column: {table: customers, column: email, down: "lower(name) || '@example.com'"}
                """));
        CASES.put("rename_column", List.of("""
                operations:
                  - rename_column: {table: customers, from: email, to: mail}
                  - add_column: {table: customers, column: {name: domain, type: text}, up: "split_part(email, '@', 2)"}
                """));
        CASES.put("alter_column", List.of("""
                operations:
                  - alter_column: {table: customers, column: email, nullable: false, up: "coalesce(email, 'none')"}
                """, """
                operations:
                  - alter_column: {table: customers, column: email, comment: where we write}
                """, """
                operations:
                  - alter_column:
                      table: orders
                      column: quantity
                      type: bigint
                      check: "quantity >= 0"
                      up: "greatest(quantity, 0)::bigint"
                      down: "quantity::integer"
                """, """
                name: 02_covered_column
                operations:
                  - alter_column: {table: orders, column: customer_id, default: "1"}
                """));
        CASES.put("create_index", List.of("""
                operations:
                  - create_index: {name: customers_name_idx, table: customers, columns: [name], method: btree, predicate: "email IS NOT NULL"}
                """, """
                name: 02_index_settings
                operations:
                  - create_index:
                      name: customers_name_email_idx
                      table: customers
                      columns:
                        name: {collate: C, sort: DESC, nulls: LAST}
                        email: {}
                      storage_parameters: "fillfactor=70"
                """));
        CASES.put("drop_index", List.of("""
                operations:
                  - drop_index: {name: orders_amount_idx}
                """));
        CASES.put("create_constraint", List.of("""
                operations:
                  - create_constraint: {table: orders, name: orders_amount_positive, type: check, check: "amount > 0"}
                  - create_constraint: {table: customers, name: customers_name_unique, type: unique, columns: [name]}
                """, """
                name: 02_pgroll_constraint
                operations:
                  - create_constraint:
                      table: orders
                      name: orders_quantity_positive
                      type: check
                      columns: [quantity]
                      check: "quantity > 0"
                      up: {quantity: "greatest(coalesce(quantity, 1), 1)"}
                      down: {quantity: quantity}
                """));
        CASES.put("drop_constraint", List.of("""
                operations:
                  - drop_constraint: {table: orders, name: orders_amount_check}
                """, """
                name: 02_pgroll_drop
                operations:
                  - drop_constraint: {table: orders, name: orders_amount_check, up: amount, down: "greatest(amount, -999)"}
                """));
        CASES.put("drop_table", List.of("""
                operations:
                  - drop_table: {name: orders}
                """));
        CASES.put("rename_table", List.of("""
                operations:
                  - rename_table: {from: orders, to: purchases}
                """));
        CASES.put("raw_sql", List.of("""
                operations:
                  - raw_sql: {up: "ALTER TABLE customers ADD COLUMN note text", down: "ALTER TABLE customers DROP COLUMN note"}
                """));
        CASES.put("sql", List.of("""
                operations:
                  - sql: {up: "CREATE TABLE audit (id bigserial PRIMARY KEY)", down: "DROP TABLE IF EXISTS audit"}
                """, """
                name: 02_on_complete
                operations:
                  - add_column: {table: customers, column: {name: note, type: text, nullable: true}}
                  - sql: {up: "UPDATE customers SET note = 'migrated'", onComplete: true}
                """));
        CASES.put("rename_constraint", List.of("""
                operations:
                  - rename_constraint: {table: orders, from: orders_amount_check, to: orders_amount_floor}
                """));
        CASES.put("set_replica_identity", List.of("""
                operations:
                  - set_replica_identity: {table: customers, identity: {type: full}}
                """));
        CASES.put("drop_multicolumn_constraint", List.of("""
                operations:
                  - drop_multicolumn_constraint:
                      table: orders
                      name: orders_amount_check
                      up: {amount: amount}
                      down: {amount: "greatest(amount, -999)"}
                """));
    }

    static List<String> cases() {
        List<String> names = new ArrayList<>();
        CASES.forEach((operation, files) -> {
            for (int i = 0; i < files.size(); i++) names.add(operation + "#" + i);
        });
        return names;
    }

    @Test
    void everyOperationTypeHasACase() {
        assertThat(CASES.keySet()).containsExactlyInAnyOrderElementsOf(MigrationFile.operationNames());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void planPrintsExactlyTheStatementsStartRuns(String name) {
        givenVersion1();
        String operation = name.substring(0, name.indexOf('#'));
        Migration migration = migration("002_" + operation + ".yaml",
                CASES.get(operation).get(Integer.parseInt(name.substring(name.indexOf('#') + 1))));
        List<List<String>> before = catalogFingerprint();

        List<String> plan = engine.plan(migration);
        assertThat(catalogFingerprint()).as("plan changed nothing").isEqualTo(before);
        assertThat(engine.status().history()).hasSize(1);

        List<String> ran = new ArrayList<>();
        engine.onStatement(ran::add);
        engine.start(migration, BackfillListener.NONE);

        assertThat(plan).isNotEmpty().containsExactlyElementsOf(ran);
        assertThat(engine.status().state()).contains(2);
    }

    private void givenVersion1() {
        engine.start(migration("001_initial.yaml", """
                operations:
                  - create_table:
                      name: customers
                      columns:
                        - {name: id, type: bigserial, pk: true}
                        - {name: name, type: text, nullable: false}
                        - {name: email, type: text}
                  - create_table:
                      name: orders
                      columns:
                        - {name: id, type: bigserial, pk: true}
                        - {name: customer_id, type: bigint, nullable: false, references: {table: customers, column: id}}
                        - {name: amount, type: integer, nullable: false, check: "amount > -1000"}
                        - {name: quantity, type: integer}
                  - create_index: {name: orders_amount_idx, table: orders, columns: [customer_id]}
                """), BackfillListener.NONE);
        engine.complete();
        execute(version(1), "INSERT INTO customers (name, email) VALUES ('Ada', 'ada@example.com'), ('Grace', NULL)",
                "INSERT INTO orders (customer_id, amount) VALUES (1, 10), (2, 20)");
    }
}
