package dev.slipway.controller;

import dev.slipway.controller.event.RolloutEvent;
import dev.slipway.controller.event.RolloutEvent.SchemaChanged.Kind;
import dev.slipway.controller.event.RolloutEvents;
import dev.slipway.controller.guard.ForceOverride;
import dev.slipway.controller.guard.GuardDecision;
import dev.slipway.controller.guard.GuardGate;
import dev.slipway.controller.loop.RolloutLoop;
import dev.slipway.controller.replica.ReplicaMoves;
import dev.slipway.controller.store.DatabaseOutage;
import dev.slipway.schema.AppliedMigration;
import dev.slipway.schema.BackfillListener;
import dev.slipway.schema.InFlight;
import dev.slipway.schema.Migration;
import dev.slipway.schema.SchemaEngine;
import dev.slipway.schema.SchemaStatus;

import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The schema side of a service under the guard: start, complete and rollback of migrations. Each passes the
 * {@link GuardGate} — checked against the binaries that must keep reading the schema, with nothing else guarded
 * running until it is done — moves the replicas the action would strand, runs, and is audited. Built whole by the
 * {@link RolloutController} that owns the service.
 */
public final class SchemaCoordinator {
    private final SchemaEngine engine;
    private final GuardGate gate;
    private final RolloutLoop loop;
    private final ReplicaMoves moves;
    private final RolloutEvents events;
    private final String service;

    public SchemaCoordinator(String service, SchemaEngine engine, GuardGate gate, RolloutLoop loop, ReplicaMoves moves,
                             RolloutEvents events) {
        this.service = service;
        this.engine = engine;
        this.gate = gate;
        this.loop = loop;
        this.moves = moves;
        this.events = events;
    }

    /** The versions readable right now. */
    public SortedSet<Integer> state() {
        return new TreeSet<>(engine.status().state());
    }

    /** The schema's state, migration in flight and history, in one read. */
    public SchemaStatus status() {
        return engine.status();
    }

    /** The PostgreSQL schema that exposes version {@code version}, e.g. {@code public_v2}. */
    public String versionSchema(int version) {
        return engine.versionSchema(version);
    }

