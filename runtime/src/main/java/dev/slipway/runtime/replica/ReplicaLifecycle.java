package dev.slipway.runtime.replica;

import dev.slipway.model.HealthSpec;
import dev.slipway.model.ProbeSpec;
import dev.slipway.runtime.ReplicaState;
import dev.slipway.runtime.probe.ProbeResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The state machine of one replica, the same for a child process and a container: STARTING until readiness passes
 * (FAILED if it does not within the start period), READY and NOT_READY by readiness, a liveness restart back to
 * STARTING once a replica that was ready fails liveness often enough, FAILED on an unexpected exit, STOPPED once.
 *
 * <p>A probe path that answers 404 is a wrong path, not a sick replica: waiting or restarting cannot fix it. Readiness
 * answering 404 {@code failureThreshold} times in a row fails the replica at once with a reason naming the path (rather
 * than after the whole start period); liveness answering 404 that often ends liveness probing of the replica instead
 * of restarting it, and the runtime reports it ({@link LivenessVerdict#PATH_NOT_FOUND}).
 *
 * <p>Every transition is a named, synchronized method. Probe results and exit notices carry the launch generation
 * they belong to, so news about a run that a liveness restart already replaced is ignored. The state and what the
 * runtime reports are readable without the lock: {@link #state()} must never wait for a launch, which may call the
 * Docker engine while holding it.
 *
 * @param <H> what runs: a process handle for the local runtime, a container id for the docker runtime
 */
public final class ReplicaLifecycle<H> {

    /** Starts the run; called with the lifecycle's lock held so that a stop cannot slip in between. */
    public interface Launcher<H> {
        H launch() throws IOException;
    }

    private static final Logger log = LoggerFactory.getLogger(ReplicaLifecycle.class);

    private final String replicaId;
    private final HealthSpec health;
    /** Completes once the one stop has ended the run, so that a second stop can wait for the first. */
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();

    private volatile ReplicaState state = ReplicaState.STARTING;
    private volatile H running;
    private volatile int restarts;
    private volatile String failureReason;
    private volatile String lastCrash;
    /** True between a liveness restart's decision and the new run's start: probes must not count then. */
    private boolean launchPending = true;
    private long generation;
    private Instant launchedAt;
    private boolean readySinceLaunch;
    private int readinessFailures;
    private int livenessFailures;
    private int readinessNotFound;
    private int livenessNotFound;
    /** Set once liveness answered 404 too often: probing it further would only repeat that. */
    private boolean livenessPathMissing;
    private int crashesInARow;

    /** What a liveness probe result means for the replica. */
    public enum LivenessVerdict {
        /** Nothing to do. */
        KEEP,
        /** It failed often enough in a row: restart the replica (when the restart budget allows). */
        RESTART,
        /** The path answered 404 often enough in a row: stop probing liveness and report the wrong path, once. */
        PATH_NOT_FOUND
    }

    /** @param replicaId names the replica in log messages */
    public ReplicaLifecycle(String replicaId, HealthSpec health) {
        this.replicaId = replicaId;
        this.health = health;
    }

    public HealthSpec health() {
        return health;
    }

    public ReplicaState state() {
        return state;
    }

    public synchronized long generation() {
        return generation;
    }

    public int restarts() {
        return restarts;
    }

    public Optional<String> failureReason() {
        return Optional.ofNullable(failureReason);
    }

    /** The report of the latest crash after which the replica was started again ({@link CrashRestarts}); empty if none. */
    public Optional<String> lastCrash() {
        return Optional.ofNullable(lastCrash);
    }

    /** Keeps the report of a crash counted by {@link #crashed}, for {@link #lastCrash}. */
    public void crashReported(String report) {
        lastCrash = report;
    }

    /** The current run; after a stop it no longer changes (during a restart it is the previous run). */
    public Optional<H> running() {
        return Optional.ofNullable(running);
    }

    /** Whether probes should keep coming: not after a failure or a stop. */
    public synchronized boolean isProbed() {
        return state != ReplicaState.FAILED && state != ReplicaState.STOPPED;
    }

    /**
     * Starts the run of generation {@code expectedGeneration}, unless the replica was stopped or restarted again
     * meanwhile. Returns what now runs, or empty when nothing was started (then the state says why).
     *
     * @param what  names what failed to start in the failure reason, e.g. the command; empty when the launcher's
     *              own message says it
     * @param clock read after the launch: starting can take a while on a busy engine, the start period begins after
     */
    public synchronized Optional<H> launch(long expectedGeneration, String what, Launcher<H> launcher, Clock clock) {
        if (expectedGeneration != generation || !isProbed()) {
            return Optional.empty();
        }
        try {
            running = launcher.launch();
        } catch (IOException | RuntimeException e) {
            fail("cannot start" + (what.isEmpty() ? "" : " " + what) + ": " + e.getMessage());
            return Optional.empty();
        }
        launchPending = false;
        launchedAt = clock.instant();
        readyWithoutReadinessProbe();
        return Optional.of(running);
    }

    /** Takes over a run a previous runtime started; it must pass readiness again before it counts as READY. */
    public synchronized void adopt(H adopted, int previousRestarts, Instant now) {
        running = adopted;
        restarts = previousRestarts;
        launchPending = false;
        launchedAt = now;
        readyWithoutReadinessProbe();
    }

    public synchronized void readinessProbed(long probedGeneration, boolean passed, Instant now) {
        readinessProbed(probedGeneration, passed ? ProbeResult.PASSED : ProbeResult.FAILED, now);
    }

    public synchronized void readinessProbed(long probedGeneration, ProbeResult result, Instant now) {
        if (probedGeneration != generation || launchPending || !isProbed()) {
            return;
        }
        ProbeSpec readiness = health.readiness();
        readinessNotFound = result == ProbeResult.NOT_FOUND ? readinessNotFound + 1 : 0;
        if (readinessNotFound >= Math.max(1, readiness.failureThreshold())) {
            fail("readiness path " + readiness.path() + " answered 404 Not Found " + readinessNotFound
                    + " times in a row: the app serves no such path; set release.health.readiness.path to a path it"
                    + " answers 2xx on once it can take requests");
            return;
        }
        boolean passed = result.passed();
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
    public synchronized boolean livenessProbed(long probedGeneration, boolean passed) {
        return livenessProbed(probedGeneration, passed ? ProbeResult.PASSED : ProbeResult.FAILED)
                == LivenessVerdict.RESTART;
    }

    /**
     * Counts a liveness result. Failures count only once the run was ready (a start period is honoured that way);
     * a 404 counts from the first answer, since it proves the app's server runs.
     */
    public synchronized LivenessVerdict livenessProbed(long probedGeneration, ProbeResult result) {
        if (probedGeneration != generation || launchPending || !isLivenessProbed()) {
            return LivenessVerdict.KEEP;
        }
        int threshold = Math.max(1, health.liveness().failureThreshold());
        livenessNotFound = result == ProbeResult.NOT_FOUND ? livenessNotFound + 1 : 0;
        if (livenessNotFound >= threshold) {
            livenessPathMissing = true;
            return LivenessVerdict.PATH_NOT_FOUND;
        }
        boolean countable = readySinceLaunch && (state == ReplicaState.READY || state == ReplicaState.NOT_READY);
        if (!countable || result == ProbeResult.NOT_FOUND) {
            return LivenessVerdict.KEEP;
        }
        if (result.passed()) {
            livenessFailures = 0;
            return LivenessVerdict.KEEP;
        }
        return ++livenessFailures >= threshold ? LivenessVerdict.RESTART : LivenessVerdict.KEEP;
    }

    /** Whether liveness probes should keep coming: the replica is probed, has a liveness probe and its path exists. */
    public synchronized boolean isLivenessProbed() {
        return health.liveness() != null && !livenessPathMissing && isProbed();
    }

    /**
     * Whether the run of {@code failedGeneration} still calls for the restart decided earlier: a restart that waited
     * for its turn is dropped when the replica recovered, was restarted or stopped meanwhile.
     */
    public synchronized boolean stillNeedsRestart(long failedGeneration) {
        return failedGeneration == generation && !launchPending && isLivenessProbed()
                && livenessFailures >= Math.max(1, health.liveness().failureThreshold());
    }

    /**
     * Begins a liveness restart of the run of generation {@code failedGeneration}: back to STARTING under a new
     * generation. Returns the run to end before the next launch, or empty when the replica is no longer running or
     * that run was already replaced (a restart decided twice happens once).
     */
    public synchronized Optional<H> beginRestart(long failedGeneration, Instant now) {
        if (failedGeneration != generation || !isProbed() || launchPending) {
            return Optional.empty();
        }
        nextGeneration(now);
        return Optional.ofNullable(running);
    }

    /**
     * An unexpected exit of a run that had become ready: the replica goes back to STARTING under a new generation
     * (out of routing), and its next launch waits for the caller's {@link CrashBackoff}. Returns how many crashes in
     * a row this is (a run that lasted {@link CrashBackoff#FORGIVEN} counts from 1 again), or 0 when the exit was
     * expected (a stop, a liveness restart) or the run never became ready: {@link #exited} fails those, since a
     * release that cannot start is not mended by starting it again.
     */
    public synchronized int crashed(long exitedGeneration, Instant now) {
        if (exitedGeneration != generation || launchPending || !isProbed() || !readySinceLaunch) {
            return 0;
        }
        crashesInARow = launchedAt.plus(CrashBackoff.FORGIVEN).isBefore(now) ? 1 : crashesInARow + 1;
        nextGeneration(now);
        return crashesInARow;
    }

    /** Back to STARTING under a new generation whose launch is pending; the probes' counts start again. */
    private void nextGeneration(Instant now) {
        generation++;
        restarts++;
        launchPending = true;
        launchedAt = now;
        readySinceLaunch = false;
        readinessFailures = 0;
        livenessFailures = 0;
        readinessNotFound = 0;
        livenessNotFound = 0;
        become(ReplicaState.STARTING);
    }

    /** Returns {@code true} when the exit was unexpected, i.e. this call marked the replica FAILED. */
    public synchronized boolean exited(long exitedGeneration, String how) {
        if (exitedGeneration != generation || launchPending || !isProbed()) {
            return false;
        }
        fail(how);
        return true;
    }

    /**
     * FAILED now, whether a run is up or the next launch is pending: for what no waiting mends, e.g. no Swarm node
     * can pull the image or meet the placement. Returns {@code true} when this call failed the replica.
     */
    public synchronized boolean giveUp(String reason) {
        if (!isProbed()) {
            return false;
        }
        fail(reason);
        return true;
    }

    /** Marks the replica STOPPED; returns {@code false} when it was stopped already. Launches are refused after. */
    public synchronized boolean markStopped() {
        if (state == ReplicaState.STOPPED) {
            return false;
        }
        become(ReplicaState.STOPPED);
        return true;
    }

    /**
     * Stops the replica once: the first call marks it STOPPED and runs {@code ending} (end the run, free what it
     * held); a concurrent or later call waits for the first to finish instead, at most the grace and ten seconds.
     *
     * @return {@code true} when this call did the stop
     */
    public boolean stop(Duration grace, Runnable ending) {
        if (!markStopped()) {
            try {
                stopped.get(grace.toMillis() + 10_000, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                log.warn("{}: the concurrent stop did not finish: {}", replicaId, e.toString());
            }
            return false;
        }
        try {
            ending.run();
        } finally {
            stopped.complete(null);
        }
        return true;
    }

    /** Waits without spinning until READY, FAILED, STOPPED or the deadline; returns the state at that moment. */
    public synchronized ReplicaState awaitReady(Duration deadline) {
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

    private void readyWithoutReadinessProbe() {
        if (health.readiness() == null) {
            // Without a readiness probe a running replica is all there is to know.
            readySinceLaunch = true;
            become(ReplicaState.READY);
        }
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
