package dev.slipway.controller.rollout;

import dev.slipway.controller.SchemaCoordinator;
import dev.slipway.controller.event.RolloutEvent;
import dev.slipway.controller.event.RolloutEvents;
import dev.slipway.controller.loop.RolloutLoop;
import dev.slipway.controller.replica.ReplicaFleet;
import dev.slipway.controller.state.Revision;
import dev.slipway.controller.state.ServiceState;
import dev.slipway.controller.store.RolloutRecord;
import dev.slipway.controller.store.Store;
import dev.slipway.schema.InFlight;

import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

/**
 * {@code contractAfter}: completes the expanded migration once the stable release has been at 100 %, healthy and
 * alone for its delay. The guard still decides; a refusal (or a guarded action in progress) just waits for the next
 * check.
 */
public final class ContractAfter {
    private final String service;
    private final RolloutLoop loop;
    private final ReplicaFleet fleet;
    private final SchemaCoordinator schema;
    private final Store store;
    private final Clock clock;
    private final RolloutEvents events;

    public ContractAfter(String service, RolloutLoop loop, ReplicaFleet fleet, SchemaCoordinator schema, Store store,
                         Clock clock, RolloutEvents events) {
        this.events = events;
        this.service = service;
        this.loop = loop;
        this.fleet = fleet;
        this.schema = schema;
        this.store = store;
        this.clock = clock;
    }

    /**
     * When the stable release's {@code contractAfter} completes the pending migration: its latest promotion plus the
     * delay. Empty without contractAfter.
     */
    public Optional<Instant> dueAt(ServiceState state) {
        Optional<Revision> stable = state.stable();
        if (stable.isEmpty() || stable.get().release().contractAfter().isEmpty()) {
            return Optional.empty();
        }
        return store.latestPromotion(service, stable.get().version()).map(RolloutRecord::updatedAt)
                .map(since -> since.plus(stable.get().release().contractAfter().get()));
    }

    /** Completes the migration when it is due and everything else holds; does nothing otherwise. */
    public void completeIfDue() {
        ServiceState state = loop.current();
        if (state.stable().isEmpty() || state.rolling() || state.previous().isPresent() || schema.busy()) {
            return;
        }
        Revision stable = state.stable().get();
        Optional<Instant> due = dueAt(state);
        if (due.isEmpty() || clock.instant().isBefore(due.get())) {
            return;
        }
        Optional<InFlight> inFlight = schema.inFlight();
        if (inFlight.isEmpty() || !inFlight.get().phase().equals(InFlight.EXPANDED)) {
            return;
        }
        if (fleet.readyCount(state.stable()) < stable.release().replicas() || !schema.completeAllowed()) {
            return;
        }
        events.emit(new RolloutEvent.ContractDue(inFlight.get().version(), stable.version()));
        schema.complete("contractAfter of " + stable.version());
    }
}
