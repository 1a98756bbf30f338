package dev.slipway.runtime;

/** What the runtime knows of a replica right now. */
public enum ReplicaState {
    /** Launched, readiness not yet passed. */
    STARTING,
    /** Passing readiness: may receive traffic. */
    READY,
    /** Was ready, now failing readiness: gets no new traffic. */
    NOT_READY,
    /** Exited, or failed its probes past the start period. */
    FAILED,
    /** Stopped on request. */
    STOPPED
}
