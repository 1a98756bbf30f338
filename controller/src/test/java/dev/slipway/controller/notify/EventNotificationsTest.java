package dev.slipway.controller.notify;

import dev.slipway.analysis.Verdict;
import dev.slipway.controller.ServiceStatus;
import dev.slipway.controller.event.RolloutEvent;
import dev.slipway.controller.store.RolloutPhase;
import dev.slipway.controller.store.RolloutRecord;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Which controller events webhooks hear about, and what they are told. */
class EventNotificationsTest {
    private static final RolloutRecord ABORTED = new RolloutRecord(7, "orders", "2.0.0", "3.0.0", RolloutPhase.ABORTED,
            2, 0, "analysis failed", Instant.parse("2026-12-06T12:00:00Z"), Instant.parse("2026-12-06T12:01:00Z"));
    private final BlockingQueue<Notification> sent = new LinkedBlockingQueue<>();

    @Test
    void anAbortIsToldWithTheRolloutAndTheSchemaState() throws Exception {
        try (EventNotifications notifications = new EventNotifications("orders", () -> status(Optional.of(ABORTED)),
                sent::add, Clock.systemUTC())) {
            notifications.accept(new RolloutEvent.RolloutAborted("3.0.0", "analysis failed: error rate 0.31 > 0.05"));

            Notification notification = sent.poll(10, TimeUnit.SECONDS);
            assertThat(notification).isNotNull();
            assertThat(notification.event()).isEqualTo("rollout.aborted");
            assertThat(notification.message()).isEqualTo("aborted 3.0.0: analysis failed: error rate 0.31 > 0.05");
            assertThat(notification.rollout()).contains(new Notification.Rollout(7, Optional.of("2.0.0"), "3.0.0",
                    "ABORTED", 2, 0));
            assertThat(notification.schemaState()).containsExactly(2);
        }
    }

    @Test
    void onlyEventsOfTheDocumentedListAreSent() {
        assertThat(EventNotifications.eventName(new RolloutEvent.Note("moving replicas"))).isEmpty();
        assertThat(EventNotifications.eventName(new RolloutEvent.AnalysisResult("3.0.0",
                new Verdict(Verdict.Outcome.PASS, "ok", 100, 0, 0)))).isEmpty();
        assertThat(EventNotifications.eventName(new RolloutEvent.AnalysisResult("3.0.0",
                new Verdict(Verdict.Outcome.FAIL, "error rate", 100, 0.3, 0)))).contains("analysis.failed");
        assertThat(EventNotifications.eventName(new RolloutEvent.SchemaChanged(RolloutEvent.SchemaChanged.Kind.ROLLED_BACK,
                3, ""))).contains("schema.rolledBack");
        assertThat(EventNotifications.eventName(new RolloutEvent.ContractDue(2, "2.0.0"))).contains("schema.contractDue");
        assertThat(EventNotifications.eventName(new RolloutEvent.HookFailed("onAbort", "undo", "exit code 1")))
                .contains("hook.failed");
        assertThat(EventNotifications.eventName(new RolloutEvent.ProgressDeadlinePassed("3.0.0", "no progress", false)))
                .contains("progress.deadline");
    }

    private static ServiceStatus status(Optional<RolloutRecord> rollout) {
        return new ServiceStatus("orders", Optional.empty(), Optional.empty(), 0, new TreeSet<>(Set.of(2)),
                Optional.empty(), false, Optional.empty(), Optional.empty(), rollout, List.of(), List.of(),
                OptionalInt.empty());
    }
}
