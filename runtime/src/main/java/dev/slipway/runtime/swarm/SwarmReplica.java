package dev.slipway.runtime.swarm;

import dev.slipway.runtime.Replica;
import dev.slipway.runtime.docker.EngineConnection;
import dev.slipway.runtime.replica.ReplicaLabels;
import dev.slipway.runtime.replica.ReplicaLifecycle;
import dev.slipway.runtime.replica.ReplicaLog;
import dev.slipway.runtime.replica.ReplicaProbes;

import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One replica of the swarm runtime: its Swarm service (one task), its labels, its log file, its lifecycle (what runs
 * is a task id; a move to another node is a new run) and the address it answers on now, which follows its task from
 * node to node.
 */
final class SwarmReplica implements ReplicaProbes.Probed {
    /** The host of a replica whose task no node runs yet: never routed to (only READY replicas are). */
    static final String UNPLACED = "unplaced";

    private final ReplicaLabels labels;
    private final ReplicaLog log;
    private final ReplicaLifecycle<String> lifecycle;
    private final TaskWatch watch;
    private volatile String serviceId;
    private volatile Replica current;
    private EngineConnection.LogStream logStream;
    /**
     * From when the service's output is asked for when a log stream (re)opens: what came before is in the log file
     * already. Moved only by what the stream delivers, never by the runtime's own notes, which are written after the
     * output they follow (a note at the first run once cut the replica's "listening on" line).
     */
    private Instant streamedUntil;
    private boolean probing;
    /** Its service is scaled to 0 until a crash backoff has passed. */
    private boolean held;

    /** {@code streamedUntil}: {@link Instant#EPOCH} for a new service, all of whose output is still to be read. */
    SwarmReplica(ReplicaLabels labels, ReplicaLog log, TaskWatch watch, Instant streamedUntil) {
        this.labels = labels;
        this.streamedUntil = streamedUntil;
        this.log = log;
        this.watch = watch;
        this.lifecycle = new ReplicaLifecycle<>(labels.replica().id(), labels.health());
        this.current = labels.replica();
    }

    /** Where it answers now: the address of its task's node, or {@link #UNPLACED}. */
    @Override
    public Replica replica() {
        return current;
    }

    /** The replica as start() returned it, without a node. */
    ReplicaLabels labels() {
        return labels;
    }

    @Override
    public int ordinal() {
        return labels.ordinal();
    }

    @Override
    public ReplicaLifecycle<String> lifecycle() {
        return lifecycle;
    }

    @Override
    public void note(String line) {
        log.note(line);
    }

    ReplicaLog log() {
        return log;
    }

    TaskWatch watch() {
        return watch;
    }

    Optional<String> serviceId() {
        return Optional.ofNullable(serviceId);
    }

    void created(String id) {
        serviceId = id;
    }

    /** Its task now runs at {@code host}: the probes and the router go there from now on. */
    void placedAt(String host) {
        Replica before = current;
        current = new Replica(before.id(), before.service(), before.revision(), host, before.port());
    }

    /** True the first time only: probing starts with the first run and follows the replica from then on. */
    synchronized boolean startProbing() {
        if (probing) {
            return false;
        }
        probing = true;
        return true;
    }

    /** Its service is being scaled to 0 for a crash backoff. */
    synchronized void hold() {
        held = true;
    }

    synchronized boolean held() {
        return held;
    }

    /** True when it was held back: its service needs its task again. */
    synchronized boolean release() {
        boolean wasHeld = held;
        held = false;
        return wasHeld;
    }

    /** The log stream, unless one is open already. */
    synchronized boolean needsLogStream() {
        return logStream == null || logStream.ended().isDone();
    }

    /**
     * Where a new log stream starts. Swarm counts in whole seconds and this rounds down: a reopened stream may repeat
     * the lines of one second, never skip any.
     */
    synchronized Instant logsSince() {
        return streamedUntil;
    }

    /** Writes what the log stream delivers to the log file and remembers when it did. */
    Consumer<byte[]> logSink() {
        return bytes -> {
            Instant received = Instant.now();
            log.write(bytes);
            synchronized (this) {
                streamedUntil = received;
            }
        };
    }

    synchronized void following(EngineConnection.LogStream stream) {
        logStream = stream;
    }

    synchronized Optional<EngineConnection.LogStream> logStream() {
        return Optional.ofNullable(logStream);
    }
}
