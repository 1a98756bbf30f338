package dev.slipway.runtime.replica;

import dev.slipway.runtime.Replica;
import dev.slipway.runtime.ReplicaState;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * The replicas a runtime started or adopted, by id, and the answers the Runtime SPI wants of them, the same for every
 * runtime: a replica this runtime does not know is not running (FAILED), and a stopped one is no longer listed.
 *
 * @param <R> the runtime's replica
 */
public final class ReplicaTable<R extends ReplicaProbes.Probed> {
    private final Map<String, R> byId = new ConcurrentHashMap<>();

    public void add(R replica) {
        byId.put(replica.replica().id(), replica);
    }

    public Optional<R> find(Replica replica) {
        return Optional.ofNullable(byId.get(replica.id()));
    }

    public ReplicaState awaitReady(Replica replica, Duration deadline) {
        return find(replica).map(known -> known.lifecycle().awaitReady(deadline)).orElse(ReplicaState.FAILED);
    }

    public ReplicaState state(Replica replica) {
        return find(replica).map(known -> known.lifecycle().state()).orElse(ReplicaState.FAILED);
    }

    /** Replicas of a service that have not been stopped, FAILED ones included (they still need a stop). */
    public List<Replica> list(String service) {
        return byId.values().stream()
                .filter(known -> known.replica().service().equals(service))
                .filter(known -> known.lifecycle().state() != ReplicaState.STOPPED)
                .sorted(Comparator.comparing((R known) -> known.replica().revision()).thenComparing(R::ordinal))
                .map(R::replica)
                .toList();
    }

    public int restarts(Replica replica) {
        return find(replica).map(known -> known.lifecycle().restarts()).orElse(0);
    }

    public Optional<String> failureReason(Replica replica) {
        return find(replica).map(known -> known.lifecycle().failureReason())
                .orElse(Optional.of("not known to this runtime"));
    }

    public Optional<String> lastCrash(Replica replica) {
        return find(replica).flatMap(known -> known.lifecycle().lastCrash());
    }

    /** Runs {@code stop} for every replica on {@code executor}, all at once, and waits until every one ended. */
    public void stopAll(Consumer<Replica> stop, Executor executor) {
        List<CompletableFuture<Void>> stops = new ArrayList<>();
        for (R known : byId.values()) {
            stops.add(CompletableFuture.runAsync(() -> stop.accept(known.replica()), executor));
        }
        CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new)).join();
    }

    /** Every replica, for a detach that lets go of them all. */
    public List<R> all() {
        return List.copyOf(byId.values());
    }

    public void clear() {
        byId.clear();
    }
}
