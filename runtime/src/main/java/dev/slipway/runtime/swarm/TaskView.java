package dev.slipway.runtime.swarm;

import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/**
 * A Swarm task as the swarm runtime reads it: which service it belongs to, where it was placed, the state its node
 * last reported and the state Swarm wants for it.
 *
 * @param nodeId       empty until the scheduler placed it
 * @param state        Swarm's task state: new, pending, assigned, accepted, preparing, starting, running, complete,
 *                     shutdown, failed, rejected, remove, orphaned
 * @param desiredState what Swarm wants: ready or running for a task that should run, shutdown or remove otherwise
 * @param message      Swarm's words for the state, e.g. "started"
 * @param error        why it is stuck or ended, e.g. "no suitable node (...)"; empty when nothing is wrong
 * @param exitCode     the exit code of its container, once it ended
 */
record TaskView(String id, String serviceId, String nodeId, String state, String desiredState, String message,
                String error, Optional<Integer> exitCode, Instant createdAt) {

    boolean running() {
        return state.equals("running");
    }

    /** Swarm still wants it to run (a replacement waiting for its restart delay is "ready"). */
    boolean wanted() {
        return desiredState.equals("running") || desiredState.equals("ready");
    }

    /** Its container ran and ended on its own: exited (failed: non-zero, complete: zero). */
    boolean exited() {
        return (state.equals("failed") || state.equals("complete")) && exitCode.isPresent();
    }

    /** Its node could not start it, e.g. the image could not be pulled. */
    boolean rejected() {
        return state.equals("rejected");
    }

    /** Rejected for want of its image: the node has no such image and could not pull it. */
    boolean imageProblem() {
        String lower = error.toLowerCase(Locale.ROOT);
        return lower.contains("no such image") || lower.contains("pull") || lower.contains("manifest");
    }

    /** Docker killed its container because the image's HEALTHCHECK failed. */
    boolean unhealthy() {
        return error.contains("unhealthy");
    }

    /** The scheduler found no node for it (constraints, host port in use, resources). */
    boolean unplaceable() {
        return state.equals("pending") && error.startsWith("no suitable node");
    }
}
