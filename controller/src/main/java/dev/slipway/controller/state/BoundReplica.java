package dev.slipway.controller.state;

import dev.slipway.runtime.Replica;

import java.util.Optional;

/**
 * A replica with the schema version its {@code DATABASE_SCHEMA} names for the whole life of its process: known for
 * replicas this controller started, empty for replicas adopted after a restart.
 */
public record BoundReplica(Replica replica, Optional<Integer> boundVersion) {

    public static BoundReplica adopted(Replica replica) {
        return new BoundReplica(replica, Optional.empty());
    }

    public String id() {
        return replica.id();
    }
}
