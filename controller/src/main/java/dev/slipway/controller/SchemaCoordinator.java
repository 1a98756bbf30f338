package dev.slipway.controller;

import dev.slipway.controller.guard.CompatibilityGuard;
import dev.slipway.controller.guard.ForceOverride;
import dev.slipway.controller.guard.GuardDecision;
import dev.slipway.controller.guard.GuardRefusedException;
import dev.slipway.controller.guard.RevisionRef;
import dev.slipway.controller.store.AuditEntry;
import dev.slipway.controller.store.Store;
import dev.slipway.schema.BackfillListener;
import dev.slipway.schema.Migration;
import dev.slipway.schema.SchemaEngine;
import dev.slipway.schema.SchemaStatus;

import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.function.Supplier;

/**
 * The schema side of a service under the guard: start, complete and rollback of migrations, each checked
 * against the binaries that must keep reading the schema before it runs, and recorded in the audit history.
 */
public final class SchemaCoordinator {
    private final String service;
    private final SchemaEngine engine;
    private final Store store;
    private final Clock clock;
    private final CompatibilityGuard guard = new CompatibilityGuard();
    private volatile Supplier<List<RevisionRef>> mustKeepWorking = List::of;
    private volatile Consumer<String> timeline = event -> { };
    private volatile Consumer<SortedSet<Integer>> beforeViewsDrop = state -> { };
    private volatile IntConsumer beforeOpaqueMigration = version -> { };

    public SchemaCoordinator(String service, SchemaEngine engine, Store store, Clock clock) {
        this.service = service;
        this.engine = engine;
        this.store = store;
        this.clock = clock;
    }

    /** Tells the coordinator whose binaries it must protect, and where to report what it did. */
    public void watch(Supplier<List<RevisionRef>> revisions, Consumer<String> timelineRecorder) {
        this.mustKeepWorking = revisions;
        this.timeline = timelineRecorder;
    }

    /**
     * Called with the state a complete or rollback leaves, after the guard allowed it and before the engine drops
     * the view schemas of the versions that go: the running replicas still bound to one of them (their
     * {@code DATABASE_SCHEMA}) must move first. A failure stops the action before anything was dropped.
     */
    public void beforeViewsDrop(Consumer<SortedSet<Integer>> moveReplicas) {
        this.beforeViewsDrop = moveReplicas;
    }

    /**
     * Called with the version of an opaque migration after the guard allowed it and before it runs: it replaces
     * the previous version's views by its own in one step, so the replicas that read it must be ready for both.
     */
    public void beforeOpaqueMigration(IntConsumer prepareReplicas) {
        this.beforeOpaqueMigration = prepareReplicas;
    }

    /** The versions readable right now. */
    public SortedSet<Integer> state() {
        return new TreeSet<>(engine.status().state());
    }

    /** The PostgreSQL schema that exposes version {@code version}, e.g. {@code public_v2}. */
    public String versionSchema(int version) {
        return engine.versionSchema(version);
    }

    /**
     * The login of version {@code version}'s role (its default search path is the version's view schema), for the
     * replicas bound to it; empty when the engine manages no role for it (they then log in as the controller does).
     */
    public Optional<dev.slipway.schema.DatabaseCredentials> credentialsFor(int version) {
        try {
            return engine.credentialsFor(version);
        } catch (RuntimeException e) {
            LoggerFactory.getLogger(SchemaCoordinator.class).warn("no login role for schema version {}: {}", version, e.getMessage());
            return Optional.empty();
        }
    }

    /** The migration in flight, if any. */
    public Optional<dev.slipway.schema.InFlight> inFlight() {
        return engine.status().inFlight();
    }

    public void start(Migration migration, String actor, BackfillListener listener) {
        start(migration, actor, listener, Optional.empty());
    }

    public void complete(String actor) {
        complete(actor, Optional.empty());
    }

    public void rollback(String actor) {
        rollback(actor, Optional.empty());
    }

    /** The decision the guard would give a schema complete now (for status). */
    public GuardDecision checkComplete() {
        int version = inFlight().map(dev.slipway.schema.InFlight::version).orElse(-1);
        return guard.check("schema complete of version " + version, new TreeSet<>(List.of(version)),
                mustKeepWorking.get(), List.of("Finish the rollout first."));
    }

    /** The decision the guard would give a schema rollback now (for status). */
    public GuardDecision checkRollback() {
        SortedSet<Integer> after = stateAfterRollback();
        return guard.check("schema rollback", after, mustKeepWorking.get(), List.of("Abort the rollout first."));
    }

