package dev.slipway.bench;

import dev.slipway.schema.BackfillProgress;
import dev.slipway.schema.Migration;
import dev.slipway.schema.MigrationFile;
import dev.slipway.schema.SchemaEngine;
import dev.slipway.schema.SchemaOptions;
import dev.slipway.schema.StartResult;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.postgresql.ds.PGSimpleDataSource;

import javax.sql.DataSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Benchmarks the schema engine on examples/orders' 002_split_name (split customers.full_name into first_name and
 * last_name) for several table sizes. For each size, in a fresh database of one embedded PostgreSQL:
 * <ol>
 * <li>seed N customers through binary 1's views, VACUUM ANALYZE;</li>
 * <li><b>plain UPDATE</b>: the same change as one statement on an identical copy of the table (the practical
 *     limit: no trigger, no batching, no xmin test);</li>
 * <li><b>start</b> of 002 with a point-query probe, an old-binary writer (an INSERT through binary 1's views every
 *     ~2 ms: its latency is how long a writer was blocked) and a pg_locks sampler running; the backfill rate is the
 *     engine's own (its last {@link BackfillProgress#rowsPerSecond()});</li>
 * <li><b>write amplification</b>: UPDATE throughput through binary 1's view with the sync trigger enabled vs
 *     disabled on the same table (bulk: one statement over up to 200 000 rows; point: single-row autocommit
 *     updates for 3 s), and the backend's CPU per updated row (a note below the table: the wall rates of a single
 *     connection swing with the machine's other load, the CPU a backend spends per row much less);</li>
 * <li><b>complete</b>, probed like start.</li>
 * </ol>
 * Lock holds: a sampler thread reads pg_locks every ~2 ms for granted locks on customers in a mode that blocks
 * readers (AccessExclusive) or writers (Share, ShareRowExclusive, Exclusive); an uninterrupted run of samples
 * showing the same (pid, mode) is one hold, whose length is bounded by [last seen - first seen,
 * first absent - last absent]; the table reports the upper bound. Holds shorter than one sampling period can be
 * missed, which is why the probe latency (every 2 ms a point SELECT by primary key) is reported too: a reader
 * queued behind an ACCESS EXCLUSIVE lock shows it as latency.
 */
public final class SchemaBench {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private final EmbeddedPostgres postgres;
    private final int batchSize;
    private final Path migrations;
    private final StringBuilder report = new StringBuilder();

    private boolean profile;

    private SchemaBench(EmbeddedPostgres postgres, int batchSize, Path migrations) {
        this.postgres = postgres;
        this.batchSize = batchSize;
        this.migrations = migrations;
    }

    public static void main(String[] args) throws Exception {
        List<Long> sizes = new ArrayList<>(List.of(100_000L, 1_000_000L));
        boolean profile = false;
        int batch = SchemaOptions.defaults().backfillBatchSize();
        Path out = Path.of("bench/schema/target");
        for (String arg : args) {
            if (arg.equals("--large")) sizes.add(10_000_000L);
            else if (arg.startsWith("--sizes=")) sizes = Arrays.stream(arg.substring(8).split(",")).map(Long::parseLong).toList();
            else if (arg.startsWith("--batch=")) batch = Integer.parseInt(arg.substring(8));
            else if (arg.startsWith("--out=")) out = Path.of(arg.substring(6));
            else if (arg.equals("--profile")) profile = true;
            else throw new IllegalArgumentException("unknown argument " + arg + " (--large, --sizes=a,b, --batch=n, --profile)");
        }
        Path migrations = Path.of(System.getProperty("slipway.home", ".")).resolve("examples/orders/migrations");
        // Same server settings for every measurement; zonky's defaults (synchronous_commit=off) plus room for 10M rows.
        try (EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                .setServerConfig("shared_buffers", "1GB")
                .setServerConfig("max_wal_size", "8GB")
                .setServerConfig("checkpoint_timeout", "30min")
                .setServerConfig("autovacuum", "off")
                .start()) {
            SchemaBench bench = new SchemaBench(postgres, batch, migrations);
            bench.profile = profile;
            bench.header();
            for (long size : sizes) {
                bench.run(size);
            }
            bench.footer();
            Files.createDirectories(out);
            Path file = out.resolve("results-" + LocalDateTime.now().format(STAMP) + ".md");
            Files.writeString(file, bench.report);
            System.out.println("\nwritten to " + file);
        }
    }

