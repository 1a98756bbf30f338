package dev.slipway.runtime.docker;

import dev.slipway.model.HealthSpec;
import dev.slipway.model.ProbeSpec;
import dev.slipway.runtime.Replica;
import dev.slipway.runtime.ReplicaState;

import java.io.Closeable;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One replica of the docker runtime and its state machine, the local runtime's transitions with a container in
 * place of a process. Every transition is a named, synchronized method; probe results and exit notices carry the
 * launch generation they belong to, so news about a container run that a liveness restart already replaced is
 * ignored.
 */
final class DockerReplica {

    /** Creates and/or starts the container; called with the replica's lock held so that stop() cannot slip in. */
    interface Launcher {
        /** @return the id of the container now running */
        String launch();
    }

    private final ContainerLabels labels;
    private final ReplicaLog log;
    /** Completes once stop() has removed the container, so that a second stop() can wait for the first. */
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();

    // Read without the lock: state() must never wait for an engine call that a launch makes under it.
    private volatile ReplicaState state = ReplicaState.STARTING;
    private volatile String containerId;
    /** True between a liveness restart's decision and the container's start: probes must not count then. */
    private boolean launchPending = true;
    private long generation;
    private Instant launchedAt;
    private boolean readySinceLaunch;
    private int readinessFailures;
    private int livenessFailures;
    private volatile int restarts;
    private volatile String failureReason;
    /** The exit wait and log stream of the current run, closed when they are no longer wanted. */
    private final List<Closeable> watchers = new ArrayList<>();
    private DockerEngine.LogStream logStream;

    DockerReplica(ContainerLabels labels, ReplicaLog log) {
        this.labels = labels;
        this.log = log;
    }

    Replica replica() {
        return labels.replica();
    }

    int ordinal() {
        return labels.ordinal();
    }

    HealthSpec health() {
        return labels.health();
    }

    ReplicaLog log() {
        return log;
    }

    CompletableFuture<Void> stopped() {
        return stopped;
    }

    ReplicaState state() {
        return state;
    }

    synchronized long generation() {
        return generation;
    }

    int restarts() {
        return restarts;
    }

    Optional<String> failureReason() {
        return Optional.ofNullable(failureReason);
    }

    Optional<String> containerId() {
        return Optional.ofNullable(containerId);
    }

    synchronized Optional<DockerEngine.LogStream> logStream() {
        return Optional.ofNullable(logStream);
    }

    /** Whether probes should keep coming: not after a failure or a stop. */
    synchronized boolean isProbed() {
        return state != ReplicaState.FAILED && state != ReplicaState.STOPPED;
    }

    /**
     * Runs the container of generation {@code expectedGeneration}, unless the replica was stopped or restarted again
     * meanwhile. Returns the container's id, or empty when nothing was started (then the state says why).
     */
    synchronized Optional<String> launch(long expectedGeneration, Launcher launcher, Clock clock) {
        if (expectedGeneration != generation || !isProbed()) {
            return Optional.empty();
        }
        try {
            containerId = launcher.launch();
        } catch (DockerEngineException e) {
            fail("cannot start: " + e.getMessage());
            return Optional.empty();
        }
        launchPending = false;
        // Creating and starting a container can take a while on a busy engine: the start period begins after it.
        launchedAt = clock.instant();
        if (labels.health().readiness() == null) {
            // Without a readiness probe a running container is all there is to know.
            readySinceLaunch = true;
            become(ReplicaState.READY);
        }
        return Optional.of(containerId);
    }

    /** Takes over a container a previous runtime launched; it must pass readiness again before it counts as READY. */
    synchronized void adopt(String adoptedContainerId, Instant now) {
        containerId = adoptedContainerId;
        launchPending = false;
        launchedAt = now;
        if (labels.health().readiness() == null) {
            readySinceLaunch = true;
            become(ReplicaState.READY);
        }
    }

    /** Keeps the exit wait or log stream of generation {@code watchedGeneration}; closes it at once if stale. */
    synchronized void watch(long watchedGeneration, Closeable watcher) {
        if (watchedGeneration != generation || state == ReplicaState.STOPPED) {
            closeQuietly(watcher);
            return;
        }
        watchers.add(watcher);
        if (watcher instanceof DockerEngine.LogStream stream) {
            logStream = stream;
        }
    }

