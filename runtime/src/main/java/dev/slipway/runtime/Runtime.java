package dev.slipway.runtime;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Where replicas of a revision run (child processes, containers, ...). The controller only talks to this
 * seam; an adapter never leaks its library's types through it.
 */
public interface Runtime extends AutoCloseable {

    /** Launches one replica and returns at once; it is not ready yet. */
    Replica start(ReplicaRequest request);

    /** Blocks until the replica answers its readiness probe, fails it past its start period, or the deadline. */
    ReplicaState awaitReady(Replica replica, Duration deadline);

    /** The latest probed state of a replica; never blocks on the network. */
    ReplicaState state(Replica replica);

    /**
     * Stops a replica: SIGTERM (or the runtime's equivalent), then a hard kill after {@code grace}.
     * The caller drains traffic first.
     */
    void stop(Replica replica, Duration grace);

    /**
     * The replica as it is now: same id, revision and port, at the host it answers on today. Child processes and
     * containers stay where they started; a Swarm task that its node lost is rescheduled to another node, and routing
     * and draining must follow it there.
     */
    default Replica current(Replica replica) {
        return replica;
    }

    /** Why a FAILED replica failed, in words for the user (e.g. "exited with code 3"); empty when it did not fail. */
    default Optional<String> failureReason(Replica replica) {
        return Optional.empty();
    }

    /**
     * The last time the replica's process ended unexpectedly after it had been ready and was started again for it, in
     * words for the user (exit code, crashes in a row, the end of its log); empty when it never crashed (or this
     * runtime does not restart crashed replicas: they are FAILED instead).
     */
    default Optional<String> lastCrash(Replica replica) {
        return Optional.empty();
    }

    /**
     * Sets how replicas failing liveness are restarted: how many of a revision at once, and how each leaves routing
     * first. Until called, {@link RestartPolicy#ONE_AT_A_TIME}.
     */
    default void useRestartPolicy(RestartPolicy policy) {
    }

    /** Every replica this runtime knows about for a service, including ones adopted after a restart. */
    List<Replica> list(String service);

    /** Stops every replica this runtime started. */
    @Override
    void close();
}
