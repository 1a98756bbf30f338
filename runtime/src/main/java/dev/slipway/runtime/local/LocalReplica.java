package dev.slipway.runtime.local;

import dev.slipway.model.ProbeSpec;
import dev.slipway.runtime.Replica;
import dev.slipway.runtime.ReplicaState;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One replica of the local runtime and its state machine. Every transition is a named, synchronized method; probe
 * results and exit notices carry the launch generation they belong to, so news about a process that was already
 * replaced by a liveness restart is ignored.
 */
final class LocalReplica {

    /** Starts the replica's process; called with the replica's lock held so that stop() cannot slip in between. */
    interface Launcher {
        Process launch() throws IOException;
    }

    private final Replica replica;
    private final int ordinal;
    private final LaunchPlan plan;
    private final Path logFile;
    /** Completes once stop() has ended the process, so that a second stop() can wait for the first. */
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();

    private ReplicaState state = ReplicaState.STARTING;
    private ProcessHandle process;
    private Instant processStart;
    /** True between a liveness restart's decision and the new process's launch: probes must not count then. */
    private boolean launchPending = true;
    private long generation;
    private Instant launchedAt;
    private boolean readySinceLaunch;
    private int readinessFailures;
    private int livenessFailures;
    private int restarts;
    private String failureReason;

    LocalReplica(Replica replica, int ordinal, LaunchPlan plan, Path logFile) {
        this.replica = replica;
        this.ordinal = ordinal;
        this.plan = plan;
        this.logFile = logFile;
    }

    Replica replica() {
        return replica;
    }

    int ordinal() {
        return ordinal;
    }

    LaunchPlan plan() {
        return plan;
    }

    Path logFile() {
        return logFile;
    }

    CompletableFuture<Void> stopped() {
        return stopped;
    }

    synchronized ReplicaState state() {
        return state;
    }

    synchronized long generation() {
        return generation;
    }

    synchronized int restarts() {
        return restarts;
    }

    synchronized Optional<String> failureReason() {
        return Optional.ofNullable(failureReason);
    }

    synchronized Optional<ProcessHandle> process() {
        return Optional.ofNullable(process);
    }

    /** Whether probes should keep coming: not after a failure or a stop. */
    synchronized boolean isProbed() {
        return state != ReplicaState.FAILED && state != ReplicaState.STOPPED;
    }

    /**
     * Launches the process of generation {@code expectedGeneration}, unless the replica was stopped or restarted
     * again meanwhile. Returns the new process, or empty when nothing was launched (then the state says why).
     */
    synchronized Optional<Process> launch(long expectedGeneration, Launcher launcher, Instant now) {
        if (expectedGeneration != generation || !isProbed()) {
            return Optional.empty();
        }
        Process launched;
        try {
            launched = launcher.launch();
        } catch (IOException | RuntimeException e) {
            fail("cannot start " + plan.command() + ": " + e.getMessage());
            return Optional.empty();
        }
        process = launched.toHandle();
        processStart = process.info().startInstant().orElse(now);
        launchPending = false;
        launchedAt = now;
        if (plan.health().readiness() == null) {
            // Without a readiness probe a running process is all there is to know.
            readySinceLaunch = true;
            become(ReplicaState.READY);
        }
        return Optional.of(launched);
    }

    /** Takes over a process a previous runtime launched; it must pass readiness again before it counts as READY. */
    synchronized void adopt(ProcessHandle adoptedProcess, Instant adoptedProcessStart, int previousRestarts,
                            Instant now) {
        process = adoptedProcess;
        processStart = adoptedProcessStart;
        restarts = previousRestarts;
        launchPending = false;
        launchedAt = now;
    }

    synchronized void readinessProbed(long probedGeneration, boolean passed, Instant now) {
        if (probedGeneration != generation || launchPending) {
            return;
        }
        ProbeSpec readiness = plan.health().readiness();
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
        return ++livenessFailures >= Math.max(1, plan.health().liveness().failureThreshold());
    }

    /**
     * Begins a liveness restart: back to STARTING under a new generation. Returns the process to end before the
     * relaunch, or empty when the replica is no longer running.
     */
    synchronized Optional<ProcessHandle> beginRestart(Instant now) {
        if (!isProbed() || launchPending) {
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
        return Optional.ofNullable(process);
    }

    /** Returns {@code true} when the exit was unexpected, i.e. this call marked the replica FAILED. */
    synchronized boolean processExited(long exitedGeneration, String how) {
        if (exitedGeneration != generation || launchPending || !isProbed()) {
            return false;
        }
        fail(how);
        return true;
    }

    /**
     * Marks the replica STOPPED; returns {@code false} when it was stopped already. Afterwards {@link #process()} no
     * longer changes: during a restart it is the old process, and launch() refuses to start the new one.
     */
    synchronized boolean markStopped() {
        if (state == ReplicaState.STOPPED) {
            return false;
        }
        become(ReplicaState.STOPPED);
        return true;
    }

    synchronized ReplicaStateFile stateFile() {
        return new ReplicaStateFile(replica, ordinal, plan, process.pid(), processStart, restarts);
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
}