    /** Ends every exit wait and log stream (of a stop, a detach or a restart). */
    synchronized void closeWatchers() {
        watchers.forEach(DockerReplica::closeQuietly);
        watchers.clear();
    }

    synchronized void readinessProbed(long probedGeneration, boolean passed, Instant now) {
        if (probedGeneration != generation || launchPending) {
            return;
        }
        ProbeSpec readiness = labels.health().readiness();
        switch (state) {
            case STARTING -> {
                if (passed) {
                    readySinceLaunch = true;
                    readinessFailures = 0;
                    become(ReplicaState.READY);
                } else if (readiness.startPeriod() != null && now.isAfter(launchedAt.plus(readiness.startPeriod()))) {
                    fail("not ready within the start period of " + readiness.startPeriod().toMillis() + " ms ("
                            + readiness.path() + " never answered 2xx)");
                }
            }
            case READY -> {
                if (passed) {
                    readinessFailures = 0;
                } else if (++readinessFailures >= Math.max(1, readiness.failureThreshold())) {
                    become(ReplicaState.NOT_READY);
                }
            }
            case NOT_READY -> {
                if (passed) {
                    readinessFailures = 0;
                    become(ReplicaState.READY);
                }
            }
            default -> {
                // FAILED and STOPPED are final.
            }
        }
    }

    /** Returns {@code true} when this failure is the one that calls for a restart. */
    synchronized boolean livenessProbed(long probedGeneration, boolean passed) {
        boolean countable = probedGeneration == generation && !launchPending && readySinceLaunch
                && (state == ReplicaState.READY || state == ReplicaState.NOT_READY);
        if (!countable) {
            return false;
        }
        if (passed) {
            livenessFailures = 0;
            return false;
        }
        return ++livenessFailures >= Math.max(1, labels.health().liveness().failureThreshold());
    }

    /**
     * Begins a liveness restart of the run of generation {@code failedGeneration}: back to STARTING under a new
     * generation. Returns the container to stop and start again, or empty when the replica is no longer running or
     * that run was already replaced (a restart decided twice happens once).
     */
    synchronized Optional<String> beginRestart(long failedGeneration, Instant now) {
        if (failedGeneration != generation || !isProbed() || launchPending) {
            return Optional.empty();
        }
        generation++;
        restarts++;
        launchPending = true;
        launchedAt = now;
        readySinceLaunch = false;
        readinessFailures = 0;
        livenessFailures = 0;
        become(ReplicaState.STARTING);
        return Optional.ofNullable(containerId);
    }

    /** Returns {@code true} when the exit was unexpected, i.e. this call marked the replica FAILED. */
    synchronized boolean containerExited(long exitedGeneration, String how) {
        if (exitedGeneration != generation || launchPending || !isProbed()) {
            return false;
        }
        fail(how);
        return true;
    }

    /**
     * Marks the replica STOPPED; returns {@code false} when it was stopped already. Afterwards {@link #containerId()}
     * no longer changes, and launch() refuses to start the container again.
     */
    synchronized boolean markStopped() {
        if (state == ReplicaState.STOPPED) {
            return false;
        }
        become(ReplicaState.STOPPED);
        return true;
    }

    /** Waits without spinning until READY, FAILED, STOPPED or the deadline; returns the state at that moment. */
    synchronized ReplicaState awaitReady(Duration deadline) {
        long end = System.nanoTime() + Math.max(0, deadline.toNanos());
        while (state == ReplicaState.STARTING || state == ReplicaState.NOT_READY) {
            long remaining = end - System.nanoTime();
            if (remaining <= 0) {
                break;
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, remaining);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return state;
    }

    private void fail(String reason) {
        failureReason = reason;
        become(ReplicaState.FAILED);
    }

    private void become(ReplicaState next) {
        state = next;
        notifyAll();
    }

    private static void closeQuietly(Closeable closeable) {
        try {
            closeable.close();
        } catch (IOException | RuntimeException e) {
            // A stream that ended already.
        }
    }
}
