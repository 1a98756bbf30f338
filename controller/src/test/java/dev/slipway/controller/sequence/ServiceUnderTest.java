package dev.slipway.controller.sequence;

import dev.slipway.analysis.Judge;
import dev.slipway.analysis.MetricProvider;
import dev.slipway.analysis.MetricSample;
import dev.slipway.analysis.Verdict;
import dev.slipway.controller.DatabaseTarget;
import dev.slipway.controller.RolloutController;
import dev.slipway.controller.SchemaCoordinator;
import dev.slipway.controller.TimelineEntry;
import dev.slipway.controller.guard.Backups;
import dev.slipway.controller.guard.ForceOverride;
import dev.slipway.controller.store.JdbcStore;
import dev.slipway.controller.store.RolloutPhase;
import dev.slipway.controller.store.RolloutRecord;
import dev.slipway.model.CanaryStep;
import dev.slipway.model.HealthSpec;
import dev.slipway.model.ProbeSpec;
import dev.slipway.model.ReleaseSpec;
import dev.slipway.model.RunSpec;
import dev.slipway.model.SchemaRange;
import dev.slipway.model.StrategySpec;
import dev.slipway.schema.BackfillListener;
import dev.slipway.schema.Migration;
import dev.slipway.schema.MigrationFile;
import dev.slipway.schema.SchemaEngine;
import dev.slipway.schema.SchemaOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

/**
 * One service under a real {@link RolloutController}, {@link SchemaCoordinator}, {@link SchemaEngine} and
 * {@link JdbcStore} on a database of its own, with in-memory stand-ins at the process seams: replicas
 * ({@link FakeRuntime}) and traffic ({@link RecordingRouter}). Analysis always passes. A crash replaces the
 * controller, its coordinator and its engine by new ones on the same store, runtime and router.
 */
public final class ServiceUnderTest implements AutoCloseable {
    public static final String SERVICE = "items";
    public static final String ACTOR = "sequence-test";

    final TestPostgres.Database database;
    final JdbcStore store;
    /** The controller's clock: tests move it forward to reach a due time (contractAfter) when they choose. */
    public final AdjustableClock clock = new AdjustableClock();
    /** The store as the controller sees it: the same tables, with faults a test may switch on. */
    final PausableStore controllerStore;
    final FakeRuntime runtime = new FakeRuntime();
    final RecordingRouter router = new RecordingRouter(runtime);
    final Path directory;
    final Path backup;
    /** Every timeline entry of every controller this service had, in order. */
    final List<TimelineEntry> timeline = new CopyOnWriteArrayList<>();
    private final List<RolloutController> crashed = new ArrayList<>();
    private SchemaCoordinator schema;
    private RolloutController controller;

