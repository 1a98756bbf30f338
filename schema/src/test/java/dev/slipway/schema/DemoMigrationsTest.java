package dev.slipway.schema;

import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The two migrations the demo runs (examples/orders/migrations), end to end through the public API. */
class DemoMigrationsTest extends PostgresTestBase {
    static final Path MIGRATIONS = Path.of(System.getProperty("slipway.home", "..")).resolve("examples/orders/migrations");

    static Migration initial() {
        return MigrationFile.parse(MIGRATIONS.resolve("001_initial.yaml"));
    }

    static Migration splitName() {
        return MigrationFile.parse(MIGRATIONS.resolve("002_split_name.yaml"));
    }

    private void applyInitialAndSeed(int customers) {
        engine.start(initial(), BackfillListener.NONE);
        assertThat(engine.status().state()).containsExactly(1);
        engine.complete();
        execute(version(1), "INSERT INTO customers (full_name, email) SELECT 'First' || i || ' Last' || i, 'c' || i || '@example.com'"
                + " FROM generate_series(1, " + customers + ") i");
    }

    @Test
    void oldAndNewWritersLoseNothingWhileSplittingAName() throws Exception {
        applyInitialAndSeed(20_000);
        List<BackfillProgress> progress = new CopyOnWriteArrayList<>();

        StartResult started = engine.start(splitName(), progress::add);

        assertThat(started.state()).containsExactly(1, 2);
        assertThat(started.backfilledRows()).isEqualTo(20_000);
        assertThat(progress).as("one report per batch of 1,000 rows").hasSize(20);
        assertThat(progress.get(progress.size() - 1)).extracting(BackfillProgress::done, BackfillProgress::total)
                .containsExactly(20_000L, 20_000L);
        assertThat(engine.status().inFlight()).contains(new InFlight(2, "002_split_name", InFlight.EXPANDED));
        assertThat(columns("public_v1", "customers")).containsExactly("id", "full_name", "email", "created_at");
        assertThat(columns("public_v2", "customers")).containsExactly("id", "email", "created_at", "first_name", "last_name");
        assertThat(query(version(2), "SELECT first_name, last_name FROM customers WHERE id = 7"))
                .containsExactly(List.of("First7", "Last7"));

        // Two binaries write at once: v1 owns even ids, v2 odd ones; each remembers its last write per row.
        Map<Long, String> expected = new ConcurrentHashMap<>();
        for (long id = 1; id <= 20_000; id++) expected.put(id, "First" + id + " Last" + id);
        AtomicBoolean stop = new AtomicBoolean();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        Thread oldWriter = writer("v1", version(1), 0, expected, stop, failures);
        Thread newWriter = writer("v2", version(2), 1, expected, stop, failures);
        oldWriter.start();
        newWriter.start();
        Thread.sleep(3_000);
        stop.set(true);
        oldWriter.join();
        newWriter.join();
        assertThat(failures).isEmpty();
        assertThat(expected.size()).isGreaterThan(20_000);

        // While both run, each layout sees the other's writes.
        assertNamesAgree(expected, "SELECT id, full_name FROM customers", version(1));
        assertNamesAgree(expected, "SELECT id, first_name || ' ' || last_name FROM customers", version(2));

        engine.complete();

        assertThat(engine.status().state()).containsExactly(2);
        assertThat(engine.status().inFlight()).isEmpty();
        assertThat(schemaExists("public_v1")).isFalse();
        assertThat(columns("public", "customers")).containsExactly("id", "email", "created_at", "first_name", "last_name");
        assertNamesAgree(expected, "SELECT id, first_name || ' ' || last_name FROM customers", version(2));
        assertThat(engine.status().history()).extracting(AppliedMigration::version, AppliedMigration::state)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1, "completed"), org.assertj.core.groups.Tuple.tuple(2, "completed"));
        // v2 keeps writing after the contract, without any trigger.
        execute(version(2), "INSERT INTO customers (first_name, last_name) VALUES ('Ada', 'Lovelace')");
        assertThat(single(version(2), "SELECT count(*) FROM customers WHERE last_name = 'Lovelace'")).isEqualTo("1");
    }

    private void assertNamesAgree(Map<Long, String> expected, String sql, DataSource source) {
        Map<Long, String> actual = new java.util.HashMap<>();
        for (List<String> row : query(source, sql)) actual.put(Long.parseLong(row.get(0)), row.get(1));
        assertThat(actual).isEqualTo(expected);
    }

    /** Alternates inserts and updates of its own rows (id % 2 == parity) through one version's views. */
    private Thread writer(String label, DataSource source, int parity, Map<Long, String> expected, AtomicBoolean stop,
                          List<Throwable> failures) {
        return new Thread(() -> {
            Random random = new Random(parity);
            try (Connection connection = source.getConnection()) {
                boolean old = label.equals("v1");
                PreparedStatement insert = connection.prepareStatement(old
                        ? "INSERT INTO customers (full_name, email) VALUES (?, 'w@example.com') RETURNING id"
                        : "INSERT INTO customers (first_name, last_name, email) VALUES (?, ?, 'w@example.com') RETURNING id");
                PreparedStatement update = connection.prepareStatement(old
                        ? "UPDATE customers SET full_name = ? WHERE id = ?"
                        : "UPDATE customers SET first_name = ?, last_name = ? WHERE id = ?");
                int step = 0;
                while (!stop.get()) {
                    step++;
                    String first = label + "F" + step;
                    String last = label + "L" + step;
                    if (step % 3 == 0) {
                        if (old) {
                            insert.setString(1, first + " " + last);
                        } else {
                            insert.setString(1, first);
                            insert.setString(2, last);
                        }
                        try (ResultSet rows = insert.executeQuery()) {
                            rows.next();
                            expected.put(rows.getLong(1), first + " " + last);
                        }
                    } else {
                        long id = 2L * random.nextInt(10_000) + parity;
                        if (id == 0) continue;
                        if (old) {
                            update.setString(1, first + " " + last);
                            update.setLong(2, id);
                        } else {
                            update.setString(1, first);
                            update.setString(2, last);
                            update.setLong(3, id);
                        }
                        if (update.executeUpdate() == 1) expected.put(id, first + " " + last);
                    }
                }
            } catch (SQLException | RuntimeException e) {
                failures.add(e);
            }
        }, "writer-" + label);
    }

    @Test
    void rollbackRestoresTheOldVersionWithItsData() {
        applyInitialAndSeed(500);
        engine.start(splitName(), BackfillListener.NONE);
        execute(version(2), "INSERT INTO customers (first_name, last_name) VALUES ('Grace', 'Hopper')");
        execute(version(2), "UPDATE customers SET first_name = 'Renamed' WHERE id = 3");

        engine.rollback();

        assertThat(engine.status().state()).containsExactly(1);
        assertThat(engine.status().inFlight()).isEmpty();
        assertThat(schemaExists("public_v2")).isFalse();
        assertThat(columns("public", "customers")).containsExactly("id", "full_name", "email", "created_at");
        assertThat(single(dataSource, "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal")).isEqualTo("0");
        assertThat(single(version(1), "SELECT count(*) FROM customers")).isEqualTo("501");
        assertThat(single(version(1), "SELECT full_name FROM customers WHERE id = 3")).isEqualTo("Renamed Last3");
        assertThat(single(version(1), "SELECT full_name FROM customers WHERE email IS NULL")).isEqualTo("Grace Hopper");
        assertThat(engine.status().history()).last().extracting(AppliedMigration::state).isEqualTo("rolled_back");
        // The same version can be started again after a rollback.
        assertThat(engine.start(splitName(), BackfillListener.NONE).state()).containsExactly(1, 2);
    }

    @Test
    void aSecondStartIsRefusedNamingTheMigrationInFlight() {
        applyInitialAndSeed(10);
        engine.start(splitName(), BackfillListener.NONE);
        Migration third = migration("003_phone.yaml", """
                operations:
                  - add_column: {table: customers, column: {name: phone, type: text}}
                """);

        assertThatThrownBy(() -> engine.start(third, BackfillListener.NONE))
                .isInstanceOf(MigrationException.class)
                .hasMessageContaining("migration 2 (002_split_name) is in flight");
        assertThat(engine.status().state()).containsExactly(1, 2);
    }

    @Test
    void startingAnOldVersionIsRefused() {
        applyInitialAndSeed(1);
        assertThatThrownBy(() -> engine.start(initial(), BackfillListener.NONE))
                .hasMessageContaining("already at version 1");
    }

    @Test
    void anUnknownColumnIsRefusedBeforeAnythingChanges() {
        applyInitialAndSeed(3);
        List<List<String>> before = catalogFingerprint();
        Migration wrong = migration("002_split_name.yaml", """
                operations:
                  - add_column: {table: customers, column: {name: first_name, type: text}, up: "split_part(full_name, ' ', 1)"}
                  - drop_column: {table: customers, column: fullname, down: "first_name"}
                """);

        assertThatThrownBy(() -> engine.start(wrong, BackfillListener.NONE))
                .isInstanceOf(MigrationException.class)
                .hasMessage("migration 002_split_name.yaml: drop_column customers.fullname: column does not exist"
                        + " (columns: id, full_name, email, created_at, first_name)");
        assertThat(catalogFingerprint()).isEqualTo(before);
        assertThat(engine.status().history()).hasSize(1);
        assertThat(engine.status().state()).containsExactly(1);
    }

    @Test
    void aFailingStartIsUndone() {
        // (A wrong type no longer gets this far: the server checks every type before anything changes.)
        applyInitialAndSeed(3);
        List<List<String>> before = catalogFingerprint();
        Migration broken = migration("002_broken.yaml", """
                operations:
                  - add_column: {table: customers, column: {name: first_name, type: text}}
                  - create_index: {name: customers_created_once, table: customers, columns: [created_at], unique: true}
                """);

        // The rows were inserted by one statement: one created_at, so the unique index cannot be built.
        assertThatThrownBy(() -> engine.start(broken, BackfillListener.NONE))
                .hasMessageContaining("start failed and was undone")
                .hasMessageContaining("could not create unique index");
        assertThat(catalogFingerprint()).isEqualTo(before);
        assertThat(engine.status().state()).containsExactly(1);
        assertThat(engine.status().history()).last().extracting(AppliedMigration::state).isEqualTo("failed");
    }

    @Test
    void anInterruptedBackfillResumesFromItsSavedPosition() {
        applyInitialAndSeed(5_000);
        List<BackfillProgress> firstRun = new ArrayList<>();
        BackfillListener crashAfterTwoBatches = progress -> {
            firstRun.add(progress);
            if (firstRun.size() == 2) throw new IllegalStateException("simulated crash");
        };

        assertThatThrownBy(() -> engine.start(splitName(), crashAfterTwoBatches))
                .hasMessageContaining("run resume to continue");
        assertThat(engine.status().inFlight()).contains(new InFlight(2, "002_split_name", InFlight.BACKFILLING));
        assertThat(engine.status().state()).containsExactly(1);
        assertThat(single(dataSource, "SELECT count(*) FROM customers WHERE first_name IS NOT NULL")).isEqualTo("2000");
        assertThatThrownBy(engine::complete).hasMessageContaining("run resume first");

        List<BackfillProgress> secondRun = new ArrayList<>();
        StartResult resumed = engine.resume(secondRun::add);

        assertThat(resumed.backfilledRows()).isEqualTo(3_000);
        assertThat(secondRun).extracting(BackfillProgress::done).containsExactly(3_000L, 4_000L, 5_000L);
        assertThat(resumed.state()).containsExactly(1, 2);
        assertThat(single(dataSource, "SELECT count(*) FROM customers WHERE first_name IS NULL")).isEqualTo("0");
    }

    @Test
    void planShowsTheSqlAndRunsNothing() {
        applyInitialAndSeed(1);
        List<List<String>> before = catalogFingerprint();

        List<String> plan = engine.plan(splitName());

        assertThat(plan).anySatisfy(sql -> assertThat(sql).startsWith("ALTER TABLE \"public\".\"customers\" ADD COLUMN \"first_name\""));
        assertThat(plan).anySatisfy(sql -> assertThat(sql).contains("CREATE TRIGGER"));
        // the trigger is a statement of its own, the only one of start that blocks writers
        assertThat(plan).anySatisfy(sql -> assertThat(sql).startsWith("CREATE TRIGGER \"slipway_sync_v2\" BEFORE INSERT OR UPDATE"
                + " ON \"public\".\"customers\""));
        assertThat(plan).anySatisfy(sql -> assertThat(sql).startsWith("CREATE VIEW \"public_v2_pending\".\"customers\""));
        assertThat(plan).anySatisfy(sql -> assertThat(sql).contains("RENAME TO \"public_v2\""));
        assertThat(catalogFingerprint()).isEqualTo(before);
        assertThat(Set.copyOf(engine.status().history())).hasSize(1);
    }
}
