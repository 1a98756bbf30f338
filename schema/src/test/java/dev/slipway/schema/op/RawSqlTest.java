package dev.slipway.schema.op;

import dev.slipway.schema.BackfillListener;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

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
        // public_v1 is an alias of version 2 for binaries still connected to it; the state does not hold 1.
        assertThat(columns("public_v1", "customers")).containsExactly("id", "name", "email", "note");
        engine.complete();
        assertThat(engine.status().state()).containsExactly(2);
        assertThat(schemaExists("public_v1")).as("kept until the next migration completes").isTrue();

        engine.start(migration("003_phone.yaml", ADD_PHONE), BackfillListener.NONE);
        assertThat(schemaExists("public_v1")).isTrue();
        engine.complete();
        assertThat(schemaExists("public_v1")).isFalse();
        assertThat(schemaExists("public_v2")).isFalse();
        assertThat(engine.status().state()).containsExactly(3);
    }

    static final String ADD_PHONE = """
            operations:
              - add_column: {table: customers, column: {name: phone, type: text}, up: "'unknown'"}
            """;

    /**
     * A binary that reads [1, 2] connected while 1 was the newest version ({@code currentSchema=public_v1}). The
     * guard lets the opaque migration to 2 run because that binary reads 2; it must keep reading and writing on the
     * same connection, with server-prepared statements, through start, complete and the next migration's start.
     */
    @Test
    void aBinaryConnectedToTheOldVersionSchemaKeepsWorkingAcrossAnOpaqueMigration() throws Exception {
        givenVersion1();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong operations = new AtomicLong();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        try (Connection binary = version(1).getConnection()) {
            Thread writer = new Thread(() -> {
                try (PreparedStatement insert = binary.prepareStatement("INSERT INTO customers (name, email) VALUES (?, ?) RETURNING id");
                     PreparedStatement read = binary.prepareStatement("SELECT name, email FROM customers WHERE id = ?");
                     PreparedStatement update = binary.prepareStatement("UPDATE customers SET email = ? WHERE id = ?")) {
                    for (long i = 0; !stop.get(); i++) {
                        insert.setString(1, "writer" + i);
                        insert.setString(2, "w" + i + "@example.com");
                        long id;
                        try (ResultSet rows = insert.executeQuery()) {
                            rows.next();
                            id = rows.getLong(1);
                        }
                        update.setString(1, "updated" + i + "@example.com");
                        update.setLong(2, id);
                        assertThat(update.executeUpdate()).isEqualTo(1);
                        read.setLong(1, id);
                        try (ResultSet rows = read.executeQuery()) {
                            assertThat(rows.next()).isTrue();
                            assertThat(rows.getString(1)).isEqualTo("writer" + i);
                            assertThat(rows.getString(2)).isEqualTo("updated" + i + "@example.com");
                        }
                        operations.incrementAndGet();
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }, "binary-on-public_v1");
            writer.start();
            awaitMoreOperations(operations, 20);

            engine.start(migration("002_raw.yaml", RAW), BackfillListener.NONE);
            assertThat(engine.status().state()).containsExactly(2);
            awaitMoreOperations(operations, 20);
            engine.complete();
            awaitMoreOperations(operations, 20);
            engine.start(migration("003_phone.yaml", ADD_PHONE), BackfillListener.NONE);
            awaitMoreOperations(operations, 20);
            stop.set(true);
            writer.join(10_000);

            assertThat(failures).isEmpty();
            try (Statement statement = binary.createStatement();
                 ResultSet rows = statement.executeQuery("SELECT current_schema(), count(*) FROM customers WHERE note IS NULL")) {
                rows.next();
                assertThat(rows.getString(1)).as("the same connection, never reconnected").isEqualTo("public_v1");
                assertThat(rows.getLong(2)).as("it reads version 2's layout").isEqualTo(3 + operations.get());
            }
        }
        // Rows it wrote during 003's backfill window went through the sync trigger as an old-version write.
        assertThat(single(version(3), "SELECT count(*) FROM customers WHERE phone IS NULL")).isEqualTo("0");
    }

    private static void awaitMoreOperations(AtomicLong operations, long more) throws InterruptedException {
        long target = operations.get() + more;
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (operations.get() < target && System.nanoTime() < deadline) Thread.sleep(5);
        assertThat(operations.get()).as("the binary on public_v1 keeps going").isGreaterThanOrEqualTo(target);
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

    @Test
    void pgrollsSqlOnCompleteRunsInTheContractAndMayJoinOtherOperations() {
        givenVersion1();
        start("002_note.yaml", """
                name: 02_note
                operations:
                  - add_column: {table: customers, column: {name: note, type: text, nullable: true}}
                  - sql: {up: "UPDATE customers SET note = 'set on complete'", onComplete: true}
                """);
        execute(version(2), "INSERT INTO customers (name, note) VALUES ('New', 'mine')");
        assertThat(single(version(2), "SELECT count(*) FROM customers WHERE note = 'set on complete'")).isEqualTo("0");
        engine.complete();
        assertThat(single(version(2), "SELECT count(*) FROM customers WHERE note = 'set on complete'")).isEqualTo("4");
    }

    @Test
    void pgrollsSqlAtStartIsOpaqueAndOnCompleteCannotHaveADown() {
        givenVersion1();
        assertThatThrownBy(() -> migration("002_x.yaml", """
                operations:
                  - sql: {up: "SELECT 1", down: "SELECT 2", onComplete: true}
                """)).hasMessageStartingWith("002_x.yaml:2:33: operations[0].sql.down: 'down' cannot go with 'onComplete: true'");
        engine.start(migration("002_audit.yaml", """
                operations:
                  - sql: {up: "CREATE TABLE audit (id bigserial PRIMARY KEY, what text)", down: "DROP TABLE IF EXISTS audit"}
                """), dev.slipway.schema.BackfillListener.NONE);
        assertThat(engine.status().state()).containsExactly(2);
        execute(version(2), "INSERT INTO audit (what) VALUES ('x')");
        engine.rollback();
        assertThat(single(dataSource, "SELECT to_regclass('public.audit')")).isNull();
    }
}