    /** The migration in flight, if any. */
    public Optional<InFlight> inFlight() {
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

    /** Expands to {@code migration}'s version; an opaque migration replaces the state instead of adding to it. */
    public void start(Migration migration, String actor, BackfillListener listener, Optional<ForceOverride> force) {
        gate.admitSchema(actor, force, () -> startPlan(engine.status(), migration), plan -> {
            if (migration.opaque()) {
                moves.beforeOpaqueMigration(plan.before(), migration.version());
            }
            try {
                engine.start(migration, listener);
            } catch (RuntimeException e) {
                if (DatabaseOutage.of(e).isEmpty()) {
                    throw e;
                }
                resumeAfterOutage(migration, listener, e);
            }
            events.emit(new RolloutEvent.SchemaChanged(Kind.STARTED, migration.version(), migration.description()));
            return null;
        });
    }

    /**
     * The database went away during {@code migration}'s start. When it had reached the backfill (whose batches each
     * saved their position in their own transaction), waits for the database and resumes from the last committed
     * batch, as often as the database goes away again; otherwise the start's failure stands.
     */
    private void resumeAfterOutage(Migration migration, BackfillListener listener, RuntimeException interrupted) {
        DatabaseOutage.Report report = new DatabaseOutage.Report() {
            @Override
            public void began(String why) {
                events.note("the database is unavailable (" + why + "): the backfill of version " + migration.version()
                        + " resumes from its last committed batch once it is back");
            }

            @Override
            public void ended() {
                events.note("the database is back: the backfill of version " + migration.version() + " resumes");
            }
        };
        report.began(DatabaseOutage.of(interrupted).orElseThrow());
        Optional<InFlight> inFlight = DatabaseOutage.waitOut(() -> engine.status().inFlight(),
                () -> Thread.currentThread().isInterrupted(), new DatabaseOutage.Report() { });
        if (inFlight.filter(flight -> flight.version() == migration.version()
                && flight.phase().equals(InFlight.BACKFILLING)).isEmpty()) {
            throw interrupted;
        }
        report.ended();
        DatabaseOutage.waitOut(() -> engine.resume(listener), () -> Thread.currentThread().isInterrupted(), report);
    }

    /** Contracts the migration in flight: only its version stays readable. */
    public void complete(String actor, Optional<ForceOverride> force) {
        dropVersions(actor, force, SchemaCoordinator::completePlan, engine::complete, Kind.COMPLETED);
    }

    /** Undoes the migration in flight: its version stops being readable. */
    public void rollback(String actor, Optional<ForceOverride> force) {
        dropVersions(actor, force, SchemaCoordinator::rollbackPlan, engine::rollback, Kind.ROLLED_BACK);
    }

    /**
     * A complete or a rollback: the view schemas of the versions that stop being readable go, so the replicas bound to
     * them move first.
     */
    private void dropVersions(String actor, Optional<ForceOverride> force, Function<SchemaStatus, GuardGate.SchemaPlan> planner,
                              Runnable engineAction, Kind kind) {
        gate.admitSchema(actor, force, () -> planner.apply(engine.status()), plan -> {
            moves.beforeViewsDrop(plan.before(), plan.after());
            engineAction.run();
            events.emit(new RolloutEvent.SchemaChanged(kind, plan.version(), ""));
            return null;
        });
    }

    /** The guard's answer to a schema complete now, given the schema as {@code status} shows it (for status). */
    public GuardDecision checkComplete(SchemaStatus status) {
        return gate.wouldAllow(completePlan(status).question(loop.current(), service));
    }

    /** The guard's answer to a schema rollback now (for status). */
    public GuardDecision checkRollback(SchemaStatus status) {
        return gate.wouldAllow(rollbackPlan(status).question(loop.current(), service));
    }

    /** Whether a schema complete would pass the guard now, without a word in the audit history (contractAfter). */
    public boolean completeAllowed() {
        SchemaStatus status = engine.status();
        return status.inFlight().isPresent() && checkComplete(status).allowed();
    }

    /** Whether another guarded action runs now (the automatic contract waits for its next turn then). */
    public boolean busy() {
        return gate.busy();
    }

    private static GuardGate.SchemaPlan startPlan(SchemaStatus status, Migration migration) {
        SortedSet<Integer> after = new TreeSet<>(status.state());
        if (migration.opaque()) {
            after.clear();
        }
        after.add(migration.version());
        return new GuardGate.SchemaPlan("schema start of version " + migration.version() + " (" + migration.name() + ")",
                migration.version(), status.state(), after, List.of(migration.opaque()
                ? "This migration is opaque (no expand phase): roll out a binary that reads " + migration.version()
                + " everywhere first, then migrate."
                : "Finish the rollout first."));
    }

    private static GuardGate.SchemaPlan completePlan(SchemaStatus status) {
        int version = inFlightVersion(status);
        return new GuardGate.SchemaPlan("schema complete of version " + version, version, status.state(),
                new TreeSet<>(List.of(version)), List.of(
                "Finish the rollout first: wait until no revision reading only older versions runs.",
                "Or roll back the migration instead (slipway schema rollback)."));
    }

    private static GuardGate.SchemaPlan rollbackPlan(SchemaStatus status) {
        int version = inFlightVersion(status);
        return new GuardGate.SchemaPlan("schema rollback of version " + version, version, status.state(),
                stateAfterRollback(status), List.of(
                "Abort or undo the rollout of the binary that needs version " + version + " first."));
    }

    private static int inFlightVersion(SchemaStatus status) {
        return status.inFlight().orElseThrow(() -> new ConflictException(
                "no migration is in flight in schema " + status.schema())).version();
    }

    /**
     * What a rollback leaves readable: the latest completed version (an opaque migration replaced the state, so
     * removing its version from the state would leave nothing, which is not what the engine does).
     */
    private static SortedSet<Integer> stateAfterRollback(SchemaStatus status) {
        SortedSet<Integer> after = new TreeSet<>();
        status.history().stream().filter(applied -> applied.state().equals(AppliedMigration.COMPLETED))
                .mapToInt(AppliedMigration::version).max().ifPresent(after::add);
        return after;
    }
}
