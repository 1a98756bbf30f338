package dev.slipway.runtime.replica;

import dev.slipway.model.ProbeSpec;
import dev.slipway.model.support.DaemonThreads;
import dev.slipway.runtime.Replica;
import dev.slipway.runtime.ReplicaState;
import dev.slipway.runtime.RestartPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

/**
 * Liveness restarts of one runtime, within the {@link RestartPolicy}'s budget: per revision, at most
 * {@code maxRestarting} replicas restart at once, each one from the moment it leaves READY until it is READY again (or
 * failed, or stopped); a replica whose turn has not come keeps running, and serving if its readiness still passes, and
 * is restarted only if it still fails liveness when its turn comes. The runtime's part — leave routing through
 * {@link #drain}, end the run, launch the next — runs on a thread of this class, never on a probe thread.
 *
 * <p>Without the budget, replicas that fail together (an app without the probed path, a database outage) were all
 * restarted at the same moment and nothing was left to serve.
 *
 * @param <R> the runtime's replica
 */
public final class LivenessRestarts<R extends ReplicaProbes.Probed> {
    private static final Logger log = LoggerFactory.getLogger(LivenessRestarts.class);
    /** Added to the start period while waiting for a restarted replica to be ready again. */
    private static final Duration READY_MARGIN = Duration.ofSeconds(5);

    /** The runtime's part of a restart; blocking. Returns {@code false} when nothing was restarted after all. */
    public interface Restart<R> {
        boolean restart(R replica, long failedGeneration, ProbeSpec liveness);
    }

    private record Request<R extends ReplicaProbes.Probed>(R replica, long failedGeneration, ProbeSpec liveness) {
        String revision() {
            return replica.replica().service() + "/" + replica.replica().revision();
        }
    }

    private final Restart<R> restart;
    private final ExecutorService threads;
    private volatile RestartPolicy policy = RestartPolicy.ONE_AT_A_TIME;
    /** Guarded by {@code this}: restarts under way per revision, requests waiting for their turn, replicas in either. */
    private final Map<String, Integer> restarting = new HashMap<>();
    private final Map<String, Deque<Request<R>>> waiting = new HashMap<>();
    private final Set<String> requested = new HashSet<>();
    private boolean closed;

    /** @param threadPrefix names the restart threads, e.g. {@code slipway-local} */
    public LivenessRestarts(String threadPrefix, Restart<R> restart) {
        this.restart = restart;
        this.threads = Executors.newCachedThreadPool(DaemonThreads.named(threadPrefix + "-restart"));
    }

    public void use(RestartPolicy policy) {
        this.policy = policy == null ? RestartPolicy.ONE_AT_A_TIME : policy;
    }

    /** Asks for a restart of the run of {@code failedGeneration}; returns at once. A second ask for a replica whose restart is pending is ignored. */
    public void request(R replica, long failedGeneration, ProbeSpec liveness) {
        Request<R> request = new Request<>(replica, failedGeneration, liveness);
        synchronized (this) {
            if (closed || !requested.add(replica.replica().id())) {
                return;
            }
            if (restarting.getOrDefault(request.revision(), 0) >= budget(replica)) {
                waiting.computeIfAbsent(request.revision(), revision -> new ArrayDeque<>()).add(request);
                String message = "liveness failed on " + liveness.path() + "; waiting for the restart of another"
                        + " replica of " + replica.replica().revision() + " to finish first";
                log.info("{}: {}", replica.replica().id(), message);
                replica.note(message);
                return;
            }
            restarting.merge(request.revision(), 1, Integer::sum);
        }
        run(request);
    }

    /**
     * Says why the replica restarts (log and the replica's own log), takes it out of routing and waits for its
     * requests to end; the runtime calls it once the restart has begun, before it ends the run.
     */
    public void announceAndDrain(R replica, ProbeSpec liveness) {
        String message = "restarting " + replica.replica().id() + ": liveness failed " + liveness.failureThreshold()
                + " times in a row on " + liveness.path() + " (restart " + replica.lifecycle().restarts() + ")";
        log.warn(message);
        replica.note(message);
        try {
            policy.drain(replica.replica());
        } catch (RuntimeException e) {
            log.warn("{}: could not drain before the restart: {}", replica.replica().id(), e.toString());
        }
    }

    /** Passes a probe problem the user must fix on to the policy (the controller shows it), and to the logs. */
    public void report(R replica, String problem) {
        log.warn("{}: {}", replica.replica().id(), problem);
        replica.note(problem);
        try {
            policy.report(replica.replica(), problem);
        } catch (RuntimeException e) {
            log.warn("{}: could not report '{}': {}", replica.replica().id(), problem, e.toString());
        }
    }

    public void close() {
        synchronized (this) {
            closed = true;
            waiting.clear();
        }
        threads.shutdownNow();
    }

    private void run(Request<R> request) {
        try {
            threads.execute(() -> {
                try {
                    if (request.replica().lifecycle().stillNeedsRestart(request.failedGeneration())
                            && restart.restart(request.replica(), request.failedGeneration(), request.liveness())) {
                        awaitBackInService(request.replica());
                    }
                } catch (RuntimeException e) {
                    log.warn("{}: the liveness restart failed: {}", request.replica().replica().id(), e.toString());
                } finally {
                    finished(request);
                }
            });
        } catch (RejectedExecutionException runtimeClosed) {
            finished(request);
        }
    }

    /** Holds the revision's budget until the restarted replica is READY again, or will not be. */
    private void awaitBackInService(R replica) {
        ProbeSpec readiness = replica.lifecycle().health().readiness();
        Duration startPeriod = readiness == null || readiness.startPeriod() == null
                ? ProbeSpec.readinessDefault().startPeriod() : readiness.startPeriod();
        ReplicaState state = replica.lifecycle().awaitReady(startPeriod.plus(READY_MARGIN));
        if (state != ReplicaState.READY) {
            log.warn("{}: {} after its liveness restart", replica.replica().id(), state);
        }
    }

    private void finished(Request<R> done) {
        Request<R> next = null;
        synchronized (this) {
            requested.remove(done.replica().replica().id());
            Deque<Request<R>> queue = waiting.get(done.revision());
            if (!closed && queue != null && !queue.isEmpty()) {
                next = queue.poll(); // takes over the slot the finished restart held
            } else {
                restarting.computeIfPresent(done.revision(), (revision, count) -> count > 1 ? count - 1 : null);
            }
            if (queue != null && queue.isEmpty()) {
                waiting.remove(done.revision());
            }
        }
        if (next != null) {
            run(next);
        }
    }

    private int budget(R replica) {
        try {
            return Math.max(1, policy.maxRestarting(replica.replica()));
        } catch (RuntimeException e) {
            log.warn("{}: no restart budget known, restarting one at a time: {}", replica.replica().id(), e.toString());
            return 1;
        }
    }
}
