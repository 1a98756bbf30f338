package dev.slipway.controller.guard;

import dev.slipway.controller.event.RolloutEvent;
import dev.slipway.controller.event.RolloutEvents;
import dev.slipway.controller.loop.Change;
import dev.slipway.controller.loop.RolloutLoop;
import dev.slipway.controller.state.SchemaTransition;
import dev.slipway.controller.state.ServiceState;
import dev.slipway.controller.store.AuditEntry;
import dev.slipway.controller.store.Store;

import java.time.Clock;
import java.util.Optional;
import java.util.SortedSet;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Every action the compatibility guard checks passes through here — rollout actions (deploy, apply, rollout, undo)
 * and schema actions (start, complete, rollback, the automatic contract) alike — and the check and the action it
 * allows are one step: no other guarded action runs in between.
 *
 * <ul>
 *   <li>A rollout action is checked and applied in the same {@link RolloutLoop} command: the incoming release is in
 *       the state, protected, from the moment it is accepted.</li>
 *   <li>A schema action holds the gate from its check until the engine is done, so a rollout action that arrives
 *       meanwhile waits and is then checked against the state the schema action left.</li>
 * </ul>
 * Changes that do not pass the gate (a promotion, an abort, a scale-down) only ever take binaries away from those that
 * must keep working, so they never invalidate a decision. A refusal is audited and thrown as a
 * {@link GuardRefusedException}; a forced override is audited with its backup before the action runs.
 */
public final class GuardGate {
    private final String service;
    private final RolloutLoop loop;
    private final Supplier<SortedSet<Integer>> schemaState;
    private final Store store;
    private final Clock clock;
    private final RolloutEvents events;
    private final CompatibilityGuard guard = new CompatibilityGuard();
    /** Fair: guarded actions are decided in the order they arrived. */
    private final ReentrantLock lock = new ReentrantLock(true);

    public GuardGate(String service, RolloutLoop loop, Supplier<SortedSet<Integer>> schemaState, Store store,
                     Clock clock, RolloutEvents events) {
        this.service = service;
        this.loop = loop;
        this.schemaState = schemaState;
        this.store = store;
        this.clock = clock;
        this.events = events;
    }

    /** A rollout-side action: the question it puts to the guard in a state, and its change once allowed. */
    public interface RolloutAction<T> {
        /**
         * The guard's question in {@code state} with the schema at {@code schema}; throws (a conflict, bad input) when
         * the action makes no sense now.
         */
        GuardQuestion question(ServiceState state, SortedSet<Integer> schema);

        /** The change once allowed (or forced), recorded in the same loop command as the check. */
        Change<T> accept(ServiceState state);
    }

    /**
     * A schema action's question: the version of the migration it acts on, the state before and after it, and the
     * ways forward a refusal offers.
     */
    public record SchemaPlan(String action, int version, SortedSet<Integer> before, SortedSet<Integer> after,
                             java.util.List<String> waysForward) {
        public GuardQuestion question(ServiceState state, String service) {
            return new GuardQuestion(action, after, state.mustKeepWorking(service), waysForward);
        }
    }

    /** Checks a rollout action and, when allowed (or forced), applies its change; returns what the change returned. */
    public <T> T admit(String actor, Optional<ForceOverride> force, RolloutAction<T> action) {
        lock.lock();
        try {
            SortedSet<Integer> schema = schemaState.get(); // stable while we hold the gate: schema actions need it
            Admission<T> admission = loop.run(state -> {
                GuardQuestion question = action.question(state, schema);
                GuardDecision decision = question.decide(guard);
                if (!decision.allowed() && force.isEmpty()) {
                    return Change.none(state, new Admission<>(decision, null));
                }
                if (!decision.allowed()) {
                    auditForced(actor, decision, force.get());
                }
                Change<T> change;
                try {
                    change = action.accept(state);
                } catch (RuntimeException e) {
                    if (!decision.allowed()) {
                        audit(actor, decision.action(), "failed", String.valueOf(e.getMessage()));
                    }
                    throw e;
                }
                return Change.to(change.next(), new Admission<>(decision, change.result()));
            });
            afterDecision(actor, admission.decision(), force);
            return admission.result();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Checks a schema action and, when allowed (or forced), runs it, all under the gate. {@code plan} reads the schema
     * as it is now (and throws when the action makes no sense, e.g. nothing in flight); {@code action} then does the
     * work (replica moves, DDL). While it runs, the state carries it as a {@link SchemaTransition}, so replicas started
     * meanwhile read a version of both sides.
     */
    public <T> T admitSchema(String actor, Optional<ForceOverride> force, Supplier<SchemaPlan> plan,
                             Function<SchemaPlan, T> action) {
        lock.lock();
        try {
            SchemaPlan planned = plan.get();
            GuardDecision decision = loop.run(state -> {
                GuardDecision answer = planned.question(state, service).decide(guard);
                if (!answer.allowed() && force.isEmpty()) {
                    return Change.none(state, answer);
                }
                return Change.to(state.inSchemaTransition(new SchemaTransition(planned.action(), planned.before(),
                        planned.after())), answer);
            });
            try {
                if (!decision.allowed() && force.isPresent()) {
                    auditForced(actor, decision, force.get());
                }
                afterDecision(actor, decision, force);
                T result;
                try {
                    result = action.apply(planned);
                } catch (RuntimeException e) {
                    // the engine undid itself: a "forced" entry must not be the last word about an action that changed nothing
                    audit(actor, planned.action(), "failed", String.valueOf(e.getMessage()));
                    throw e;
                }
                audit(actor, planned.action(), "done", "");
                return result;
            } finally {
                if (decision.allowed() || force.isPresent()) {
                    endTransition();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** What the guard would answer now, without acting (for status). */
    public GuardDecision wouldAllow(GuardQuestion question) {
        return question.decide(guard);
    }

    /** Whether a guarded action is running or waiting now; the automatic contract skips its turn then. */
    public boolean busy() {
        return lock.isLocked() || lock.hasQueuedThreads();
    }

    private void afterDecision(String actor, GuardDecision decision, Optional<ForceOverride> force) {
        if (decision.allowed()) {
            return;
        }
        if (force.isEmpty()) {
            audit(actor, decision.action(), "refused", decision.message());
            events.emit(new RolloutEvent.GuardRefusal(actor, decision));
            throw new GuardRefusedException(decision);
        }
        events.emit(new RolloutEvent.GuardOverridden(actor, decision, force.get().describe()));
    }

    private void auditForced(String actor, GuardDecision decision, ForceOverride force) {
        audit(actor, decision.action(), "forced", decision.message() + "\n  overridden with " + force.describe());
    }

    private void endTransition() {
        if (!loop.hasStopped()) {
            loop.update(ServiceState::schemaTransitionEnded);
        }
    }

    private void audit(String actor, String action, String outcome, String detail) {
        store.audit(new AuditEntry(clock.instant(), service, actor, action, outcome, detail));
    }

    private record Admission<T>(GuardDecision decision, T result) {
    }
}
