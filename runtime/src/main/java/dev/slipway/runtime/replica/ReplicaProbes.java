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
 * {@link ReplicaLifecycle} and hands a liveness restart to the runtime, which alone knows how to end and start a run.
 * Probing a replica ends when it fails or stops, or when this is closed.
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

    /** Ends the run of {@code failedGeneration} and starts it again; called on a probe thread, must not block. */
    public interface Restart<R> {
        void restart(R replica, long failedGeneration, ProbeSpec liveness);
    }

    private final Restart<R> restart;
    private final HttpProbe probe;
    private final ScheduledThreadPoolExecutor scheduler;
    private volatile boolean closed;

    /** @param threadPrefix names the threads, e.g. {@code slipway-local}, so that a thread dump shows whose they are */
    public ReplicaProbes(String threadPrefix, Restart<R> restart) {
        this.restart = restart;
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
        probe.passes(replica.replica().host(), replica.replica().port(), readiness).thenAccept(passed -> {
            ReplicaState before = lifecycle.state();
            lifecycle.readinessProbed(generation, passed, Instant.now());
            reportChange(replica, before);
            later(() -> probeReadiness(replica, readiness), period(readiness, ProbeSpec.readinessDefault()));
        });
    }

    private void probeLiveness(R replica, ProbeSpec liveness) {
        ReplicaLifecycle<?> lifecycle = replica.lifecycle();
        if (closed || !lifecycle.isProbed()) {
            return;
        }
        long generation = lifecycle.generation();
        probe.passes(replica.replica().host(), replica.replica().port(), liveness).thenAccept(passed -> {
            if (lifecycle.livenessProbed(generation, passed) && !closed) {
                restart.restart(replica, generation, liveness);
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
            String reason = replica.lifecycle().failureReason().orElse("failed");
            log.warn("{} FAILED: {}", replica.replica().id(), reason);
            replica.note("FAILED: " + reason);
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
