package dev.slipway.runtime.swarm;

import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Follows the Swarm tasks of one replica's service and says what changed for the replica since the last look. The
 * swarm runtime lists tasks and nodes through the manager and applies each {@link Observation} to the replica's
 * lifecycle; this class only decides, so that every case can be tested without an engine.
 *
 * <p>What Swarm does and what it means here:
 * <ul>
 *   <li>A task reaches {@code running} (with a HEALTHCHECK in the image, only once healthy): the replica runs there,
 *       at its node's address.</li>
 *   <li>Its node goes down, or Swarm shuts the task down to replace it (a forced update, an unhealthy container):
 *       the replica is lost from that address, and Swarm starts another task, maybe on another node.</li>
 *   <li>Its container exits on a node that is up: the replica crashed (after it was ready: Swarm starts another task
 *       after its restart delay, and the runtime reports the crash) or cannot start (before: the runtime fails it and
 *       scales the service to 0), as a process that exits on the other runtimes.</li>
 *   <li>Before it ever ran: no node can take it (constraints, host port, resources), a node rejects it (typically
 *       its image cannot be pulled), or its HEALTHCHECK never passes. Swarm would keep trying forever; the replica
 *       cannot run, and nothing of it should be left.</li>
 * </ul>
 * Thread-safe; one instance per replica.
 */
final class TaskWatch {

    /** What changed for the replica. */
    sealed interface Observation {
        /** Nothing new. */
        record Unchanged() implements Observation {
        }

        /** Swarm is placing or starting a task, or holding its restart; {@code why} says which (reported once). */
        record Waiting(String why) implements Observation {
        }

        /** A task runs on a node that is up: the replica answers at the node's address (first run, or after a move). */
        record Running(TaskView task, NodeView node) implements Observation {
        }

        /** The running task is gone from its address: its node is down, or Swarm is replacing it. Another follows. */
        record Lost(String why) implements Observation {
        }

        /** Its process ended on a node that is up; Swarm starts another task after its restart delay. */
        record Exited(String how) implements Observation {
        }

        /** It never ran, and waiting will not mend that. Final. */
        record CannotRun(String why, boolean imageProblem) implements Observation {
        }
    }

    private static final Observation UNCHANGED = new Observation.Unchanged();

    /** Tasks already accounted for: the ones reported running, and ended ones already reported. */
    private final Set<String> judged = new HashSet<>();
    private boolean historyPending;
    private String runningTask;
    private boolean everRan;
    private boolean ended;
    private String lastWaiting;

    private TaskWatch(boolean adopted) {
        this.historyPending = adopted;
    }

    /** For a service this runtime just created: every task is news. */
    static TaskWatch forNewService() {
        return new TaskWatch(false);
    }

    /** For a service an earlier runtime created: tasks that ended before this runtime looked are history. */
    static TaskWatch forAdoptedService() {
        return new TaskWatch(true);
    }

    /** The task last seen running, while it is not lost. */
    synchronized Optional<String> runningTask() {
        return Optional.ofNullable(runningTask);
    }

    synchronized Observation observe(List<TaskView> tasks, Map<String, NodeView> nodes) {
        if (historyPending) {
            historyPending = false;
            tasks.stream().filter(task -> !task.wanted()).forEach(task -> judged.add(task.id()));
        }
        if (ended) {
            return UNCHANGED;
        }
        return runningTask != null ? followRunning(tasks, nodes) : awaitRunning(tasks, nodes);
    }

    private Observation followRunning(List<TaskView> tasks, Map<String, NodeView> nodes) {
        TaskView task = tasks.stream().filter(candidate -> candidate.id().equals(runningTask)).findFirst().orElse(null);
        if (task == null) {
            return lost("its task " + shortId(runningTask) + " is no longer listed");
        }
        NodeView node = nodes.get(task.nodeId());
        String where = describe(node, task.nodeId());
        if (node == null || !node.up()) {
            return lost("node " + where + " is down; Swarm moves the task to another node");
        }
        if (task.unhealthy()) {
            return lost("its container HEALTHCHECK failed on node " + where + "; Swarm replaces the task");
        }
        if (task.exited()) {
            runningTask = null;
            return new Observation.Exited(exitedHow(task, where));
        }
        if (!task.wanted() || !task.running()) {
            return lost("Swarm is replacing its task on node " + where + " (" + task.state() + ", wanted "
                    + task.desiredState() + ")");
        }
        return UNCHANGED;
    }

    private Observation awaitRunning(List<TaskView> tasks, Map<String, NodeView> nodes) {
        List<TaskView> oldestFirst = tasks.stream().sorted(Comparator.comparing(TaskView::createdAt)).toList();
        for (TaskView task : oldestFirst) {
            if (judged.contains(task.id())) {
                continue;
            }
            NodeView node = nodes.get(task.nodeId());
            String where = describe(node, task.nodeId());
            boolean nodeUp = node != null && node.up();
            if (task.unhealthy() && nodeUp) {
                judged.add(task.id());
                if (!everRan) {
                    ended = true;
                    return new Observation.CannotRun("its container HEALTHCHECK never passed on node " + where + " ("
                            + task.error() + ")", false);
                }
            } else if (task.exited() && nodeUp) {
                judged.add(task.id());
                return new Observation.Exited(exitedHow(task, where));
            } else if (task.rejected()) {
                judged.add(task.id());
                if (!everRan) {
                    ended = true;
                    return new Observation.CannotRun("node " + where + " cannot start it: " + task.error(),
                            task.imageProblem());
                }
            }
        }
        TaskView newest = oldestFirst.stream().filter(TaskView::wanted).reduce((older, newer) -> newer).orElse(null);
        if (newest == null) {
            return waiting("Swarm has no task for it yet");
        }
        NodeView node = nodes.get(newest.nodeId());
        if (newest.running() && node != null && node.up()) {
            runningTask = newest.id();
            judged.add(newest.id());
            everRan = true;
            lastWaiting = null;
            return new Observation.Running(newest, node);
        }
        if (newest.unplaceable() && !everRan) {
            ended = true;
            return new Observation.CannotRun("no node can take it: " + newest.error(), false);
        }
        String state = newest.error().isEmpty() ? newest.state() : newest.state() + ": " + newest.error();
        return waiting(newest.nodeId().isEmpty() ? "its task is " + state
                : "its task is " + state + " on node " + describe(node, newest.nodeId()));
    }

    private Observation lost(String why) {
        runningTask = null;
        return new Observation.Lost(why);
    }

    private Observation waiting(String why) {
        if (why.equals(lastWaiting)) {
            return UNCHANGED;
        }
        lastWaiting = why;
        return new Observation.Waiting(why);
    }

    private static String exitedHow(TaskView task, String where) {
        return "exited with code " + task.exitCode().orElse(-1) + " on node " + where
                + (task.error().isEmpty() ? "" : " (" + task.error() + ")");
    }

    private static String describe(NodeView node, String nodeId) {
        if (node == null) {
            return nodeId.isEmpty() ? "(none)" : shortId(nodeId);
        }
        return node.hostname() + " (" + node.address() + ")";
    }

    private static String shortId(String id) {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }
}
