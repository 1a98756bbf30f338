package dev.slipway.controller.replica;

import dev.slipway.controller.ConflictException;
import dev.slipway.controller.event.RolloutEvents;
import dev.slipway.controller.loop.RolloutLoop;
import dev.slipway.controller.state.BoundReplica;
import dev.slipway.controller.state.Revision;
import dev.slipway.controller.state.ServiceState;
import dev.slipway.controller.state.Slot;
import dev.slipway.model.SchemaRange;

import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.function.IntFunction;

/**
 * Moves running replicas to a view schema that survives a schema action, before the action runs: a replica keeps its
 * {@code DATABASE_SCHEMA} for the life of its process, so one bound to views that a complete or rollback drops, or that
 * an opaque migration replaces, must be replaced first (start-first, drained). Refused while a rollout runs: its runner
 * owns the replicas until it ends.
 */
public final class ReplicaMoves {
    private static final List<Slot> ORDER = List.of(Slot.STABLE, Slot.PREVIOUS, Slot.CANARY);

    private final RolloutLoop loop;
    private final ReplicaFleet fleet;
    private final RolloutEvents events;
    private final IntFunction<String> viewSchema;

    public ReplicaMoves(RolloutLoop loop, ReplicaFleet fleet, RolloutEvents events, IntFunction<String> viewSchema) {
        this.loop = loop;
        this.fleet = fleet;
        this.events = events;
        this.viewSchema = viewSchema;
    }

    /**
     * Before a complete or rollback leaves {@code staying} readable: every replica not bound to a staying version moves
     * to the newest staying version its release reads. A release that reads none of them is left alone (the guard
     * refused that, or it was forced over the guard).
     */
    public void beforeViewsDrop(SortedSet<Integer> now, SortedSet<Integer> staying) {
        for (Slot slot : ORDER) {
            Optional<Revision> revision = loop.current().revision(slot);
            if (revision.isEmpty() || !revision.get().release().schema().readsAnyOf(staying)) {
                continue;
            }
            SchemaRange reads = revision.get().release().schema();
            List<BoundReplica> moving = revision.get().replicasWhere(replica ->
                    !SchemaBinding.boundToOneOf(replica, reads, now, staying));
            SchemaBinding target = SchemaBinding.beforeViewsDrop(reads, now, staying, viewSchema);
            move(slot, revision.get(), moving, target, "before the old views go");
        }
    }

    /**
     * Before an opaque migration to {@code version}: every replica of a release that reads it (and the state now)
     * moves to a search path of both view schemas, so it reads the new version from the moment the migration commits.
     */
    public void beforeOpaqueMigration(SortedSet<Integer> now, int version) {
        for (Slot slot : ORDER) {
            Optional<Revision> revision = loop.current().revision(slot);
            if (revision.isEmpty() || !revision.get().release().schema().reads(version)
                    || !revision.get().release().schema().readsAnyOf(now)) {
                continue;
            }
            SchemaRange reads = revision.get().release().schema();
            List<BoundReplica> moving = revision.get().replicasWhere(replica ->
                    !replica.boundVersion().equals(Optional.of(version)));
            move(slot, revision.get(), moving, SchemaBinding.beforeOpaqueMigration(reads, now, version, viewSchema),
                    "before the opaque migration");
        }
    }

    private void move(Slot slot, Revision revision, List<BoundReplica> moving, SchemaBinding target, String why) {
        if (moving.isEmpty()) {
            return;
        }
        ServiceState state = loop.current();
        if (state.rolling()) {
            throw new ConflictException("replicas of " + revision.version() + " read a schema version that this action "
                    + "drops, and a rollout of " + state.canary().get().version() + " is in progress: finish it first");
        }
        events.note("moving " + moving.size() + " replica(s) of " + revision.version() + " to " + target.databaseSchema()
                + " " + why);
        fleet.replace(slot, moving, target);
    }
}
