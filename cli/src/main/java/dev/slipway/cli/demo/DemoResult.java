package dev.slipway.cli.demo;

import dev.slipway.controller.TimelineEntry;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;

/**
 * What the demo measured, as the client and the database saw it.
 *
 * @param expectedFailures   failed requests answered by the faulty release while it held canary weight, by cause
 * @param unexpectedFailures every other failed request, by cause: must be empty
 * @param missingRows        rows the service confirmed but the database does not hold (or holds differently)
 * @param faultyRollout      how the rollout of the faulty release ended (ABORTED is right)
 * @param refusal            the guard's message for the undo it refused, empty if it wrongly allowed it
 */
public record DemoResult(long requestsSent, long requestsSucceeded, Map<String, Long> expectedFailures,
                         Map<String, Long> unexpectedFailures, int customersWritten, int ordersWritten,
                         int customersPresent, int ordersPresent, List<String> missingRows,
                         String finalStable, SortedSet<Integer> finalSchemaState, String goodRollout,
                         String faultyRollout, String refusal, Map<String, Long> answersByRevision,
                         Duration wallTime, List<TimelineEntry> timeline, List<String> problems) {

    public boolean success() {
        return problems.isEmpty();
    }

    public long unexpectedFailureCount() {
        return unexpectedFailures.values().stream().mapToLong(Long::longValue).sum();
    }

    public long expectedFailureCount() {
        return expectedFailures.values().stream().mapToLong(Long::longValue).sum();
    }
}