    public ServiceUnderTest(TestPostgres postgres) {
        database = postgres.freshDatabase();
        store = new JdbcStore(database.dataSource());
        store.init();
        controllerStore = new PausableStore(store);
        try {
            directory = Files.createTempDirectory("slipway-sequence-");
            backup = directory.resolve("backup.sql");
            Files.writeString(backup, "-- a stand-in for pg_dump of " + database.name() + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        start();
    }

    private void start() {
        SchemaEngine engine = new SchemaEngine(database.dataSource(), "public",
                SchemaOptions.defaults().withActor(ACTOR).withLockRetryBudget(Duration.ofSeconds(5)));
        engine.init();
        controller = new RolloutController(SERVICE, runtime, router, passingMetrics(), passingJudge(), controllerStore, engine,
                new DatabaseTarget(database.jdbcUrl(), "postgres", ""), clock, timeline::add);
        schema = controller.schema();
        RolloutController watched = controller;
        router.watch(watched::runningVersions);
    }

    /** How many database connections the controller, its engine and the test have taken so far. */
    public int connectionsTaken() {
        return database.dataSource().connections();
    }

    public RolloutController controller() {
        return controller;
    }

    public SchemaCoordinator schema() {
        return schema;
    }

    /** The controller dies as with kill -9 (its replicas keep running); a new one takes over and resumes. */
    boolean crashAndResume() {
        controller.detach();
        crashed.add(controller);
        start();
        return controller.resume(ACTOR);
    }

    // ------------------------------------------------------------------ fixtures

    /**
     * Migration {@code version}: 1 creates table items; later versions add a nullable column, filled from name by
     * the backfill, or (opaque) add one with raw SQL that has no expand phase.
     */
    public Migration migration(int version, boolean opaque) {
        String yaml;
        String name;
        if (version == 1) {
            name = "001_items.yaml";
            yaml = """
                    operations:
                      - create_table:
                          name: items
                          columns:
                            - {name: id, type: bigserial, pk: true}
                            - {name: name, type: text}
                    """;
        } else if (opaque) {
            name = "%03d_raw_r%d.yaml".formatted(version, version);
            yaml = """
                    operations:
                      - raw_sql:
                          up: "ALTER TABLE items ADD COLUMN r_%d text"
                          down: "ALTER TABLE items DROP COLUMN r_%d"
                    """.formatted(version, version);
        } else {
            name = "%03d_add_c%d.yaml".formatted(version, version);
            yaml = """
                    operations:
                      - add_column:
                          table: items
                          column: {name: c_%d, type: text}
                          up: "name"
                    """.formatted(version);
        }
        try {
            Path file = directory.resolve(name);
            Files.writeString(file, yaml);
            return MigrationFile.parse(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Version 1 of the schema, started and completed while nothing runs, with a few rows. */
    public void givenSchemaVersion1() {
        schema.start(migration(1, false), ACTOR, BackfillListener.NONE);
        schema.complete(ACTOR);
        execute("INSERT INTO public.items (name) VALUES ('a'), ('b'), ('c')");
    }

    /**
     * A release that reads {@code [min, max]}; a pausing one stops at 50 % until promoted or aborted, otherwise it
     * goes to 100 % at once. A failing one never becomes ready.
     */
    public static ReleaseSpec release(String version, int min, int max, boolean pausing, boolean failing) {
        return release(version, min, max, pausing, failing, Optional.empty());
    }

    public static ReleaseSpec release(String version, int min, int max, boolean pausing, boolean failing,
                               Optional<Duration> contractAfter) {
        ProbeSpec defaults = ProbeSpec.readinessDefault();
        ProbeSpec readiness = new ProbeSpec(failing ? FakeRuntime.NEVER_READY : defaults.path(), defaults.period(),
                defaults.timeout(), defaults.failureThreshold(), Duration.ofSeconds(1));
        HealthSpec health = new HealthSpec(readiness, ProbeSpec.livenessDefault());
        List<CanaryStep> steps = pausing
                ? List.of(new CanaryStep.SetWeight(50), new CanaryStep.Pause(Optional.empty()))
                : List.of(new CanaryStep.SetWeight(100));
        return new ReleaseSpec(version, new RunSpec(List.of("items-server", "--version", version), java.util.Map.of()),
                new SchemaRange(min, max), 1, health, new StrategySpec.Canary(steps), contractAfter);
    }

    /** A blue-green release that reads {@code [min, max]} and waits for a promote (no auto-promotion, no analysis). */
    public static ReleaseSpec blueGreenRelease(String version, int min, int max) {
        return blueGreenRelease(version, min, max, Duration.ZERO);
    }

    /** As {@link #blueGreenRelease(String, int, int)}, keeping the release it replaces for {@code scaleDownDelay}. */
    public static ReleaseSpec blueGreenRelease(String version, int min, int max, Duration scaleDownDelay) {
        ReleaseSpec canary = release(version, min, max, false, false);
        return new ReleaseSpec(version, canary.run(), canary.schema(), canary.replicas(), canary.health(),
                new StrategySpec.BlueGreen(Optional.empty(), Optional.empty(), scaleDownDelay, "X-Preview"),
                Optional.empty());
    }

    ForceOverride force() {
        return Backups.named(backup, "sequence test");
    }

    String backupSha256() {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(backup)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------ observing

    public SortedSet<Integer> schemaState() {
        return schema.state();
    }

    /** Tables, columns and their types in every schema, the schemas, and the migration history. */
    List<String> catalog() {
        List<String> rows = new ArrayList<>();
        rows.addAll(query("""
                SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns
                 WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2, 3"""));
        rows.addAll(query("SELECT nspname FROM pg_namespace ORDER BY 1"));
        rows.addAll(query("SELECT id, version, name, state, coalesce(phase, '-') FROM slipway.migrations ORDER BY id"));
        return rows;
    }

    /** What a refused action must leave alone: the last rollout as stored, who runs, and the canary's weight. */
    RolloutView rolloutView() {
        Optional<RolloutRecord> latest = store.latestRollout(SERVICE);
        List<String> running = List.copyOf(controller.runningVersions());
        // status() costs a dozen queries and reports weight 0 whenever no canary runs; ask it only when one may
        boolean canaryMayRun = running.size() > 1 || latest.filter(r -> !r.phase().finished()).isPresent();
        return new RolloutView(latest.map(RolloutView.Stored::of), running,
                canaryMayRun ? controller.status().canaryWeight() : 0);
    }

    /** The rollout state that matters to the user; {@code updatedAt} left out, since re-saving a pause moves it. */
    record RolloutView(Optional<Stored> latest, List<String> running, int canaryWeight) {
        record Stored(long id, String from, String to, RolloutPhase phase, int step, int weight) {
            static Stored of(RolloutRecord record) {
                return new Stored(record.id(), record.fromVersion(), record.toVersion(), record.phase(),
                        record.stepIndex(), record.canaryWeight());
            }
        }
    }

    /** How many entries the audit history of the service has. */
    int auditEntries() {
        return Integer.parseInt(query("SELECT count(*) FROM slipway.audit WHERE service = '" + SERVICE + "'").get(0));
    }

    // ------------------------------------------------------------------ waiting

    /**
     * Waits until nothing moves: no rollout half-way (only paused at 50 % with its canary ready, or finished with
     * the outgoing replicas gone), and an apply either started its rollout or failed. Fails after 10 s, saying
     * what it saw. A promote or an abort only asks the rollout to end: pass {@code rolloutEnds} after one.
     */
    public void settle(Optional<PendingApply> apply) {
        settle(apply, false);
    }

    /** As {@link #settle(Optional)}; with {@code rolloutEnds}, also until the rollout is promoted or aborted. */
    void settle(Optional<PendingApply> apply, boolean rolloutEnds) {
        BooleanSupplier quiet = () -> quiet(apply) && (!rolloutEnds || store.latestRollout(SERVICE)
                .filter(rollout -> rollout.phase().finished()).isPresent());
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        int calm = 0;
        while (calm < 2) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the service did not settle within 10 s: latest rollout "
                        + store.latestRollout(SERVICE).orElse(null) + ", running " + controller.runningVersions()
                        + ", live replicas of " + runtime.liveRevisions() + ", last events "
                        + eventsSince(Math.max(0, timeline.size() - 6)));
            }
            calm = quiet.getAsBoolean() ? calm + 1 : 0;
            sleep(10);
        }
    }

    /** Applies a release as a user would, then waits until its rollout started (or was refused) and nothing moves. */
    public void applyAndSettle(ReleaseSpec release) {
        applyAndSettle(release, false);
    }

    /** As {@link #applyAndSettle(ReleaseSpec)}; with {@code rolloutEnds}, also until the rollout is finished. */
    void applyAndSettle(ReleaseSpec release, boolean rolloutEnds) {
        PendingApply pending = pendingApply(release.version());
        controller().apply(release, ACTOR);
        settle(Optional.of(pending), rolloutEnds);
    }

    /** The newest rollout the store holds. */
    public RolloutRecord latestRollout() {
        return store.latestRollout(SERVICE).orElseThrow();
    }

    /** The timeline events from index {@code from} on (a copy: controllers keep adding to the timeline). */
    List<String> eventsSince(int from) {
        List<TimelineEntry> entries = List.copyOf(timeline);
        return entries.subList(Math.min(from, entries.size()), entries.size()).stream().map(TimelineEntry::event).toList();
    }

    /** An apply made at {@code timelineSize} when the newest stored rollout had id {@code lastRolloutId}. */
    public record PendingApply(String version, long lastRolloutId, int timelineSize) {
    }

    public PendingApply pendingApply(String version) {
        return new PendingApply(version, store.latestRollout(SERVICE).map(RolloutRecord::id).orElse(0L), timeline.size());
    }

    /** Whether the apply has recorded its rollout, or failed after it was accepted. */
    boolean startedOrFailed(PendingApply pending) {
        boolean started = store.latestRollout(SERVICE).filter(r -> r.id() > pending.lastRolloutId()
                && r.toVersion().equals(pending.version())).isPresent();
        return started || eventsSince(pending.timelineSize()).stream()
                .anyMatch(event -> event.startsWith("apply of " + pending.version() + " failed"));
    }

    private boolean quiet(Optional<PendingApply> apply) {
        if (apply.isPresent() && !startedOrFailed(apply.get())) {
            return false;
        }
        Optional<RolloutRecord> latest = store.latestRollout(SERVICE);
        if (latest.isEmpty()) {
            return controller.runningVersions().isEmpty();
        }
        RolloutRecord rollout = latest.get();
        List<String> running = controller.runningVersions();
        if (rollout.phase() == RolloutPhase.PROGRESSING) {
            return false;
        }
        if (rollout.phase() == RolloutPhase.PAUSED) {
            return running.contains(rollout.toVersion()) && !runtime.ready(List.of(rollout.toVersion())).isEmpty();
        }
        return running.size() <= 1 && new HashSet<>(running).containsAll(runtime.liveRevisions());
    }

    /** Waits until {@code condition} holds, or fails with {@code what} after {@code timeout}. */
    public static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting until " + what);
            }
            sleep(20);
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------ SQL

    void execute(String sql) {
        try (Connection connection = database.dataSource().getConnection();
             Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    List<String> query(String sql) {
        try (Connection connection = database.dataSource().getConnection();
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            List<String> result = new ArrayList<>();
            int width = rows.getMetaData().getColumnCount();
            while (rows.next()) {
                StringBuilder row = new StringBuilder();
                for (int i = 1; i <= width; i++) {
                    row.append(i == 1 ? "" : " | ").append(rows.getString(i));
                }
                result.add(row.toString());
            }
            return result;
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            controller.close();
        } catch (RuntimeException e) {
            // a controller wedged by the sequence may fail to drain; the runtime is closed below anyway
        }
        crashed.clear();
        runtime.close();
        try (var files = Files.list(directory)) {
            for (Path file : files.toList()) {
                Files.deleteIfExists(file);
            }
            Files.deleteIfExists(directory);
        } catch (IOException e) {
            // a temp directory left behind is harmless
        }
    }

    private static MetricProvider passingMetrics() {
        return revision -> new MetricSample(revision, 1000, 0, new double[0], new long[0]);
    }

    private static Judge passingJudge() {
        return (spec, window) -> new Verdict(Verdict.Outcome.PASS, "ok", window.requests(), 0, 0);
    }
}
