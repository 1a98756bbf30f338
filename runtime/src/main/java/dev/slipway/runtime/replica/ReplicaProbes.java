package dev.slipway.runtime.replica;

import dev.slipway.model.support.DaemonThreads;

import dev.slipway.model.ProbeSpec;
import dev.slipway.runtime.Replica;
import dev.slipway.runtime.ReplicaState;
import dev.slipway.runtime.probe.HttpProbe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Probes the readiness and liveness of a runtime's replicas over HTTP at their address (127.0.0.1 unless they run on
 * another machine), each probe on its own period, on a small shared scheduler; feeds the results into each replica's
 * {@link ReplicaLifecycle} and hands a liveness restart to {@link LivenessRestarts}, which restarts within the
 * revision's budget through the runtime. Probing a replica ends when it fails or stops, or when this is closed;
 * liveness probing also ends when its path answers 404.
 *
 * @param <R> the runtime's replica
 */
public final class ReplicaProbes<R extends ReplicaProbes.Probed> {
    private static final Logger log = LoggerFactory.getLogger(ReplicaProbes.class);
    private static final int PROBE_THREADS = 2;

    /** What probing needs of a runtime's replica. */
    public interface Probed {
        Replica replica();

        /** Which of its revision's replicas it is, from 0. */
        int ordinal();

        ReplicaLifecycle<?> lifecycle();

        /** Appends a line to the replica's own log, where the user reads its output. */
        void note(String line);
    }

    private final LivenessRestarts<R> restarts;
    private final HttpProbe probe;
    private final ScheduledThreadPoolExecutor scheduler;
    private volatile boolean closed;

    /** @param threadPrefix names the threads, e.g. {@code slipway-local}, so that a thread dump shows whose they are */
    public ReplicaProbes(String threadPrefix, LivenessRestarts<R> restarts) {
        this.restarts = restarts;
        this.probe = new HttpProbe(DaemonThreads.named(threadPrefix + "-http"));
        this.scheduler = new ScheduledThreadPoolExecutor(PROBE_THREADS, DaemonThreads.named(threadPrefix + "-probe"));
        scheduler.setRemoveOnCancelPolicy(true);
    }

    /** Begins probing; the first probes come one period after this call. */
    public void start(R replica) {
        ProbeSpec readiness = replica.lifecycle().health().readiness();
        ProbeSpec liveness = replica.lifecycle().health().liveness();
        if (readiness != null) {
            later(() -> probeReadiness(replica, readiness), period(readiness, ProbeSpec.readinessDefault()));
        }
        if (liveness != null) {
            later(() -> probeLiveness(replica, liveness), period(liveness, ProbeSpec.livenessDefault()));
        }
    }

    public void close() {
        closed = true;
        scheduler.shutdownNow();
        probe.close();
    }

    private void probeReadiness(R replica, ProbeSpec readiness) {
        ReplicaLifecycle<?> lifecycle = replica.lifecycle();
        if (closed || !lifecycle.isProbed()) {
            return;
        }
        long generation = lifecycle.generation();
        probe.check(replica.replica().host(), replica.replica().port(), readiness).thenAccept(result -> {
            ReplicaState before = lifecycle.state();
            lifecycle.readinessProbed(generation, result, Instant.now());
            reportChange(replica, before);
            later(() -> probeReadiness(replica, readiness), period(readiness, ProbeSpec.readinessDefault()));
        });
    }

    private void probeLiveness(R replica, ProbeSpec liveness) {
        ReplicaLifecycle<?> lifecycle = replica.lifecycle();
        if (closed || !lifecycle.isLivenessProbed()) {
            return;
        }
        long generation = lifecycle.generation();
        probe.check(replica.replica().host(), replica.replica().port(), liveness).thenAccept(result -> {
            switch (lifecycle.livenessProbed(generation, result)) {
                case RESTART -> {
                    if (!closed) {
                        restarts.request(replica, generation, liveness);
                    }
                }
                case PATH_NOT_FOUND -> restarts.report(replica, "liveness path " + liveness.path()
                        + " answered 404 Not Found " + liveness.failureThreshold() + " times in a row: the app"
                        + " serves no such path, so liveness is not probed on this replica and it is never restarted"
                        + " for it; set release.health.liveness.path to a path the app serves, or remove liveness");
                case KEEP -> { }
            }
            later(() -> probeLiveness(replica, liveness), period(liveness, ProbeSpec.livenessDefault()));
        });
    }

    private void reportChange(R replica, ReplicaState before) {
        ReplicaState after = replica.lifecycle().state();
        if (after == before) {
            return;
        }
        if (after == ReplicaState.FAILED) {
            restarts.report(replica, "FAILED: " + replica.lifecycle().failureReason().orElse("failed"));
        } else {
            log.info("{} {} -> {}", replica.replica().id(), before, after);
        }
    }

    private void later(Runnable task, Duration delay) {
        if (closed) {
            return;
        }
        try {
            scheduler.schedule(task, Math.max(1, delay.toMillis()), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException probesClosed) {
            // Probing ends with the runtime.
        }
    }

    /** A probe read back from container labels may lack a period. */
    private static Duration period(ProbeSpec probe, ProbeSpec fallback) {
        return probe.period() == null ? fallback.period() : probe.period();
    }
}
