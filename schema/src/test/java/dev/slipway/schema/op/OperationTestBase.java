package dev.slipway.schema.op;

import dev.slipway.schema.BackfillListener;
import dev.slipway.schema.PostgresTestBase;

import static org.assertj.core.api.Assertions.assertThat;

/** Version 1 of a small schema (customers with three rows), completed, as the starting point of each operation test. */
abstract class OperationTestBase extends PostgresTestBase {

    void givenVersion1() {
        engine.start(migration("001_initial.yaml", """
                operations:
                  - create_table:
                      name: customers
                      columns:
                        - {name: id, type: bigserial, pk: true}
                        - {name: name, type: text, nullable: false}
                        - {name: email, type: text}
                """), BackfillListener.NONE);
        engine.complete();
        execute(version(1), "INSERT INTO customers (name, email) VALUES ('Ada', 'ada@example.com'), ('Grace', NULL), ('Linus', 'linus@example.com')");
    }

    void start(String fileName, String yaml) {
        engine.start(migration(fileName, yaml), BackfillListener.NONE);
        assertThat(engine.status().state()).containsExactly(1, 2);
    }
}
