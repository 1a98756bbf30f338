package dev.slipway.controller.state;

import dev.slipway.model.ReleaseSpec;
import dev.slipway.runtime.Replica;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** A release running as replicas: the stable one, the canary, or the one kept for undo. Immutable. */
public record Revision(ReleaseSpec release, List<BoundReplica> replicas) {
    public Revision {
        replicas = List.copyOf(replicas);
    }

    /** A revision that runs no replica yet. */
    public static Revision of(ReleaseSpec release) {
        return new Revision(release, List.of());
    }

    public String version() {
        return release.version();
    }

    public List<Replica> runningReplicas() {
        return replicas.stream().map(BoundReplica::replica).toList();
    }

    public Revision with(BoundReplica replica) {
        List<BoundReplica> more = new ArrayList<>(replicas);
        more.add(replica);
        return new Revision(release, more);
    }

    public Revision without(Replica replica) {
        return new Revision(release, replicas.stream().filter(bound -> !bound.id().equals(replica.id())).toList());
    }

    public List<BoundReplica> replicasWhere(Predicate<BoundReplica> condition) {
        return replicas.stream().filter(condition).toList();
    }

    /** The ordinal the next replica gets: one past the highest so far (it only keeps log names apart). */
    public int nextOrdinal() {
        return replicas.stream().mapToInt(bound -> ordinalOf(bound.id())).max().orElse(-1) + 1;
    }

    private static int ordinalOf(String replicaId) {
        // ids look like <service>-<revision>-<ordinal>-<random>
        String[] parts = replicaId.split("-");
        try {
            return parts.length >= 2 ? Integer.parseInt(parts[parts.length - 2]) : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
