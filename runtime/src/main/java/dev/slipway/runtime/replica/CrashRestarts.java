package dev.slipway.runtime.replica;

import dev.slipway.model.support.DaemonThreads;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What every runtime does when a replica's run ends unexpectedly after it had been ready, the same for a process, a
 * container and a Swarm task: its lifecycle takes it back to STARTING (out of routing, counted as a crash in a row),
 * the crash is reported with the end of its log — in the replica's log, to the controller's timeline through
 * {@link LivenessRestarts#report} and as its {@link ReplicaLifecycle#lastCrash} — and it is started again after its
 * {@link CrashBackoff}.
 *
 * <p>An exit that was asked for (a stop, a liveness restart), or of a run that never became ready, is no crash: nothing
 * is done here, and the runtime fails the replica for the latter (a release that cannot start is not mended by starting
 * it again).
 *
 * @param <R> the runtime's replica
 */
public final class CrashRestarts<R extends ReplicaProbes.Probed> {
    /** How many lines of the replica's own output a crash report quotes. */
    private static final int LAST_LINES = 3;

    /** Starts the run of {@code generation} of a crashed replica; called once its backoff has passed. */
    public interface Relaunch<R> {
        void launch(R replica, long generation);
    }

    private final LivenessRestarts<R> reports;
    private final ScheduledExecutorService scheduler;
    private volatile boolean closed;

    /**
     * @param threadPrefix names the thread, e.g. {@code slipway-docker}
     * @param reports      passes a crash report on to the controller, as it does a probe problem
     */
    public CrashRestarts(String threadPrefix, LivenessRestarts<R> reports) {
        this.reports = reports;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(DaemonThreads.single(threadPrefix + "-crash-restarts"));
    }

    /**
     * Counts and reports a crash of the run of {@code exitedGeneration}, then starts the replica again through
     * {@code relaunch} after its backoff. Returns that backoff, or empty when the exit was no crash (see above).
     *
     * @param how     the exit in words for the user, e.g. "exited with code 3"
     * @param logFile the replica's log, whose last lines the report quotes
     */
    public Optional<Duration> restartIfCrashed(R replica, long exitedGeneration, String how, Path logFile,
                                               Relaunch<R> relaunch) {
        int crashes = replica.lifecycle().crashed(exitedGeneration, Instant.now());
        if (crashes == 0) {
            return Optional.empty();
        }
        long generation = replica.lifecycle().generation();
        Duration backoff = CrashBackoff.delay(crashes);
        report(replica, how + " after it was ready (crash " + crashes + " in a row); starting it again in "
                + backoff.toMillis() + " ms", logFile);
        try {
            scheduler.schedule(() -> {
                if (!closed) {
                    relaunch.launch(replica, generation);
                }
            }, backoff.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
            // the runtime is closing: the replica is being stopped anyway
        }
        return Optional.of(backoff);
    }

    public void close() {
        closed = true;
        scheduler.shutdownNow();
    }

    private void report(R replica, String crash, Path logFile) {
        String lastLines = ReplicaLog.lastLines(logFile, LAST_LINES);
        String report = crash + (lastLines.isEmpty() ? "" : "; its log ends with: " + lastLines);
        reports.report(replica, report);
        replica.lifecycle().crashReported(report);
    }
}
