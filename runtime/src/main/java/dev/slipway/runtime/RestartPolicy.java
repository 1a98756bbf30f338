package dev.slipway.runtime;

/**
 * How a runtime may restart replicas that fail liveness, decided by whoever routes traffic to them (the controller),
 * so that restarts alone can never cause an outage: at most {@link #maxRestarting} replicas of a revision restart at
 * once (the others wait for the restarted one to be ready again), and each one leaves routing and finishes its
 * requests ({@link #drain}) before its run ends.
 */
public interface RestartPolicy {

    /** Until a controller sets its own: one replica of a revision at a time, nothing to drain, reports only logged. */
    RestartPolicy ONE_AT_A_TIME = new RestartPolicy() {
        @Override
        public int maxRestarting(Replica replica) {
            return 1;
        }

        @Override
        public void drain(Replica replica) {
        }

        @Override
        public void report(Replica replica, String problem) {
        }
    };

    /** How many replicas of {@code replica}'s revision may be restarting at once; less than 1 counts as 1. */
    int maxRestarting(Replica replica);

    /**
     * Takes the replica out of routing and returns once its in-flight requests have ended (or a drain timeout passed).
     * Called on a restart thread, after the replica stopped being READY and before its run is ended.
     */
    void drain(Replica replica);

    /** A problem with the replica's probes that the user must fix in the spec, e.g. a liveness path that answers 404. */
    void report(Replica replica, String problem);
}
