package dev.slipway.runtime.swarm;

import dev.slipway.runtime.swarm.TaskWatch.Observation;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** What the swarm runtime makes of the tasks Swarm lists for one replica's service. */
class TaskWatchTest {
    private static final NodeView ALPHA = new NodeView("n-alpha", "alpha", "10.77.0.2", true);
    private static final NodeView BETA = new NodeView("n-beta", "beta", "10.77.0.3", true);
    private static final NodeView BETA_DOWN = new NodeView("n-beta", "beta", "10.77.0.3", false);

    @Test
    void aTaskThatRunsOnANodeThatIsUpPlacesTheReplicaAtThatNodesAddressOnce() {
        TaskWatch watch = TaskWatch.forNewService();

        assertThat(watch.observe(List.of(task("t1", "n-beta", "preparing", "running", 1)), nodes(ALPHA, BETA)))
                .isEqualTo(new Observation.Waiting("its task is preparing on node beta (10.77.0.3)"));
        Observation running = watch.observe(List.of(task("t1", "n-beta", "running", "running", 1)), nodes(ALPHA, BETA));

        assertThat(running).isInstanceOfSatisfying(Observation.Running.class, placed -> {
            assertThat(placed.node().address()).isEqualTo("10.77.0.3");
            assertThat(placed.task().id()).isEqualTo("t1");
        });
        assertThat(watch.observe(List.of(task("t1", "n-beta", "running", "running", 1)), nodes(ALPHA, BETA)))
                .isInstanceOf(Observation.Unchanged.class);
    }

    @Test
    void whenItsNodeGoesDownTheReplicaIsLostUntilSwarmRunsItsTaskOnAnotherNode() {
        TaskWatch watch = running("t1", BETA);

        Observation lost = watch.observe(List.of(task("t1", "n-beta", "running", "shutdown", 1),
                task("t2", "", "pending", "ready", 2)), nodes(ALPHA, BETA_DOWN));
        Observation waiting = watch.observe(List.of(task("t1", "n-beta", "running", "shutdown", 1),
                task("t2", "n-alpha", "starting", "running", 2)), nodes(ALPHA, BETA_DOWN));
        Observation moved = watch.observe(List.of(task("t1", "n-beta", "running", "shutdown", 1),
                task("t2", "n-alpha", "running", "running", 2)), nodes(ALPHA, BETA_DOWN));

        assertThat(lost).isEqualTo(new Observation.Lost("node beta (10.77.0.3) is down; Swarm moves the task to another node"));
        assertThat(waiting).isEqualTo(new Observation.Waiting("its task is starting on node alpha (10.77.0.2)"));
        assertThat(moved).isInstanceOfSatisfying(Observation.Running.class,
                placed -> assertThat(placed.node()).isEqualTo(ALPHA));
    }

    @Test
    void aNodeThatIsDownButStillListsTheTaskAsWantedHoldsTheReplicaBack() {
        TaskWatch watch = running("t1", BETA);

        assertThat(watch.observe(List.of(task("t1", "n-beta", "running", "running", 1)), nodes(ALPHA, BETA_DOWN)))
                .isInstanceOf(Observation.Lost.class);
        assertThat(watch.observe(List.of(task("t1", "n-beta", "running", "running", 1)), nodes(ALPHA, BETA_DOWN)))
                .isEqualTo(new Observation.Waiting("its task is running on node beta (10.77.0.3)"));
        assertThat(watch.observe(List.of(task("t1", "n-beta", "running", "running", 1)), nodes(ALPHA, BETA)))
                .as("the node is back with the same task").isInstanceOf(Observation.Running.class);
    }

    @Test
    void anExitOnANodeThatIsUpIsReportedOnceAndSwarmsNextTaskIsFollowed() {
        TaskWatch watch = running("t1", BETA);

        Observation exited = watch.observe(List.of(exited("t1", "n-beta", 3, 1),
                task("t2", "", "pending", "ready", 2)), nodes(ALPHA, BETA));

        assertThat(exited).isEqualTo(new Observation.Exited(
                "exited with code 3 on node beta (10.77.0.3) (task: non-zero exit (3))"));
        assertThat(watch.runningTask()).isEmpty();
        assertThat(watch.observe(List.of(exited("t1", "n-beta", 3, 1), task("t2", "n-alpha", "running", "running", 2)),
                nodes(ALPHA, BETA))).as("the restarted task, reported once")
                .isInstanceOfSatisfying(Observation.Running.class, placed -> {
                    assertThat(placed.task().id()).isEqualTo("t2");
                    assertThat(placed.node()).isEqualTo(ALPHA);
                });
        assertThat(watch.observe(List.of(exited("t1", "n-beta", 3, 1), exited("t2", "n-alpha", 3, 2),
                task("t3", "", "pending", "ready", 3)), nodes(ALPHA, BETA)))
                .as("and its crash too").isInstanceOfSatisfying(Observation.Exited.class,
                        how -> assertThat(how.how()).startsWith("exited with code 3 on node alpha"));
    }

