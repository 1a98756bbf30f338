package dev.slipway.runtime.docker;

import dev.slipway.runtime.Replica;
import dev.slipway.runtime.ReplicaState;
import dev.slipway.runtime.replica.ReplicaLabels;
import dev.slipway.runtime.replica.ReplicaLifecycle;
import dev.slipway.runtime.replica.ReplicaLog;
import dev.slipway.runtime.replica.ReplicaProbes;

import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One replica of the docker runtime: its labels, its log file, its lifecycle (what runs is a container id; a
 * liveness restart starts the same container again), and the engine streams that watch the current run.
 */
final class DockerReplica implements ReplicaProbes.Probed {

    private final ReplicaLabels labels;
    private final ReplicaLog log;
    private final ReplicaLifecycle<String> lifecycle;
    /** The exit wait and log stream of the current run, closed when they are no longer wanted. */
    private final List<Closeable> watchers = new ArrayList<>();
    private EngineConnection.LogStream logStream;

    DockerReplica(ReplicaLabels labels, ReplicaLog log) {
        this.labels = labels;
        this.log = log;
        this.lifecycle = new ReplicaLifecycle<>(labels.replica().id(), labels.health());
    }

    @Override
    public Replica replica() {
        return labels.replica();
    }

    @Override
    public int ordinal() {
        return labels.ordinal();
    }

    ReplicaLog log() {
        return log;
    }

    @Override
    public ReplicaLifecycle<String> lifecycle() {
        return lifecycle;
    }

    @Override
    public void note(String line) {
        log.note(line);
    }

    Optional<String> containerId() {
        return lifecycle.running();
    }

    synchronized Optional<EngineConnection.LogStream> logStream() {
        return Optional.ofNullable(logStream);
    }

    /** Keeps the exit wait or log stream of generation {@code watchedGeneration}; closes it at once if stale. */
    synchronized void watch(long watchedGeneration, Closeable watcher) {
        // stop() marks the replica STOPPED before it closes the watchers: one that comes later is closed here.
        if (watchedGeneration != lifecycle.generation() || lifecycle.state() == ReplicaState.STOPPED) {
            closeQuietly(watcher);
            return;
        }
        watchers.add(watcher);
        if (watcher instanceof EngineConnection.LogStream stream) {
            logStream = stream;
        }
    }

    /** Ends every exit wait and log stream (of a stop, a detach or a restart). */
    synchronized void closeWatchers() {
        watchers.forEach(DockerReplica::closeQuietly);
        watchers.clear();
    }

    private static void closeQuietly(Closeable closeable) {
        try {
            closeable.close();
        } catch (IOException | RuntimeException e) {
            // A stream that ended already.
        }
    }
}