    /** Expands to {@code migration}'s version; an opaque migration replaces the state instead of adding to it. */
    public void start(Migration migration, String actor, BackfillListener listener, Optional<ForceOverride> force) {
        SortedSet<Integer> after = state();
        if (migration.opaque()) {
            after.clear();
        }
        after.add(migration.version());
        String action = "schema start of version " + migration.version() + " (" + migration.name() + ")";
        require(action, after, actor, List.of(
                migration.opaque() ? "This migration is opaque (no expand phase): roll out a binary that reads "
                        + migration.version() + " everywhere first, then migrate." : "Finish the rollout first."), force);
        if (migration.opaque()) {
            beforeOpaqueMigration.accept(migration.version());
        }
        attempt(actor, action, () -> engine.start(migration, listener));
        audit(actor, action, "done");
        timeline.accept("schema " + migration.version() + " started (" + migration.description() + ")");
    }

    /** Contracts the migration in flight: only its version stays readable. */
    public void complete(String actor, Optional<ForceOverride> force) {
        SchemaStatus status = engine.status();
        int version = status.inFlight().orElseThrow(() -> new IllegalStateException(
                "no migration is in flight in schema " + status.schema())).version();
        String action = "schema complete of version " + version;
        require(action, new TreeSet<>(List.of(version)), actor, List.of(
                "Finish the rollout first: wait until no revision reading only older versions runs.",
                "Or roll back the migration instead (slipway schema rollback)."), force);
        beforeViewsDrop.accept(new TreeSet<>(List.of(version)));
        attempt(actor, action, engine::complete);
        audit(actor, action, "done");
        timeline.accept("schema " + version + " completed (contract)");
    }

    /** Undoes the migration in flight: its version stops being readable. */
    public void rollback(String actor, Optional<ForceOverride> force) {
        SchemaStatus status = engine.status();
        int version = status.inFlight().orElseThrow(() -> new IllegalStateException(
                "no migration is in flight in schema " + status.schema())).version();
        SortedSet<Integer> after = stateAfterRollback();
        String action = "schema rollback of version " + version;
        require(action, after, actor, List.of(
                "Abort or undo the rollout of the binary that needs version " + version + " first."), force);
        beforeViewsDrop.accept(after);
        attempt(actor, action, engine::rollback);
        audit(actor, action, "done");
        timeline.accept("schema " + version + " rolled back");
    }

    /**
     * What a rollback leaves readable: the latest completed version (an opaque migration replaced the state,
     * so removing its version from the state would leave nothing, which is not what the engine does).
     */
    private SortedSet<Integer> stateAfterRollback() {
        SortedSet<Integer> after = new TreeSet<>();
        engine.status().history().stream()
                .filter(applied -> applied.state().equals(dev.slipway.schema.AppliedMigration.COMPLETED))
                .mapToInt(dev.slipway.schema.AppliedMigration::version).max().ifPresent(after::add);
        return after;
    }

    private void require(String action, SortedSet<Integer> after, String actor, List<String> waysForward,
                         Optional<ForceOverride> force) {
        GuardDecision decision = guard.check(action, after, mustKeepWorking.get(), waysForward);
        if (decision.allowed()) {
            return;
        }
        if (force.isPresent()) {
            store.audit(new AuditEntry(clock.instant(), service, actor, action, "forced",
                    decision.message() + "\n  overridden with " + force.get().describe()));
            timeline.accept("FORCED " + action + " over the guard (" + force.get().describe() + ")");
            return;
        }
        audit(actor, action, "refused: " + decision.message());
        throw new GuardRefusedException(decision);
    }

    /**
     * Runs the engine's part of an action the guard allowed (or a forced override let through). When the engine
     * refuses or fails — and undoes itself — the history says so, so that a "forced" entry is never the last
     * word about an action that changed nothing.
     */
    private void attempt(String actor, String action, Runnable engineAction) {
        try {
            engineAction.run();
        } catch (RuntimeException e) {
            store.audit(new AuditEntry(clock.instant(), service, actor, action, "failed", String.valueOf(e.getMessage())));
            throw e;
        }
    }

    private void audit(String actor, String action, String outcome) {
        store.audit(new AuditEntry(clock.instant(), service, actor, action, outcome.startsWith("refused") ? "refused" : outcome,
                outcome.startsWith("refused") ? outcome : ""));
    }
}