    private void print(String line) {
        System.out.println(line);
        report.append(line).append('\n');
    }

    private void header() throws SQLException {
        DataSource admin = source("postgres", null);
        print("# Slipway schema bench: 002_split_name (examples/orders)\n");
        print("server: PostgreSQL " + single(admin, "SHOW server_version") + " (io.zonky embedded), "
                + Runtime.getRuntime().availableProcessors() + " CPUs; synchronous_commit="
                + single(admin, "SHOW synchronous_commit") + ", shared_buffers=" + single(admin, "SHOW shared_buffers")
                + ", autovacuum=" + single(admin, "SHOW autovacuum") + "; engine backfill batch " + batchSize + ", no delay\n");
        print("| rows | backfill rows/s (engine) | backfill rows per backend CPU-s | start total | plain UPDATE rows/s | backfill / plain"
                + " | bulk UPDATE rows/s no trigger / trigger | amplification bulk | point UPDATE/s no trigger / trigger"
                + " | amplification point | longest ACCESS EXCLUSIVE hold start / complete | longest write-blocking hold start / complete"
                + " | probe p99 (max) start | probe p99 (max) complete | old-binary INSERT p99 (max) during start |");
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|---|---|");
    }

    private final List<String> notes = new ArrayList<>();

    private void footer() {
        print("");
        notes.forEach(this::print);
    }

    // ------------------------------------------------------------------ one size

