package dev.slipway.schema.op;

import dev.slipway.schema.BackfillListener;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RawSqlTest extends OperationTestBase {
    static final String RAW = """
            operations:
              - raw_sql:
                  up: "ALTER TABLE customers ADD COLUMN note text"
                  down: "ALTER TABLE customers DROP COLUMN note"
            """;

    @Test
    void anOpaqueMigrationMovesTheStateInOneStep() {
        givenVersion1();
        var migration = migration("002_raw.yaml", RAW);
        assertThat(migration.opaque()).isTrue();
        engine.start(migration, BackfillListener.NONE);
        assertThat(engine.status().state()).containsExactly(2);
        assertThat(columns("public_v2", "customers")).containsExactly("id", "name", "email", "note");
        assertThat(schemaExists("public_v1")).isFalse();
        engine.complete();
        assertThat(engine.status().state()).containsExactly(2);
    }

    @Test
    void rollbackRunsDownAndRestoresTheOldVersion() {
        givenVersion1();
        engine.start(migration("002_raw.yaml", RAW), BackfillListener.NONE);
        engine.rollback();
        assertThat(engine.status().state()).containsExactly(1);
        assertThat(columns("public_v1", "customers")).containsExactly("id", "name", "email");
        assertThat(single(version(1), "SELECT count(*) FROM customers")).isEqualTo("3");
    }

    @Test
    void rawSqlMustBeAlone() {
        assertThatThrownBy(() -> migration("002_x.yaml", """
                operations:
                  - raw_sql: {up: "SELECT 1"}
                  - drop_table: {name: customers}
                """)).hasMessageContaining("must be the only operation");
    }
}
