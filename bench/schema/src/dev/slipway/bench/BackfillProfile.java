package dev.slipway.bench;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static dev.slipway.bench.SchemaBench.execute;
import static dev.slipway.bench.SchemaBench.seconds;
import static dev.slipway.bench.SchemaBench.single;

/**
 * {@code --profile}: replays the engine's former backfill loop (SELECT the batch's keys as text, UPDATE the key
 * range with the xmin test so the sync trigger recomputes the new columns, save the position, commit; today
 * Backfill.run is one statement per batch that SETs the up expressions itself, like the "no trigger" variants) on
 * fresh copies of the table while 002 is expanded, changing one thing at a time, to attribute the backfill's cost.
 * The engine's own trigger function is attached to the copy, so its cost is measured as deployed.
 */
final class BackfillProfile {
    private BackfillProfile() {
    }

    private record Variant(String name, String trigger, String set, boolean xminTest, int batch, boolean keySelect,
                           OneStatement oneStatement) {
        Variant(String name, String trigger, String set, boolean xminTest, int batch, boolean keySelect) {
            this(name, trigger, set, xminTest, batch, keySelect, null);
        }
    }

    /**
     * The engine's one-statement batch (Backfill.batchStatement on a bigint key): as before this branch, with the
     * xmin test in the key CTE too (a heap visit per key), or as now, keys from the index alone up to the largest key.
     */
    private enum OneStatement {
        XMIN_IN_KEY_CTE("WITH b AS MATERIALIZED (SELECT id AS k FROM public.p WHERE id > ?::bigint AND %1$s ORDER BY id LIMIT ?),"
                + " l AS (SELECT k, count(*) OVER () AS v FROM b ORDER BY k DESC LIMIT 1),"
                + " w AS (UPDATE public.p SET %2$s WHERE id > ?::bigint AND id <= (SELECT k FROM l) AND %1$s)"
                + " SELECT v, k::text FROM l"),
        INDEX_ONLY_KEYS("WITH b AS MATERIALIZED (SELECT id AS k FROM public.p WHERE id > ?::bigint AND id <= ?::bigint ORDER BY id LIMIT ?),"
                + " l AS (SELECT k FROM b ORDER BY k DESC LIMIT 1),"
                + " w AS (UPDATE public.p SET %2$s WHERE id > ?::bigint AND id <= (SELECT k FROM l) AND %1$s RETURNING 1)"
                + " SELECT (SELECT count(*) FROM w), k::text FROM l");

        private final String template;

        OneStatement(String template) {
            this.template = template;
        }
    }

