package dev.slipway.controller.notify;

import dev.slipway.analysis.Verdict;
import dev.slipway.analysis.run.Phase;
import dev.slipway.controller.ServiceStatus;
import dev.slipway.controller.event.RolloutEvent;
import dev.slipway.controller.store.RolloutRecord;
import dev.slipway.model.support.DaemonThreads;

import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Turns the controller's typed events into webhook notifications. It listens on the controller's event stream
 * (which must not block), so it only queues: the notification is built — with the rollout and the schema state
 * read from the status — and handed to the {@link WebhookNotifier} on a thread of its own.
 */
public final class EventNotifications implements Consumer<RolloutEvent>, AutoCloseable {
    private final String service;
    private final Supplier<ServiceStatus> status;
    private final Consumer<Notification> notifier;
    private final Clock clock;
    private final ExecutorService builder = Executors.newSingleThreadExecutor(DaemonThreads.named("slipway-notify-events"));

    public EventNotifications(String service, Supplier<ServiceStatus> status, Consumer<Notification> notifier, Clock clock) {
        this.service = service;
        this.status = status;
        this.notifier = notifier;
        this.clock = clock;
    }

    @Override
    public void accept(RolloutEvent event) {
        Optional<String> name = eventName(event);
        if (name.isEmpty()) {
            return;
        }
        var at = clock.instant();
        try {
            builder.execute(() -> {
                ServiceStatus now = status.get();
                Optional<RolloutRecord> rollout = event instanceof RolloutEvent.StepReached step ? Optional.of(step.rollout())
                        : event instanceof RolloutEvent.RolloutPaused paused ? Optional.of(paused.rollout())
                        : name.get().startsWith("schema.") ? Optional.empty() : now.rollout();
                notifier.accept(new Notification(name.get(), service, at, message(event), rollout.map(r ->
                        new Notification.Rollout(r.id(), Optional.ofNullable(r.fromVersion()), r.toVersion(),
                                r.phase().name(), r.stepIndex(), r.canaryWeight())), now.schemaState()));
            });
        } catch (RejectedExecutionException closed) {
            // the controller is stopping; nothing more goes out
        }
    }

    /** The notification event of a controller event, or empty for those webhooks do not hear about. */
    static Optional<String> eventName(RolloutEvent event) {
        if (event instanceof RolloutEvent.RolloutStarted) return Optional.of("rollout.started");
        if (event instanceof RolloutEvent.StepReached) return Optional.of("rollout.step");
        if (event instanceof RolloutEvent.RolloutPaused) return Optional.of("rollout.paused");
        if (event instanceof RolloutEvent.AnalysisResult result) {
            return result.verdict().outcome() == Verdict.Outcome.FAIL ? Optional.of("analysis.failed") : Optional.empty();
        }
        if (event instanceof RolloutEvent.AnalysisEnded ended) {
            Phase phase = ended.status().phase();
            return phase == Phase.FAILED || phase == Phase.ERROR ? Optional.of("analysis.failed") : Optional.empty();
        }
        if (event instanceof RolloutEvent.RolloutAborted) return Optional.of("rollout.aborted");
        if (event instanceof RolloutEvent.RolloutPromoted) return Optional.of("rollout.promoted");
        if (event instanceof RolloutEvent.GuardRefusal) return Optional.of("guard.refused");
        if (event instanceof RolloutEvent.SchemaChanged changed) {
            return Optional.of(switch (changed.kind()) {
                case STARTED -> "schema.started";
                case COMPLETED -> "schema.completed";
                case ROLLED_BACK -> "schema.rolledBack";
            });
        }
        if (event instanceof RolloutEvent.ContractDue) return Optional.of("schema.contractDue");
        if (event instanceof RolloutEvent.HookFailed) return Optional.of("hook.failed");
        if (event instanceof RolloutEvent.ProgressDeadlinePassed) return Optional.of("progress.deadline");
        return Optional.empty();
    }

    private static String message(RolloutEvent event) {
        if (event instanceof RolloutEvent.GuardRefusal refusal) {
            return refusal.decision().message();
        }
        if (event instanceof RolloutEvent.AnalysisResult result) {
            return "analysis failed: " + result.verdict().reason();
        }
        return event.text();
    }

    @Override
    public void close() {
        builder.shutdownNow();
    }
}
