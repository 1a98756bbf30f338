package dev.slipway.controller.replica;

import dev.slipway.controller.state.BoundReplica;
import dev.slipway.controller.state.SchemaTransition;
import dev.slipway.model.SchemaRange;

import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.IntFunction;

/**
 * Which view schema a replica connects to ({@code DATABASE_SCHEMA}); it keeps it for the life of its process, so the
 * choice must outlast the schema actions that may run meanwhile. Pure, so every case is tested on its own.
 *
 * @param version        the schema version the replica is bound to
 * @param databaseSchema the view schema of {@code version}, or a search path that ends in it
 */
public record SchemaBinding(int version, String databaseSchema) {

    /**
     * A new replica of a release that reads {@code reads}: the newest version it reads now. While a schema action
     * runs, the newest version it reads both now and after it; when no version is on both sides (an opaque
     * migration replaces the state), a search path of the version after and the version now, in that order.
     *
     * @throws IllegalStateException when the release reads none of the state (only a forced override gets there)
     */
    public static SchemaBinding forNewReplica(SchemaRange reads, SortedSet<Integer> now,
                                              Optional<SchemaTransition> transition, IntFunction<String> viewSchema) {
        if (transition.isPresent()) {
            SortedSet<Integer> after = transition.get().after();
            SortedSet<Integer> bothSides = new TreeSet<>(now);
            bothSides.retainAll(after);
            if (reads.readsAnyOf(bothSides)) {
                return of(reads.newestReadable(bothSides), viewSchema);
            }
            if (reads.readsAnyOf(after) && reads.readsAnyOf(now)) {
                int next = reads.newestReadable(after);
                return new SchemaBinding(next, viewSchema.apply(next) + "," + viewSchema.apply(reads.newestReadable(now)));
            }
        }
        return of(reads.newestReadable(now), viewSchema);
    }

    /**
     * Before a complete or rollback drops the views of the versions not in {@code staying}: the newest staying version
     * the release reads. The rollback of an opaque migration brings back views that do not exist yet: until it
     * commits, a search path falls back to the views of today.
     */
    public static SchemaBinding beforeViewsDrop(SchemaRange reads, SortedSet<Integer> now, SortedSet<Integer> staying,
                                                IntFunction<String> viewSchema) {
        int version = reads.newestReadable(staying);
        if (now.contains(version) || !reads.readsAnyOf(now)) {
            return of(version, viewSchema);
        }
        return new SchemaBinding(version, viewSchema.apply(version) + "," + viewSchema.apply(reads.newestReadable(now)));
    }

    /**
     * Before an opaque migration to {@code version}, which drops the views of the version before it and creates its
     * own in one transaction: a search path of both, the new one first. PostgreSQL skips the one that does not exist
     * yet and resolves names to the new views from the moment the migration commits.
     */
    public static SchemaBinding beforeOpaqueMigration(SchemaRange reads, SortedSet<Integer> now, int version,
                                                      IntFunction<String> viewSchema) {
        return new SchemaBinding(version, viewSchema.apply(version) + "," + viewSchema.apply(reads.newestReadable(now)));
    }

    /**
     * Whether a replica reads a version in {@code staying}: known when this controller started it; for a replica
     * adopted after a restart, certain only when its release reads a single version of the state now.
     */
    public static boolean boundToOneOf(BoundReplica replica, SchemaRange reads, SortedSet<Integer> now,
                                       SortedSet<Integer> staying) {
        if (replica.boundVersion().isPresent()) {
            return staying.contains(replica.boundVersion().get());
        }
        List<Integer> readable = now.stream().filter(reads::reads).toList();
        return readable.size() == 1 && staying.contains(readable.get(0));
    }

    private static SchemaBinding of(int version, IntFunction<String> viewSchema) {
        return new SchemaBinding(version, viewSchema.apply(version));
    }
}
