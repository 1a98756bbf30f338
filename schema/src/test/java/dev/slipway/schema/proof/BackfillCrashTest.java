package dev.slipway.schema.proof;

import dev.slipway.schema.BackfillProgress;
import dev.slipway.schema.InFlight;
import dev.slipway.schema.PostgresTestBase;
import dev.slipway.schema.SchemaEngine;
import dev.slipway.schema.SchemaOptions;
import dev.slipway.schema.StartResult;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

import javax.sql.DataSource;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Proof: a backfill killed with SIGKILL in the middle is finished by {@code resume} in another process, and the
 * result equals a run that was never interrupted (a control database migrated in one go), row for row.
 * <p>
 * A separate JVM ({@link BackfillCrashChild}) runs {@code start} of 002_split_name on 100 000 rows in batches of
 * 500 with a 20 ms pause. The test polls {@code slipway.backfills} and kills the process
 * ({@link Process#destroyForcibly()}, SIGKILL on Linux) once a quarter of the rows are done. It then checks that
 * the saved position and the table agree exactly (the batch in flight at the kill was rolled back with its
 * position), writes through both versions to rows the backfill has not reached, resumes in this JVM, and checks:
 * no row skipped (no NULL new column), no row redone (the xmin of every row at or before the saved position is
 * unchanged, and resume visited exactly the rows after it), the rows written by binary 2 before the resume are not
 * overwritten by {@code up(down(...))}, and the whole table equals the control database's before and after
 * complete.
 */
class BackfillCrashTest extends PostgresTestBase {
    private static final int ROWS = 100_000;
    private static final int BATCH = 500;
    private static final int RESUME_BATCH = 5_000;

    @Override
    protected SchemaOptions options() {
        return SchemaOptions.defaults().withBackfillBatchSize(BATCH).withActor("proof");
    }

    @Test
    void aBackfillKilledMidwayResumesToTheSameResultAsAnUninterruptedRun() throws Exception {
        String controlName = database + "_control";
        execute(postgres.getPostgresDatabase(), "CREATE DATABASE " + controlName);
        DataSource control = source(controlName, null);
        // Batch sizes do not change the result: the control and the resume use larger ones to keep the test fast.
        SchemaEngine controlEngine = new SchemaEngine(control, "public", options().withBackfillBatchSize(10_000));
        prepare(engine, version(1));
        prepare(controlEngine, source(controlName, "public_v1"));

        controlEngine.start(ConcurrentSplitTest.splitName(), progress -> { });

        Path migration = ConcurrentSplitTest.MIGRATIONS.resolve("002_split_name.yaml").toAbsolutePath();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classpath, BackfillCrashChild.class.getName(), String.valueOf(postgres.getPort()), database,
                migration.toString(), String.valueOf(BATCH), "20")
                .redirectErrorStream(true).start();
        ByteArrayOutputStream childOutput = new ByteArrayOutputStream();
        Thread pump = pump(child.getInputStream(), childOutput);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        long doneAtKill = 0;
        while (System.nanoTime() < deadline && child.isAlive()) {
            String done = single(dataSource, "SELECT done FROM slipway.backfills WHERE NOT finished");
            if (done != null && Long.parseLong(done) >= ROWS / 4) {
                doneAtKill = Long.parseLong(done);
                break;
            }
            Thread.sleep(10);
        }
        assertThat(child.isAlive()).as("child still running the backfill; its output:\n" + childOutput).isTrue();
        child.destroyForcibly();
        assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
        pump.join(5_000);
        assertThat(child.exitValue()).as("killed by SIGKILL").isEqualTo(137);
        assertThat(childOutput.toString(StandardCharsets.UTF_8)).doesNotContain("finished");
        awaitNoAdvisoryLock();

        // What the dead process left: a position, and exactly the rows up to it filled.
        assertThat(engine.status().inFlight()).contains(new InFlight(2, "002_split_name", InFlight.BACKFILLING));
        long done = Long.parseLong(single(dataSource, "SELECT done FROM slipway.backfills"));
        long lastKey = Long.parseLong(single(dataSource, "SELECT last_key[1] FROM slipway.backfills"));
        assertThat(done).isGreaterThanOrEqualTo(doneAtKill).isLessThan(ROWS);
        assertThat(done % BATCH).isZero();
        assertThat(lastKey).isEqualTo(done);
        assertThat(single(dataSource, "SELECT count(*) FROM customers WHERE first_name IS NOT NULL")).isEqualTo(String.valueOf(done));
        assertThat(single(dataSource, "SELECT count(*) FROM customers WHERE id <= " + lastKey + " AND first_name IS NULL")).isEqualTo("0");
        String xminsBefore = xmins(lastKey);

        // Both binaries write to rows ahead of the position before the resume; the control gets the same writes.
        // Binary 2's writes go through a search_path of "public_v2, public": the sync trigger takes them as binary
        // 2's (first element) whether or not the engine has created the public_v2 views at this phase yet.
        List<String> v2Writes = List.of(
                "UPDATE customers SET first_name = 'Mary Ann', last_name = 'Smith' WHERE id = " + (lastKey + 10),
                "INSERT INTO customers (first_name, last_name, email, created_at)"
                        + " VALUES ('Ada', 'Lovelace', 'ada@example.com', '2020-01-01T00:00:00Z')");
        String v1Write = "UPDATE customers SET full_name = 'Grace Hopper' WHERE id = " + (lastKey + 20);
        execute(dataSource("public_v2,public"), v2Writes.toArray(String[]::new));
        execute(version(1), v1Write);
        execute(source(controlName, "public_v2,public"), v2Writes.toArray(String[]::new));
        execute(source(controlName, "public_v1"), v1Write);

        List<BackfillProgress> progress = new CopyOnWriteArrayList<>();
        SchemaEngine resumer = new SchemaEngine(dataSource, "public", options().withBackfillBatchSize(RESUME_BATCH));
        StartResult resumed = resumer.resume(progress::add);

        long after = Long.parseLong(single(dataSource, "SELECT count(*) FROM customers WHERE id > " + lastKey));
        assertThat(resumed.state()).containsExactly(1, 2);
        // rows written since the backfill began (2 updates, 1 insert above) went through the trigger and are skipped
        assertThat(resumed.backfilledRows()).as("resume visits exactly the old rows after the saved position").isEqualTo(after - 3);
        // The first resumed batch covers the next RESUME_BATCH keys; two of its rows (the updates above) were written
        // through the trigger since the backfill began, so it fills the others.
        assertThat(progress.get(0).done()).isEqualTo(done + RESUME_BATCH - 2);
        // every row but the three written since the backfill began; the last report says that was all of it
        assertThat(progress.get(progress.size() - 1)).extracting(BackfillProgress::done, BackfillProgress::total)
                .containsExactly((long) ROWS + 1 - 3, (long) ROWS + 1 - 3);
        assertThat(xmins(lastKey)).as("rows up to the saved position were not rewritten").isEqualTo(xminsBefore);
        assertThat(single(dataSource, "SELECT count(*) FROM customers WHERE first_name IS NULL OR last_name IS NULL"))
                .as("rows skipped").isEqualTo("0");
        assertThat(query(dataSource, "SELECT id FROM customers WHERE first_name IS DISTINCT FROM split_part(full_name, ' ', 1)"
                + " OR last_name IS DISTINCT FROM split_part(full_name, ' ', 2) ORDER BY id"))
                .as("only the row binary 2 wrote differs from split_part (up(down(x)) != x for 'Mary Ann')")
                .containsExactly(List.of(String.valueOf(lastKey + 10)));
        assertThat(query(version(2), "SELECT first_name, last_name FROM customers WHERE id = " + (lastKey + 10)))
                .containsExactly(List.of("Mary Ann", "Smith"));
        assertSameRows(dataSource, control, "id, full_name, email, created_at, first_name, last_name");

        engine.complete();
        controlEngine.complete();
        assertSameRows(dataSource, control, "id, email, created_at, first_name, last_name");
        System.out.printf("BackfillCrashTest: killed at %d/%d rows (position %d), resume backfilled %d rows in %d batches%n",
                done, ROWS, lastKey, resumed.backfilledRows(), progress.size());
    }

    private void prepare(SchemaEngine target, DataSource v1) {
        target.init();
        target.start(ConcurrentSplitTest.initial(), progress -> { });
        target.complete();
        execute(v1, "INSERT INTO customers (full_name, email, created_at) SELECT 'First' || i || ' Last' || i,"
                + " 'c' || i || '@example.com', timestamptz '2020-01-01 00:00:00+00' + i * interval '1 second'"
                + " FROM generate_series(1, " + ROWS + ") i");
    }

    private String xmins(long lastKey) {
        return single(dataSource, "SELECT md5(string_agg(id || ':' || xmin::text, ',' ORDER BY id)) FROM customers"
                + " WHERE id <= " + lastKey);
    }

    private static void assertSameRows(DataSource actual, DataSource expected, String columns) {
        Map<String, String> mine = rows(actual, columns);
        Map<String, String> theirs = rows(expected, columns);
        List<String> differences = new ArrayList<>();
        theirs.forEach((id, row) -> {
            if (!row.equals(mine.get(id)) && differences.size() < 20) differences.add("control " + row + " / resumed " + mine.get(id));
        });
        mine.keySet().stream().filter(id -> !theirs.containsKey(id)).limit(20).forEach(id -> differences.add("extra " + mine.get(id)));
        assertThat(differences).isEmpty();
        assertThat(mine).hasSameSizeAs(theirs);
    }

    private static Map<String, String> rows(DataSource source, String columns) {
        Map<String, String> rows = new HashMap<>();
        for (List<String> row : query(source, "SELECT " + columns + " FROM customers")) rows.put(row.get(0), row.toString());
        return rows;
    }

    private void awaitNoAdvisoryLock() throws Exception {
        // The killed process's backend exits when it notices the closed socket; its session lock goes with it.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!"0".equals(single(dataSource, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"))) {
            assertThat(System.nanoTime()).as("the dead process's engine lock was released").isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    private static Thread pump(InputStream in, ByteArrayOutputStream out) {
        Thread thread = new Thread(() -> {
            try {
                in.transferTo(out);
            } catch (Exception ignored) {
                // the process died
            }
        }, "child-output");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    private static DataSource source(String databaseName, String currentSchema) {
        PGSimpleDataSource source = new PGSimpleDataSource();
        source.setServerNames(new String[] {"127.0.0.1"});
        source.setPortNumbers(new int[] {postgres.getPort()});
        source.setDatabaseName(databaseName);
        source.setUser("postgres");
        if (currentSchema != null) source.setCurrentSchema(currentSchema);
        return source;
    }
}