    @Test
    void aReplacementThatExitsBeforeItWasSeenRunningIsReportedToo() {
        TaskWatch watch = running("t1", BETA);
        watch.observe(List.of(task("t1", "n-beta", "running", "shutdown", 1)), nodes(ALPHA, BETA_DOWN));

        Observation exited = watch.observe(List.of(task("t1", "n-beta", "running", "shutdown", 1),
                exited("t2", "n-alpha", 2, 2), task("t3", "n-alpha", "ready", "ready", 3)), nodes(ALPHA, BETA_DOWN));

        assertThat(exited).isInstanceOfSatisfying(Observation.Exited.class,
                how -> assertThat(how.how()).startsWith("exited with code 2 on node alpha"));
    }

    @Test
    void aTaskRejectedForItsImageBeforeItEverRanCannotRun() {
        TaskWatch watch = TaskWatch.forNewService();

        Observation rejected = watch.observe(List.of(new TaskView("t1", "s", "n-alpha", "rejected", "shutdown",
                "preparing", "No such image: registry.example/orders:9", Optional.empty(), at(1)),
                task("t2", "n-alpha", "ready", "ready", 2)), nodes(ALPHA));

        assertThat(rejected).isEqualTo(new Observation.CannotRun(
                "node alpha (10.77.0.2) cannot start it: No such image: registry.example/orders:9", true));
    }

    @Test
    void noNodeForATaskThatNeverRanIsFinalButAfterAMoveSwarmIsLeftToFindOne() {
        TaskView unplaceable = new TaskView("t1", "s", "", "pending", "running", "pending task scheduling",
                "no suitable node (scheduling constraints not satisfied on 3 nodes)", Optional.empty(), at(1));

        assertThat(TaskWatch.forNewService().observe(List.of(unplaceable), nodes(ALPHA))).isEqualTo(
                new Observation.CannotRun("no node can take it: no suitable node (scheduling constraints not"
                        + " satisfied on 3 nodes)", false));

        TaskWatch moved = running("t0", BETA);
        moved.observe(List.of(task("t0", "n-beta", "running", "shutdown", 0)), nodes(ALPHA, BETA_DOWN));
        assertThat(moved.observe(List.of(task("t0", "n-beta", "running", "shutdown", 0),
                new TaskView("t1", "s", "", "pending", "running", "pending task scheduling",
                        "no suitable node (host-mode port already in use on 1 node)", Optional.empty(), at(1))),
                nodes(ALPHA, BETA_DOWN))).isInstanceOf(Observation.Waiting.class);
    }

    @Test
    void anUnhealthyContainerIsReplacedBySwarmOnceItRanButCannotRunIfItWasNeverHealthy() {
        TaskWatch ran = running("t1", BETA);
        assertThat(ran.observe(List.of(unhealthy("t1", 1), task("t2", "", "pending", "ready", 2)), nodes(BETA)))
                .isEqualTo(new Observation.Lost("its container HEALTHCHECK failed on node beta (10.77.0.3);"
                        + " Swarm replaces the task"));

        TaskWatch never = TaskWatch.forNewService();
        assertThat(never.observe(List.of(unhealthy("t1", 1), task("t2", "", "pending", "ready", 2)), nodes(BETA)))
                .isInstanceOfSatisfying(Observation.CannotRun.class, cannot ->
                        assertThat(cannot.why()).startsWith("its container HEALTHCHECK never passed on node beta"));
    }

    @Test
    void anAdoptedServiceIgnoresTasksThatEndedBeforeItWasAdopted() {
        TaskWatch watch = TaskWatch.forAdoptedService();

        Observation first = watch.observe(List.of(exited("t1", "n-beta", 137, 1),
                task("t2", "n-alpha", "running", "running", 2)), nodes(ALPHA, BETA));

        assertThat(first).isInstanceOfSatisfying(Observation.Running.class,
                placed -> assertThat(placed.task().id()).isEqualTo("t2"));
    }

    // ---------------------------------------------------------------------------------------------------------------

    private static TaskWatch running(String taskId, NodeView node) {
        TaskWatch watch = TaskWatch.forNewService();
        assertThat(watch.observe(List.of(task(taskId, node.id(), "running", "running", 0)), nodes(node)))
                .isInstanceOf(Observation.Running.class);
        return watch;
    }

    private static TaskView task(String id, String nodeId, String state, String desiredState, int created) {
        return new TaskView(id, "s", nodeId, state, desiredState, state, "", Optional.empty(), at(created));
    }

    private static TaskView exited(String id, String nodeId, int code, int created) {
        return new TaskView(id, "s", nodeId, code == 0 ? "complete" : "failed", "shutdown", "exited",
                "task: non-zero exit (" + code + ")", Optional.of(code), at(created));
    }

    private static TaskView unhealthy(String id, int created) {
        return new TaskView(id, "s", "n-beta", "failed", "shutdown", "started",
                "task: non-zero exit (143): dockerexec: unhealthy container", Optional.of(143), at(created));
    }

    private static Map<String, NodeView> nodes(NodeView... nodes) {
        return java.util.Arrays.stream(nodes).collect(java.util.stream.Collectors.toMap(NodeView::id, node -> node,
                (first, second) -> second));
    }

    private static Instant at(int second) {
        return Instant.parse("2026-12-06T12:00:00Z").plusSeconds(second);
    }
}
