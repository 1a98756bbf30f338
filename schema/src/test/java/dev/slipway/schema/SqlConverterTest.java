package dev.slipway.schema;

import dev.slipway.schema.op.AddColumn;
import dev.slipway.schema.op.CreateTable;
import dev.slipway.schema.op.Operation;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code schema convert}: plain DDL to a migration file, with the data migrations it cannot infer marked TODO. */
class SqlConverterTest extends PostgresTestBase {

    @Test
    void recognisedStatementsBecomeOperationsAndTheRestRawSql() {
        String yaml = SqlConverter.convert("""
                -- the first version
                CREATE TABLE customers (
                    id bigserial PRIMARY KEY,
                    name text NOT NULL CHECK (length(name) > 0),
                    email text UNIQUE,
                    created_at timestamptz NOT NULL DEFAULT now()
                );
                CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
                    amount integer NOT NULL, CONSTRAINT orders_amount_positive CHECK (amount > 0));
                CREATE INDEX orders_customer_idx ON orders USING btree (customer_id) WHERE amount > 10;
                COMMENT ON COLUMN customers.email IS 'where we write';
                """, "01_initial");
        Migration migration = MigrationFile.parse("001_initial.yaml", yaml.getBytes());
        assertThat(migration.operations()).extracting(Operation::kind)
                .containsExactly("create_table", "create_table", "create_index", "alter_column");
        CreateTable customers = (CreateTable) migration.operations().get(0);
        assertThat(customers.columns()).extracting(column -> column.name() + ":" + column.nullable())
                .containsExactly("id:false", "name:false", "email:true", "created_at:false");
        assertThat(customers.columns().get(3).defaultValue()).isEqualTo("now()");
        assertThat(yaml).doesNotContain("\"TODO\"");

        engine.start(migration, BackfillListener.NONE);
        engine.complete();
        execute(version(1), "INSERT INTO customers (name, email) VALUES ('Ada', 'ada@example.com')",
                "INSERT INTO orders (customer_id, amount) VALUES (1, 20)");
        assertThatThrownBy(() -> execute(version(1), "INSERT INTO orders (customer_id, amount) VALUES (1, 0)"))
                .hasMessageContaining("orders_amount_positive");
    }

    @Test
    void whatNeedsADataMigrationIsMarkedTodoAndDoesNotStartUntilFilledIn() {
        String yaml = SqlConverter.convert("""
                ALTER TABLE customers ADD COLUMN phone text NOT NULL;
                ALTER TABLE customers ALTER COLUMN amount TYPE bigint;
                ALTER TABLE customers RENAME COLUMN email TO mail, ALTER COLUMN name DROP NOT NULL;
                ALTER TABLE customers DROP COLUMN legacy;
                ALTER TABLE customers ADD CONSTRAINT customers_mail_key UNIQUE (mail);
                """, "02_changes");
        assertThat(yaml).contains("up: \"TODO\"").contains("down: \"TODO\"");
        Migration migration = MigrationFile.parse("002_changes.yaml", yaml.getBytes());
        assertThat(migration.operations()).extracting(Operation::kind).containsExactly("add_column", "alter_column",
                "rename_column", "alter_column", "drop_column", "create_constraint");
        assertThat(((AddColumn) migration.operations().get(0)).up()).isEqualTo("TODO");
        // TODO is no expression the server knows: the file cannot be started before someone writes one.
        engine.start(migration("001_initial.yaml", "operations: [{create_table: {name: customers, columns: [{name: id, type: bigserial, pk: true},"
                + " {name: name, type: text}, {name: email, type: text}, {name: amount, type: int}, {name: legacy, type: text}]}}]"),
                BackfillListener.NONE);
        engine.complete();
        assertThatThrownBy(() -> engine.plan(migration)).hasMessageContaining("up expression \"TODO\"");

        String mixed = SqlConverter.convert("CREATE EXTENSION IF NOT EXISTS pg_trgm; DROP TABLE legacy;", "03_x");
        assertThat(mixed).contains("# WARNING: raw 'sql' operations have no expand phase");
        assertThat(MigrationFile.parse("003_x.yaml", SqlConverter.convert("CREATE EXTENSION IF NOT EXISTS pg_trgm", "03_x")
                .getBytes()).opaque()).isTrue();
        assertThat(SqlConverter.statements("SELECT 'a;b'; SELECT $x$;$x$; -- c;\nSELECT 1"))
                .isEqualTo(List.of("SELECT 'a;b'", "SELECT $x$;$x$", "SELECT 1"));
    }
}