    private void run(long rows) throws Exception {
        String database = "bench_" + rows;
        DataSource admin = source("postgres", null);
        execute(admin, "DROP DATABASE IF EXISTS " + database, "CREATE DATABASE " + database);
        DataSource base = source(database, null);
        DataSource v1 = source(database, "public_v1");
        SchemaOptions options = SchemaOptions.defaults().withBackfillBatchSize(batchSize).withActor("bench")
                .withLockRetryBudget(java.time.Duration.ofMinutes(2));
        SchemaEngine engine = new SchemaEngine(base, "public", options);
        engine.start(migration("001_initial.yaml"), progress -> { });
        engine.complete();
        long t = System.nanoTime();
        execute(v1, "INSERT INTO customers (full_name, email) SELECT 'First' || i || ' Last' || i, 'c' || i || '@example.com'"
                + " FROM generate_series(1, " + rows + ") i");
        execute(base, "VACUUM ANALYZE customers", "CHECKPOINT");
        System.err.printf("%,d rows seeded in %.1f s%n", rows, seconds(t));

        // The practical limit: the same change as one UPDATE on an identical copy of the table.
        execute(base, "CREATE TABLE plain (LIKE customers INCLUDING ALL)", "INSERT INTO plain SELECT * FROM customers",
                "ALTER TABLE plain ADD COLUMN first_name text, ADD COLUMN last_name text", "VACUUM ANALYZE plain", "CHECKPOINT");
        t = System.nanoTime();
        execute(base, "UPDATE plain SET first_name = split_part(full_name, ' ', 1), last_name = split_part(full_name, ' ', 2)");
        double plainRate = rows / seconds(t);
        execute(base, "DROP TABLE plain", "CHECKPOINT");
        System.err.printf("plain UPDATE: %,.0f rows/s%n", plainRate);

        long relation = Long.parseLong(single(base, "SELECT 'public.customers'::regclass::oid"));
        Probe probe = new Probe(base, rows, false);
        Probe writer = new Probe(v1, rows, true);
        LockSampler sampler = new LockSampler(base, relation);
        probe.start();
        writer.start();
        sampler.start();
        Thread.sleep(300);

        List<BackfillProgress> progress = new CopyOnWriteArrayList<>();
        List<Long> batchEnds = new CopyOnWriteArrayList<>();
        long[] engineBackend = {0, 0, 0, 0}; // pid, ticks at the first batch, ticks at the last, rows in between
        // Opened beforehand: the listener runs inside the engine's timed loop, and opening a connection there (tens of
        // ms on a busy machine) showed up as a slower backfill at 100 000 rows.
        Connection lookup = base.getConnection();
        long startBegan = System.nanoTime();
        StartResult started = engine.start(migration("002_split_name.yaml"), item -> {
            progress.add(item);
            batchEnds.add(System.nanoTime());
            if (progress.size() == 1) {
                // The engine's backend: the one in this database whose last statement was a batch (or, where a batch
                // commits on its own, its COMMIT).
                engineBackend[0] = Long.parseLong(unchecked(lookup, "SELECT coalesce(min(pid), 0) FROM pg_stat_activity"
                        + " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                        + " AND (query = 'COMMIT' OR query LIKE '%slipway_written%')"));
                engineBackend[1] = BackfillProfile.cpuTicks((int) engineBackend[0]);
            } else if (engineBackend[0] > 0) {
                engineBackend[2] = BackfillProfile.cpuTicks((int) engineBackend[0]);
                engineBackend[3] = item.done() - progress.get(0).done();
            }
        });
        String backendCpu = engineBackend[2] > engineBackend[1] ? String.format(Locale.ROOT, "%,.0f",
                engineBackend[3] / ((engineBackend[2] - engineBackend[1]) / 100.0)) : "n/a";
        long startEnded = System.nanoTime();
        lookup.close();
        double backfillRate = progress.get(progress.size() - 1).rowsPerSecond();
        System.err.printf("start: %s, backfill %,.0f rows/s%n", started, backfillRate);
        String flatness = flatness(progress, batchEnds);
        if (profile) notes.addAll(BackfillProfile.run(base, rows));
        probe.pause();
        writer.stop(); // binary 1's views go at complete
        sampler.pause();

        // Write amplification of the sync trigger: same table, same columns, trigger enabled vs disabled.
        long bulkRows = Math.min(rows, 200_000);
        double[] bulk = new double[2];
        double[] point = new double[2];
        // Backend CPU per row (µs), best round: immune to the other load on the machine, unlike the wall rates.
        double[] bulkCpu = {Double.MAX_VALUE, Double.MAX_VALUE};
        double[] pointCpu = {Double.MAX_VALUE, Double.MAX_VALUE};
        for (int round = 0; round < 2; round++) {
            for (int withTrigger = 1; withTrigger >= 0; withTrigger--) {
                execute(base, "ALTER TABLE customers " + (withTrigger == 1 ? "ENABLE" : "DISABLE") + " TRIGGER slipway_sync_v2",
                        "VACUUM customers", "CHECKPOINT");
                double[] rate = timed(v1, "UPDATE customers SET full_name = full_name WHERE id <= " + bulkRows, bulkRows);
                bulk[withTrigger] = Math.max(bulk[withTrigger], rate[0]);
                bulkCpu[withTrigger] = Math.min(bulkCpu[withTrigger], rate[1]);
                execute(base, "VACUUM customers");
                rate = pointUpdates(v1, rows, 3_000);
                point[withTrigger] = Math.max(point[withTrigger], rate[0]);
                pointCpu[withTrigger] = Math.min(pointCpu[withTrigger], rate[1]);
            }
        }
        notes.add(String.format(Locale.ROOT, "- %,d rows: backend CPU per updated row no trigger / trigger: bulk %.1f / %.1f µs (%.2f×),"
                        + " point %.1f / %.1f µs (%.2f×)", rows, bulkCpu[0], bulkCpu[1], bulkCpu[1] / bulkCpu[0],
                pointCpu[0], pointCpu[1], pointCpu[1] / pointCpu[0]));
        execute(base, "ALTER TABLE customers ENABLE TRIGGER slipway_sync_v2", "VACUUM customers");
        System.err.printf("bulk %,.0f / %,.0f, point %,.0f / %,.0f%n", bulk[0], bulk[1], point[0], point[1]);

        probe.resume();
        sampler.resume();
        Thread.sleep(300);
        long completeBegan = System.nanoTime();
        engine.complete();
        long completeEnded = System.nanoTime();
        Thread.sleep(300);
        probe.stop();
        sampler.stop();

        LockSampler.Hold aeStart = sampler.longest(startBegan, startEnded, true);
        LockSampler.Hold aeComplete = sampler.longest(completeBegan, completeEnded, true);
        LockSampler.Hold wbStart = sampler.longest(startBegan, startEnded, false);
        LockSampler.Hold wbComplete = sampler.longest(completeBegan, completeEnded, false);
        Probe.Stats during = probe.stats(startBegan, startEnded);
        Probe.Stats writes = writer.stats(startBegan, startEnded);
        Probe.Stats atComplete = probe.stats(completeBegan, completeEnded);
        print(String.format(Locale.ROOT, "| %,d | %,.0f | %s | %.2f s | %,.0f | %.2f | %,.0f / %,.0f | %.2f× | %,.0f / %,.0f | %.2f× | %s / %s | %s / %s | %s | %s | %s |",
                rows, backfillRate, backendCpu, (startEnded - startBegan) / 1e9, plainRate, backfillRate / plainRate,
                bulk[0], bulk[1], bulk[0] / bulk[1], point[0], point[1], point[0] / point[1],
                aeStart.ms(), aeComplete.ms(), wbStart.ms(), wbComplete.ms(), during, atComplete, writes));
        notes.add(String.format(Locale.ROOT, "- %,d rows: longest ACCESS EXCLUSIVE in start: %s; in complete: %s;"
                        + " longest write-blocking in start: %s; in complete: %s; lock samples every %.1f ms on average;"
                        + " probe: %d queries during start, %d during complete (%.0f ms); backfill %s; load average at the end %s",
                rows, aeStart, aeComplete, wbStart, wbComplete, sampler.meanPeriodMillis(), during.count(), atComplete.count(),
                (completeEnded - completeBegan) / 1e6, flatness, loadAverage()));
        execute(admin, "DROP DATABASE " + database);
    }

    private static String loadAverage() {
        try {
            return String.join(" ", Arrays.asList(Files.readString(Path.of("/proc/loadavg")).split(" ")).subList(0, 3));
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }

    /** Rows/s over the first and the last tenth of the batches: a flat backfill has them equal. */
    private static String flatness(List<BackfillProgress> progress, List<Long> ends) {
        int tenth = Math.max(1, progress.size() / 10);
        if (progress.size() < 2 * tenth + 1) return "too few batches for a trend";
        double first = (progress.get(tenth).done() - progress.get(0).done()) / ((ends.get(tenth) - ends.get(0)) / 1e9);
        int last = progress.size() - 1;
        double end = (progress.get(last).done() - progress.get(last - tenth).done()) / ((ends.get(last) - ends.get(last - tenth)) / 1e9);
        return String.format(Locale.ROOT, "%,.0f rows/s over its first tenth of batches, %,.0f over its last", first, end);
    }

    /** One statement over {@code rows} rows: {rows/s, backend CPU µs per row}. */
    private static double[] timed(DataSource source, String sql, long rows) throws SQLException {
        try (Connection connection = source.getConnection(); Statement statement = connection.createStatement()) {
            int pid = backendPid(connection);
            long ticks = BackfillProfile.cpuTicks(pid);
            long began = System.nanoTime();
            statement.execute(sql);
            double rate = rows / seconds(began);
            return new double[] {rate, (BackfillProfile.cpuTicks(pid) - ticks) * 10_000.0 / rows};
        }
    }

    private static int backendPid(Connection connection) throws SQLException {
        return Integer.parseInt(unchecked(connection, "SELECT pg_backend_pid()"));
    }

    /**
     * Single-row autocommit updates of random rows through binary 1's view for {@code millis}: {updates/s, backend
     * CPU µs per update}.
     */
    private static double[] pointUpdates(DataSource v1, long rows, long millis) throws SQLException {
        try (Connection connection = v1.getConnection();
             PreparedStatement update = connection.prepareStatement("UPDATE customers SET full_name = ? WHERE id = ?")) {
            int pid = backendPid(connection);
            long ticks = BackfillProfile.cpuTicks(pid);
            long count = 0;
            long began = System.nanoTime();
            long end = began + millis * 1_000_000;
            ThreadLocalRandom random = ThreadLocalRandom.current();
            while (System.nanoTime() < end) {
                long id = 1 + random.nextLong(rows);
                update.setString(1, "Point" + id + " Update" + count);
                update.setLong(2, id);
                update.executeUpdate();
                count++;
            }
            return new double[] {count / seconds(began), (BackfillProfile.cpuTicks(pid) - ticks) * 10_000.0 / count};
        }
    }

    private Migration migration(String file) {
        return MigrationFile.parse(migrations.resolve(file));
    }

    // ------------------------------------------------------------------ probe

    /**
     * Every ~2 ms a point SELECT by primary key on the base table (exists before, during and after), or, as a
     * writer, an INSERT through binary 1's view (what an old binary does while start runs; an insert has no row to
     * wait for, so its latency shows only table locks: the trigger's SHARE ROW EXCLUSIVE blocks it).
     */
    private static final class Probe extends Worker {
        private final DataSource source;
        private final long rows;
        private final boolean writer;
        private final List<long[]> samples = new ArrayList<>();

        Probe(DataSource source, long rows, boolean writer) {
            super(writer ? "writer" : "probe");
            this.source = source;
            this.rows = rows;
            this.writer = writer;
        }

        @Override
        void work() throws Exception {
            try (Connection connection = source.getConnection();
                 PreparedStatement select = connection.prepareStatement(writer
                         ? "INSERT INTO customers (full_name, email) VALUES ('Probe ' || ?::text, 'probe')"
                         : "SELECT id, email FROM public.customers WHERE id = ?")) {
                while (running()) {
                    if (paused()) {
                        Thread.sleep(5);
                        continue;
                    }
                    long began = System.nanoTime();
                    select.setLong(1, 1 + ThreadLocalRandom.current().nextLong(rows));
                    if (writer) {
                        select.executeUpdate();
                    } else {
                        try (ResultSet result = select.executeQuery()) {
                            result.next();
                        }
                    }
                    long ended = System.nanoTime();
                    synchronized (samples) {
                        samples.add(new long[] {began, ended - began});
                    }
                    Thread.sleep(2);
                }
            }
        }

        record Stats(int count, double p99, double max) {
            @Override
            public String toString() {
                return count == 0 ? "no samples" : String.format(Locale.ROOT, "%.1f ms (%.1f ms)", p99, max);
            }
        }

        /** Latency of the queries that were in flight at any time within [from, to]. */
        Stats stats(long from, long to) {
            List<Long> latencies = new ArrayList<>();
            synchronized (samples) {
                for (long[] sample : samples) {
                    if (sample[0] <= to && sample[0] + sample[1] >= from) latencies.add(sample[1]);
                }
            }
            if (latencies.isEmpty()) return new Stats(0, 0, 0);
            latencies.sort(null);
            int index = (int) Math.ceil(latencies.size() * 0.99) - 1;
            return new Stats(latencies.size(), latencies.get(index) / 1e6, latencies.get(latencies.size() - 1) / 1e6);
        }
    }

    // ------------------------------------------------------------------ pg_locks sampler

    private static final class LockSampler extends Worker {
        private final DataSource source;
        private final long relation;
        /** Open holds by "pid mode", and finished ones. */
        private final Map<String, Hold> open = new HashMap<>();
        private final List<Hold> holds = new ArrayList<>();
        private long lastSample;
        private long samplesTaken;
        private long sampling;

        LockSampler(DataSource source, long relation) {
            super("locks");
            this.source = source;
            this.relation = relation;
        }

        record Hold(String mode, String query, long firstSeen, long lastSeen, long absentBefore, long absentAfter) {
            double upperMillis() {
                return (absentAfter - absentBefore) / 1e6;
            }

            double lowerMillis() {
                return (lastSeen - firstSeen) / 1e6;
            }

            String ms() {
                return mode == null ? "none seen" : String.format(Locale.ROOT, "≤%.1f ms", upperMillis());
            }

            @Override
            public String toString() {
                if (mode == null) return "none seen";
                String text = query == null ? "" : query.replaceAll("\\s+", " ");
                if (text.length() > 90) text = text.substring(0, 90) + "…";
                return String.format(Locale.ROOT, "%s %.1f–%.1f ms (`%s`)", mode, lowerMillis(), upperMillis(), text);
            }
        }

        @Override
        void work() throws Exception {
            try (Connection connection = source.getConnection();
                 PreparedStatement select = connection.prepareStatement("""
                         SELECT l.pid, l.mode, a.query FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
                          WHERE l.locktype = 'relation' AND l.relation = ? AND l.granted AND l.pid <> pg_backend_pid()
                            AND l.mode IN ('AccessExclusiveLock', 'ExclusiveLock', 'ShareRowExclusiveLock', 'ShareLock')""")) {
                select.setLong(1, relation);
                lastSample = System.nanoTime();
                while (running()) {
                    if (paused()) {
                        closeAll(System.nanoTime());
                        Thread.sleep(5);
                        lastSample = System.nanoTime();
                        continue;
                    }
                    Map<String, String> seen = new HashMap<>();
                    try (ResultSet rows = select.executeQuery()) {
                        while (rows.next()) seen.put(rows.getInt(1) + " " + rows.getString(2), rows.getString(3));
                    }
                    long now = System.nanoTime();
                    samplesTaken++;
                    sampling += now - lastSample;
                    synchronized (holds) {
                        for (String key : new ArrayList<>(open.keySet())) {
                            if (!seen.containsKey(key)) {
                                Hold hold = open.remove(key);
                                holds.add(new Hold(hold.mode(), hold.query(), hold.firstSeen(), hold.lastSeen(), hold.absentBefore(), now));
                            }
                        }
                        for (Map.Entry<String, String> entry : seen.entrySet()) {
                            Hold hold = open.get(entry.getKey());
                            String mode = entry.getKey().substring(entry.getKey().indexOf(' ') + 1);
                            open.put(entry.getKey(), hold == null
                                    ? new Hold(mode, entry.getValue(), now, now, lastSample, 0)
                                    : new Hold(mode, hold.query(), hold.firstSeen(), now, hold.absentBefore(), 0));
                        }
                    }
                    lastSample = now;
                    Thread.sleep(1);
                }
                closeAll(System.nanoTime());
            }
        }

        private void closeAll(long now) {
            synchronized (holds) {
                open.values().forEach(hold -> holds.add(new Hold(hold.mode(), hold.query(), hold.firstSeen(), hold.lastSeen(),
                        hold.absentBefore(), Math.max(now, hold.lastSeen()))));
                open.clear();
            }
        }

        double meanPeriodMillis() {
            return samplesTaken == 0 ? 0 : sampling / 1e6 / samplesTaken;
        }

        Hold longest(long from, long to, boolean accessExclusiveOnly) {
            Hold best = new Hold(null, null, 0, 0, 0, 0);
            synchronized (holds) {
                for (Hold hold : holds) {
                    if (hold.lastSeen() < from || hold.firstSeen() > to) continue;
                    if (accessExclusiveOnly && !hold.mode().equals("AccessExclusiveLock")) continue;
                    if (best.mode() == null || hold.upperMillis() > best.upperMillis()) best = hold;
                }
            }
            return best;
        }
    }

    /** A background thread with pause/resume/stop; an exception in it is fatal to the run. */
    private abstract static class Worker {
        private final Thread thread;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicBoolean paused = new AtomicBoolean();
        private volatile Exception failure;

        Worker(String name) {
            thread = new Thread(() -> {
                try {
                    work();
                } catch (Exception e) {
                    failure = e;
                }
            }, name);
            thread.setDaemon(true);
        }

        abstract void work() throws Exception;

        boolean running() {
            return running.get();
        }

        boolean paused() {
            return paused.get();
        }

        void start() {
            thread.start();
        }

        void pause() {
            paused.set(true);
        }

        void resume() {
            paused.set(false);
        }

        void stop() throws Exception {
            running.set(false);
            thread.join(10_000);
            if (failure != null) throw new IllegalStateException(thread.getName() + " failed: " + failure, failure);
        }
    }

    // ------------------------------------------------------------------ helpers

    private DataSource source(String database, String currentSchema) {
        PGSimpleDataSource source = new PGSimpleDataSource();
        source.setServerNames(new String[] {"127.0.0.1"});
        source.setPortNumbers(new int[] {postgres.getPort()});
        source.setDatabaseName(database);
        source.setUser("postgres");
        if (currentSchema != null) source.setCurrentSchema(currentSchema);
        return source;
    }

    static void execute(DataSource source, String... statements) throws SQLException {
        try (Connection connection = source.getConnection(); Statement statement = connection.createStatement()) {
            for (String sql : statements) statement.execute(sql);
        }
    }

    private static String unchecked(Connection connection, String sql) {
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            return rows.next() ? rows.getString(1) : null;
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    static String single(DataSource source, String sql) throws SQLException {
        try (Connection connection = source.getConnection(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            return rows.next() ? rows.getString(1) : null;
        }
    }

    static double seconds(long began) {
        return (System.nanoTime() - began) / 1e9;
    }
}
