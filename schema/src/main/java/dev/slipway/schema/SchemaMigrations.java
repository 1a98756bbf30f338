package dev.slipway.schema;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One schema and its migrations directory, as built by {@link Slipway#schema}. {@link #start} picks the next
 * pending file itself and refuses while the directory disagrees with the history (a changed or missing applied
 * file, a duplicate version): {@link #validate} lists why, {@link #repair} records intended edits.
 */
public final class SchemaMigrations {
    private final SchemaEngine engine;
    private final Path directory;
    private final BackfillListener listener;

    SchemaMigrations(SchemaEngine engine, Path directory, BackfillListener listener) {
        this.engine = engine;
        this.directory = directory;
        this.listener = listener;
    }

    /** The handle for {@code engine}'s schema and the files in {@code directory}. */
    public static SchemaMigrations of(SchemaEngine engine, Path directory, BackfillListener listener) {
        return new SchemaMigrations(engine, directory, listener);
    }

    /** The engine underneath, for what this handle does not cover (e.g. {@code versionSchema}). */
    public SchemaEngine engine() {
        return engine;
    }

    /** The files not applied yet, in version order (versions at or below a baseline are skipped). */
    public List<Migration> pending() {
        SchemaStatus status = engine.status();
        int applied = status.history().stream()
                .filter(row -> row.state().equals(AppliedMigration.COMPLETED) || row.state().equals(AppliedMigration.STARTED))
                .mapToInt(AppliedMigration::version).max().orElse(0);
        List<Migration> pending = new ArrayList<>();
        for (Migration migration : MigrationDirectory.read(directory).migrations()) {
            if (migration.version() > applied) pending.add(migration);
        }
        return pending;
    }

    /** The next file {@link #start} would run, if any. */
    public Optional<Migration> next() {
        List<Migration> pending = pending();
        return pending.isEmpty() ? Optional.empty() : Optional.of(pending.get(0));
    }

    /** Expands the next pending migration; refused when nothing is pending or the directory does not validate. */
    public StartResult start() {
        List<ValidationProblem> blocking = validate().stream()
                .filter(problem -> problem.kind() != ValidationProblem.Kind.IGNORED).toList();
        if (!blocking.isEmpty()) {
            throw new MigrationException("refused: " + directory + " does not validate:\n  "
                    + String.join("\n  ", blocking.stream().map(ValidationProblem::message).toList()));
        }
        Migration migration = next().orElseThrow(() ->
                new MigrationException("nothing to start: every migration in " + directory + " is applied"));
        return engine.start(migration, listener);
    }

    /**
     * Applies every pending file in order, one migration in flight at a time (as pgroll's {@code migrate}): each is
     * started and, unless it is the last, completed before the next starts; the last is left expanded (both its
     * versions readable, so the new binary can roll out) unless {@code completeLast}. A migration already in flight
     * is resumed if interrupted, and completed first when files follow it. Refused while the directory does not
     * validate. Returns the steps taken, in order ({@code "start 2"}, {@code "complete 2"}, ...).
     */
    public List<String> migrate(boolean completeLast) {
        List<ValidationProblem> blocking = validate().stream()
                .filter(problem -> problem.kind() != ValidationProblem.Kind.IGNORED
                        && problem.kind() != ValidationProblem.Kind.INVALID).toList();
        if (!blocking.isEmpty()) {
            throw new MigrationException("refused: " + directory + " does not validate:\n  "
                    + String.join("\n  ", blocking.stream().map(ValidationProblem::message).toList()));
        }
        List<String> steps = new ArrayList<>();
        List<Migration> pending = pending();
        Optional<InFlight> inFlight = engine.status().inFlight();
        if (inFlight.isPresent()) {
            if (!inFlight.get().phase().equals(InFlight.EXPANDED)) {
                engine.resume(listener);
                steps.add("resume " + inFlight.get().version());
            }
            if (!pending.isEmpty() || completeLast) {
                engine.complete();
                steps.add("complete " + inFlight.get().version());
            }
        }
        for (int i = 0; i < pending.size(); i++) {
            Migration migration = pending.get(i);
            engine.start(migration, listener);
            steps.add("start " + migration.version());
            if (i < pending.size() - 1 || completeLast) {
                engine.complete();
                steps.add("complete " + migration.version());
            }
        }
        return steps;
    }

    /** Finishes an interrupted start (its backfill). */
    public StartResult resume() {
        return engine.resume(listener);
    }

    /** Contracts the migration in flight; returns the status afterwards. */
    public SchemaStatus complete() {
        engine.complete();
        return engine.status();
    }

    /** Undoes the migration in flight; returns the status afterwards. */
    public SchemaStatus rollback() {
        engine.rollback();
        return engine.status();
    }

    public SchemaStatus status() {
        return engine.status();
    }

    /** Everything wrong with the directory against the history and the live schema; empty when all is well. */
    public List<ValidationProblem> validate() {
        return engine.validate(directory);
    }

    /** Adopts an existing database as {@code version}: see {@link SchemaEngine#baseline}. */
    public SchemaStatus baseline(int version, String description) {
        return engine.baseline(version, description);
    }

    /** What {@link #start} would run for the next pending migration, without running anything. */
    public Plan plan() {
        Migration migration = next().orElseThrow(() ->
                new MigrationException("nothing to plan: every migration in " + directory + " is applied"));
        return new Plan(migration.file(), migration.version(), engine.plan(migration));
    }

    /**
     * Records the current content of every applied file that changed, and removes failed attempts of versions in
     * the directory; {@code reason} is recorded with each repair. Returns what was repaired.
     */
    public List<RepairResult> repair(String reason) {
        List<RepairResult> repaired = new ArrayList<>();
        List<ValidationProblem> problems = validate();
        SchemaStatus status = engine.status();
        for (Migration migration : MigrationDirectory.read(directory).migrations()) {
            boolean changed = problems.stream().anyMatch(problem -> problem.kind() == ValidationProblem.Kind.CHANGED
                    && problem.version() == migration.version());
            boolean failed = status.history().stream().anyMatch(row -> row.version() == migration.version()
                    && row.state().equals(AppliedMigration.FAILED));
            if (changed || failed) {
                repaired.add(engine.repair(migration, reason));
            }
        }
        return repaired;
    }

    /** The SQL the next migration's start would run. */
    public record Plan(String file, int version, List<String> statements) {
    }
}