    static List<String> run(DataSource base, long rows) throws SQLException {
        List<String> lines = new ArrayList<>();
        String engineFunction = single(base, "SELECT p.oid::regprocedure::text FROM pg_proc p"
                + " JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'slipway' AND p.proname LIKE 'sync%'");
        execute(base, """
                CREATE FUNCTION public.lean_sync() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  IF btrim(split_part(current_setting('search_path'), ',', 1), ' "') = 'public_v2' THEN
                    NEW.full_name := NEW.first_name || ' ' || NEW.last_name;
                  ELSE
                    NEW.first_name := split_part(NEW.full_name, ' ', 1);
                    NEW.last_name := split_part(NEW.full_name, ' ', 2);
                  END IF;
                  RETURN NEW;
                END $$""", """
                CREATE FUNCTION public.minimal_sync() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  NEW.first_name := split_part(NEW.full_name, ' ', 1);
                  NEW.last_name := split_part(NEW.full_name, ' ', 2);
                  RETURN NEW;
                END $$""",
                "CREATE TABLE public.position (id int PRIMARY KEY, last_key text, done bigint)",
                "INSERT INTO public.position VALUES (1, NULL, 0)");
        String touch = "full_name = full_name";
        String direct = "first_name = split_part(full_name, ' ', 1), last_name = split_part(full_name, ' ', 2)";
        List<Variant> variants = List.of(
                new Variant("engine's loop as is (trigger " + engineFunction + ", xmin test, batch 10000)", engineFunction, touch, true, 10_000, true),
                new Variant("… without the xmin age() test", engineFunction, touch, false, 10_000, true),
                new Variant("… batch 1000", engineFunction, touch, true, 1_000, true),
                new Variant("… batch 50000", engineFunction, touch, true, 50_000, true),
                new Variant("… lean trigger (no per-column DECLARE block, same search_path test)", "public.lean_sync()", touch, true, 10_000, true),
                new Variant("… minimal trigger (only the two up expressions)", "public.minimal_sync()", touch, true, 10_000, true),
                new Variant("… no trigger: SET the up expressions directly", null, direct, true, 10_000, true),
                new Variant("… no trigger, direct SET, key range without the key SELECT", null, direct, true, 10_000, false),
                new Variant("engine's batch statement before: xmin test in the key CTE and the UPDATE", null, direct, true, 10_000, false, OneStatement.XMIN_IN_KEY_CTE),
                new Variant("engine's batch statement now: keys from the index alone, xmin test in the UPDATE", null, direct, true, 10_000, false, OneStatement.INDEX_ONLY_KEYS),
                new Variant("plain: one UPDATE of the whole table, no trigger, no xmin test (the practical limit)", null, direct, false, 1_000_000_000, false));
        lines.add(String.format(Locale.ROOT, "%n### backfill profile, %,d rows (the loop replayed on a copy of the table)%n", rows));
        lines.add("Each variant runs " + ROUNDS + " times, interleaved; wall rows/s is the best round, CPU is the PostgreSQL"
                + " backend's own user+system time (from /proc, immune to other load on the machine), best round.\n");
        lines.add("| variant | rows/s (wall, best) | rows per backend CPU-second (best) | µs CPU per row |");
        lines.add("|---|---:|---:|---:|");
        double[][] best = new double[variants.size()][2];
        for (int round = 0; round < ROUNDS; round++) {
            for (int i = 0; i < variants.size(); i++) {
                double[] result = measure(base, variants.get(i));
                best[i][0] = Math.max(best[i][0], result[0]);
                best[i][1] = Math.max(best[i][1], result[1]);
                System.err.printf(Locale.ROOT, "profile round %d %s: %,.0f rows/s wall, %,.0f rows/CPU-s%n", round, variants.get(i).name(), result[0], result[1]);
            }
        }
        for (int i = 0; i < variants.size(); i++) {
            lines.add(String.format(Locale.ROOT, "| %s | %,.0f | %,.0f | %.2f |", variants.get(i).name(), best[i][0], best[i][1], 1e6 / best[i][1]));
        }
        execute(base, "DROP TABLE public.p", "DROP TABLE public.position", "DROP FUNCTION public.lean_sync()",
                "DROP FUNCTION public.minimal_sync()", "CHECKPOINT");
        return lines;
    }

    private static final int ROUNDS = 2;

    /** {wall rows/s, rows per backend CPU second} of one replay on a fresh copy. */
    private static double[] measure(DataSource base, Variant variant) throws SQLException {
        {
            execute(base, "DROP TABLE IF EXISTS public.p", "CREATE TABLE public.p (LIKE public.customers INCLUDING ALL)",
                    "INSERT INTO public.p SELECT id, full_name, email, created_at, NULL, NULL FROM public.customers",
                    "VACUUM ANALYZE public.p", "UPDATE public.position SET last_key = NULL, done = 0", "CHECKPOINT");
            if (variant.trigger() != null) {
                execute(base, "CREATE TRIGGER sync BEFORE INSERT OR UPDATE ON public.p FOR EACH ROW EXECUTE FUNCTION " + variant.trigger());
            }
            // Like the engine: the xid the xmin test compares with is taken after every earlier write to the table.
            String xid = single(base, "SELECT pg_current_xact_id()::text");
            long[] cpu = new long[1];
            long began = System.nanoTime();
            long done = replay(base, variant, xid, cpu);
            double rate = done / seconds(began);
            String wrong = single(base, "SELECT count(*) FROM public.p WHERE first_name IS DISTINCT FROM split_part(full_name, ' ', 1)");
            if (!"0".equals(wrong)) throw new IllegalStateException(variant.name() + " left " + wrong + " rows wrong");
            return new double[] {rate, done / (cpu[0] / (double) TICKS)};
        }
    }

