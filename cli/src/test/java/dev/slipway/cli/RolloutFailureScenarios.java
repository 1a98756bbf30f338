package dev.slipway.cli;

import dev.slipway.controller.store.RolloutPhase;
import dev.slipway.controller.store.RolloutRecord;
import dev.slipway.runtime.Replica;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The scenarios of a release that fails (by analysis, or by never becoming ready), for the runtimes that run them
 * end to end. The Swarm runtime does not: a failing release's analysis is the controller's and the router's, the same
 * on every runtime, and Swarm's own ways of never running are SwarmRuntimeTest's; that keeps the build's wall time down.
 * A release that crashes is every runtime's own business: those scenarios are {@link RolloutScenarios}'.
 */
abstract class RolloutFailureScenarios extends RolloutScenarios {

    @Test
    void aFaultyReleaseIsAbortedByAnalysisAndOnlyItsShareFailed() {
        deployAndLoad(v1("1.0.0", 2, "canary: {steps: [{setWeight: 100}]}"));
        RolloutRecord ended = controller.rollout(release("3.0.0", "orders-3.0.0.jar", "[2, 2]", 1, """
                canary:
                  steps:
                    - setWeight: 20
                    - analysis: {errorRate: {max: 0.05}, minRequests: 100, window: 20s}
                    - setWeight: 100"""), "test");

        assertThat(ended.phase()).isEqualTo(RolloutPhase.ABORTED);
        assertThat(ended.message()).startsWith("analysis failed: error rate");
        assertThat(controller.stableVersion()).contains("1.0.0");
        sleep(1000);
        load.stop();
        printLoad();
        assertThat(load.failures()).isNotEmpty()
                .allSatisfy(failure -> assertThat(failure.revision()).as(failure.cause()).isEqualTo("3.0.0"));
        long faultyAnswers = load.answersByRevision().getOrDefault("3.0.0", 0L);
        assertThat(load.failures().size()).isLessThanOrEqualTo((int) faultyAnswers);
        assertThat(faultyAnswers).as("only the canary's share reached it").isLessThan(load.sent() / 3);
        assertThat(runtime.list(service)).extracting(Replica::revision).containsOnly("1.0.0");
    }

    @Test
    void aReleaseThatNeverBecomesReadyFailsWhileStableKeepsServing() {
        deployAndLoad(v1("1.0.0", 2, "canary: {steps: [{setWeight: 100}]}"));
        RolloutRecord ended = controller.rollout(release("1.1.0", "orders-1.0.0.jar", "[1, 1]", 1,
                "canary: {steps: [{setWeight: 50}]}", "/never-ready", "3s"), "test");

        assertThat(ended.phase()).isEqualTo(RolloutPhase.ABORTED);
        assertThat(ended.message()).contains("never became ready");
        assertThat(controller.stableVersion()).contains("1.0.0");
        assertNoFailedRequests();
    }
}
