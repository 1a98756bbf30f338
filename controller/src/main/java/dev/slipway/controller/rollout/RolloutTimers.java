package dev.slipway.controller.rollout;

import dev.slipway.controller.event.RolloutEvents;
import dev.slipway.controller.loop.Change;
import dev.slipway.controller.loop.RolloutLoop;
import dev.slipway.controller.replica.ReplicaFleet;
import dev.slipway.controller.state.Revision;
import dev.slipway.model.support.DaemonThreads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The service's timed work: the end of blue-green's scale-down delay, and the periodic check of {@code contractAfter}.
 * A timer only fires: what it decides goes through the {@link RolloutLoop} (which re-checks the state it finds then),
 * and the blocking work runs elsewhere — the kept release is stopped on the fleet's thread, the contract on a thread
 * of its own — so neither holds up the other, nor the routes.
 */
public final class RolloutTimers implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RolloutTimers.class);

    private final RolloutLoop loop;
    private final ReplicaFleet fleet;
    private final RolloutEvents events;
    private final ScheduledExecutorService timer;
    private final ExecutorService contracts;
    private final AtomicReference<ScheduledFuture<?>> scaleDown = new AtomicReference<>();
    private volatile Future<?> contract;

    public RolloutTimers(String service, RolloutLoop loop, ReplicaFleet fleet, RolloutEvents events) {
        this.loop = loop;
        this.fleet = fleet;
        this.events = events;
        this.timer = Executors.newSingleThreadScheduledExecutor(DaemonThreads.single("slipway-timer-" + service));
        this.contracts = Executors.newSingleThreadExecutor(DaemonThreads.single("slipway-contract-" + service));
    }

    /** Checks {@code contractAfter} every second from now on; a check still running skips the next one. */
    public void checkContractAfter(ContractAfter contractAfter) {
        timer.scheduleWithFixedDelay(() -> {
            Future<?> running = contract;
            if (running != null && !running.isDone()) {
                return;
            }
            try {
                contract = contracts.submit(() -> {
                    try {
                        contractAfter.completeIfDue();
                    } catch (RuntimeException e) {
                        log.warn("automatic contract failed: {}", e.getMessage());
                    }
                });
            } catch (RejectedExecutionException stopped) {
                // shutting down
            }
        }, 1, 1, TimeUnit.SECONDS);
    }

    /**
     * Blue-green: {@code kept} (the state's undo target now) stays until {@code delay} is over, then leaves the service
     * and stops — unless an undo switched back to it, or another release took its place, before.
     */
    public void keepForUndo(Revision kept, Duration delay) {
        ScheduledFuture<?> next = timer.schedule(() -> retire(kept), delay.toMillis(), TimeUnit.MILLISECONDS);
        Optional.ofNullable(scaleDown.getAndSet(next)).ifPresent(earlier -> earlier.cancel(false));
    }

    /** The kept release no longer waits for its scale-down (an undo switched back to it, or it was replaced). */
    public void cancelScaleDown() {
        Optional.ofNullable(scaleDown.getAndSet(null)).ifPresent(pending -> pending.cancel(false));
    }

    /**
     * The scale-down delay of {@code kept} is over: if it is still the undo target, it leaves the service (in the loop,
     * so an undo sees either it or not) and stops on the fleet's thread. Returns what stops, if anything.
     */
    Optional<CompletableFuture<Void>> retire(Revision kept) {
        try {
            Optional<Revision> retired = loop.run(state -> {
                Optional<Revision> previous = state.previous().filter(p -> p.version().equals(kept.version()));
                return previous.isPresent() ? Change.to(state.previousRetired(), previous) : Change.none(state, previous);
            });
            return retired.map(revision -> fleet.retire(revision).thenRun(() ->
                    events.note("scaled down " + revision.version() + " (scale-down delay over)")));
        } catch (RuntimeException e) {
            log.warn("scale-down of {} failed: {}", kept.version(), e.getMessage());
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        contracts.shutdownNow();
    }
}