    private static final long TICKS = 100;

    /** utime + stime of a process in clock ticks (USER_HZ = 100 on Linux). */
    static long cpuTicks(int pid) {
        try {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot read the CPU time of backend " + pid + ": " + e.getMessage(), e);
        }
    }

    private static long replay(DataSource base, Variant variant, String xid, long[] cpu) throws SQLException {
        try {
            return replayChecked(base, variant, xid, cpu);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long replayChecked(DataSource base, Variant variant, String xid, long[] cpu) throws SQLException, java.io.IOException {
        long maxId = Long.parseLong(single(base, "SELECT max(id) FROM public.p"));
        String age = variant.xminTest() ? " AND age(xmin) >= age((?::bigint % 4294967296)::text::xid)" : "";
        try (Connection connection = base.getConnection();
             PreparedStatement keys = connection.prepareStatement(
                     "SELECT id::text AS k FROM public.p WHERE (id) > (?::bigint) ORDER BY id LIMIT ?");
             PreparedStatement update = connection.prepareStatement("UPDATE public.p SET " + variant.set()
                     + " WHERE (id) > (?::bigint) AND (id) <= (?::bigint)" + age);
             PreparedStatement save = connection.prepareStatement("UPDATE public.position SET last_key = ?, done = ? WHERE id = 1")) {
            int pid;
            try (java.sql.Statement statement = connection.createStatement();
                 ResultSet result = statement.executeQuery("SELECT pg_backend_pid()")) {
                result.next();
                pid = result.getInt(1);
            }
            String command = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/cmdline"));
            if (!command.startsWith("postgres")) throw new IllegalStateException("pid " + pid + " is not a postgres backend here: " + command);
            long cpuBefore = cpuTicks(pid);
            connection.setAutoCommit(false);
            long done = 0;
            String lastKey = "0";
            if (variant.oneStatement() != null) {
                String test = "age(xmin) >= age((" + xid + "::bigint % 4294967296)::text::xid)";
                try (PreparedStatement batch = connection.prepareStatement(
                        String.format(Locale.ROOT, variant.oneStatement().template, test, variant.set()))) {
                    while (true) {
                        int index = 1;
                        batch.setString(index++, lastKey);
                        if (variant.oneStatement() == OneStatement.INDEX_ONLY_KEYS) batch.setString(index++, String.valueOf(maxId));
                        batch.setInt(index++, variant.batch());
                        batch.setString(index, lastKey);
                        try (ResultSet result = batch.executeQuery()) {
                            if (!result.next()) break;
                            done += result.getLong(1);
                            lastKey = result.getString(2);
                        }
                        save.setString(1, lastKey);
                        save.setLong(2, done);
                        save.executeUpdate();
                        connection.commit();
                    }
                }
                connection.setAutoCommit(true);
                cpu[0] = cpuTicks(pid) - cpuBefore;
                return done;
            }
            while (true) {
                String end = null;
                int visited = 0;
                if (variant.keySelect()) {
                    keys.setString(1, lastKey);
                    keys.setInt(2, variant.batch());
                    try (ResultSet result = keys.executeQuery()) {
                        while (result.next()) {
                            visited++;
                            end = result.getString(1);
                        }
                    }
                } else if (Long.parseLong(lastKey) < maxId) {
                    end = String.valueOf(Long.parseLong(lastKey) + variant.batch());
                }
                if (end == null) break;
                update.setString(1, lastKey);
                update.setString(2, end);
                if (variant.xminTest()) update.setLong(3, Long.parseLong(xid));
                int updated = update.executeUpdate();
                done += variant.keySelect() ? visited : updated;
                save.setString(1, end);
                save.setLong(2, done);
                save.executeUpdate();
                connection.commit();
                lastKey = end;
            }
            connection.setAutoCommit(true);
            cpu[0] = cpuTicks(pid) - cpuBefore;
            return done;
        }
    }
}
