package dev.slipway.controller.sequence;

import dev.slipway.controller.RolloutController;
import dev.slipway.controller.guard.CompatibilityGuard;
import dev.slipway.controller.guard.ForceOverride;
import dev.slipway.controller.guard.GuardRefusedException;
import dev.slipway.controller.guard.RevisionRef;
import dev.slipway.controller.store.AuditEntry;
import dev.slipway.controller.store.RolloutPhase;
import dev.slipway.controller.store.RolloutRecord;
import dev.slipway.model.ReleaseSpec;
import dev.slipway.schema.BackfillListener;
import dev.slipway.schema.InFlight;
import dev.slipway.schema.MigrationException;

import net.jqwik.api.statistics.Statistics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs one sequence of actions against a {@link ServiceUnderTest} and checks, after every step:
 * <ul>
 *   <li>accepted: every binary that must keep working reads a version of the schema state, unless a forced override
 *       was accepted earlier in the sequence (then its audit entry must name the backup and its SHA-256);</li>
 *   <li>refused by the guard: the catalog, the migration history and the rollout state are unchanged, and the
 *       message names a version and {@code --force};</li>
 *   <li>always: the router never got a table that sends traffic nowhere while a running revision has a ready replica;</li>
 *   <li>after a crash: the restarted controller runs the same revisions, at the same rollout position.</li>
 * </ul>
 * The steps taken so far are part of every failure message.
 */
final class SequenceTrial {
    private enum Outcome { ACCEPTED, REFUSED, REJECTED }

    private final ServiceUnderTest service;
    private final List<String> steps = new ArrayList<>();
    private int nextRelease;
    private boolean forcedEarlier;
    /** What an action resolved its parameters to (the release it applied), for the step log. */
    private String note = "";
    /** The settled service after the last step: nothing moves between two steps, so it is also the next "before". */
    private Snapshot settled;

    /** The schema state, the rollout state and the length of the audit history of a settled service. */
    private record Snapshot(SortedSet<Integer> state, ServiceUnderTest.RolloutView rollout, int auditEntries) {
        String describe() {
            return "schema " + CompatibilityGuard.formatState(state) + ", running " + rollout.running() + ", latest "
                    + rollout.latest().map(r -> r.to() + " " + r.phase()).orElse("none");
        }
    }

    SequenceTrial(ServiceUnderTest service) {
        this.service = service;
    }

    void run(List<SequenceAction> actions) {
        service.givenSchemaVersion1();
        settled = snapshot();
        steps.add("schema 1 started and completed");
        for (SequenceAction action : actions) {
            step(action);
        }
        if (Boolean.getBoolean("slipway.sequence.trace")) { // -DargLine=-Dslipway.sequence.trace=true shows every try
            System.out.println("TRACE\n  " + String.join("\n  ", steps));
        }
    }

    private Snapshot snapshot() {
        return new Snapshot(service.schemaState(), service.rolloutView(), service.auditEntries());
    }

    private void step(SequenceAction action) {
        try {
            checkedStep(action);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\nsteps:\n  " + String.join("\n  ", steps), e);
        }
    }

    private void checkedStep(SequenceAction action) {
        Snapshot before = settled;
        // Only what the guard checks can be refused; the catalog costs a few queries, so the others skip it.
        boolean guarded = !(action instanceof SequenceAction.Promote || action instanceof SequenceAction.Abort
                || action instanceof SequenceAction.Crash);
        List<String> catalogBefore = guarded ? service.catalog() : null;
        Outcome outcome;
        String detail = "";
        Optional<ServiceUnderTest.PendingApply> pending = Optional.empty();
        note = "";
        steps.add(action + " -> ... from " + before.describe());
        try {
            pending = execute(action);
            outcome = Outcome.ACCEPTED;
        } catch (GuardRefusedException e) {
            outcome = Outcome.REFUSED;
            detail = e.getMessage();
        } catch (IllegalStateException | IllegalArgumentException | MigrationException e) {
            outcome = Outcome.REJECTED;
            detail = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        Statistics.label("outcomes").collect(action.kind(), outcome);
        String taken = action + note + " -> " + outcome + (detail.isEmpty() ? "" : " (" + firstLine(detail) + ")")
                + " from " + before.describe();
        steps.set(steps.size() - 1, taken);
        boolean rolloutEnds = outcome == Outcome.ACCEPTED
                && (action instanceof SequenceAction.Promote || action instanceof SequenceAction.Abort);
        service.settle(pending, rolloutEnds);
        Snapshot after = snapshot();
        settled = after;
        steps.set(steps.size() - 1, taken + "\n      => " + after.describe());
        Statistics.label("states after a step").collect(after.rollout().running().size() + " running",
                after.rollout().latest().map(r -> r.phase().name()).orElse("no rollout"),
                after.state().size() > 1 ? "migration in flight" : "schema at rest");

        boolean forcedNow = checkForcedOverridesAreAudited(after.auditEntries() - before.auditEntries());
        if (outcome == Outcome.REFUSED) {
            assertThat(guarded).as("only actions the guard checks are refused").isTrue();
            assertThat(detail).as("a refusal names a version and how to override")
                    .containsPattern("\\d+\\.\\d+\\.\\d+|version \\d+").contains("--force");
        }
        if (guarded && outcome != Outcome.ACCEPTED && !forcedNow) {
            assertThat(service.catalog()).as("the catalog after a " + outcome + " " + action).isEqualTo(catalogBefore);
            assertThat(after.rollout()).as("the rollout state after a " + outcome + " " + action)
                    .isEqualTo(before.rollout());
        }
        if (!forcedEarlier) {
            checkInvariant(after.state());
        }
        service.router.checkCurrent();
        assertThat(service.router.violations()).as("route tables that send traffic nowhere while a ready "
                + "revision runs").isEmpty();
    }

    /** Runs the action; an apply (or retry) returns what to wait for, since it proceeds in the background. */
    private Optional<ServiceUnderTest.PendingApply> execute(SequenceAction action) {
        RolloutController controller = service.controller();
        String actor = ServiceUnderTest.ACTOR;
        if (action instanceof SequenceAction.SchemaStart start) {
            Optional<InFlight> inFlight = service.schema().inFlight();
            SortedSet<Integer> state = service.schemaState();
            int version = inFlight.map(f -> f.version() + 1).orElse(state.isEmpty() ? 1 : state.last() + 1);
            service.schema().start(service.migration(version, start.opaque()), actor, BackfillListener.NONE,
                    force(start.forced()));
        } else if (action instanceof SequenceAction.SchemaComplete complete) {
            service.schema().complete(actor, force(complete.forced()));
        } else if (action instanceof SequenceAction.SchemaRollback rollback) {
            service.schema().rollback(actor, force(rollback.forced()));
        } else if (action instanceof SequenceAction.Apply apply) {
            SortedSet<Integer> state = service.schemaState();
            int newest = state.isEmpty() ? 1 : state.last();
            int low = Math.max(1, newest - 1 + apply.lowOffset());
            String version = "1.0." + nextRelease++;
            ReleaseSpec release = ServiceUnderTest.release(version, low, low + apply.width(), apply.pausing(),
                    apply.failing());
            ServiceUnderTest.PendingApply pending = service.pendingApply(version);
            note = " [" + version + " reads " + release.schema() + "]";
            controller.apply(release, actor);
            return Optional.of(pending);
        } else if (action instanceof SequenceAction.Promote promote) {
            controller.promote(actor, promote.full());
        } else if (action instanceof SequenceAction.Abort) {
            controller.abort(actor, "sequence test");
        } else if (action instanceof SequenceAction.Retry) {
            Optional<RolloutRecord> latest = service.store.latestRollout(ServiceUnderTest.SERVICE);
            Optional<ServiceUnderTest.PendingApply> pending = latest.filter(r -> r.phase() == RolloutPhase.ABORTED)
                    .map(r -> service.pendingApply(r.toVersion()));
            controller.retry(actor);
            return pending;
        } else if (action instanceof SequenceAction.Undo undo) {
            controller.undo(null, actor, force(undo.forced()));
        } else if (action instanceof SequenceAction.Crash) {
            crash();
        }
        return Optional.empty();
    }

    /** A crash changes nothing a user can see: the same revisions run, the rollout stands where it stood. */
    private void crash() {
        service.settle(Optional.empty());
        ServiceUnderTest.RolloutView before = service.rolloutView();
        int timelineBefore = service.timeline.size();
        service.crashAndResume();
        service.settle(Optional.empty());
        if (before.latest().filter(r -> r.phase() == RolloutPhase.PAUSED).isPresent()) {
            ServiceUnderTest.await("the resumed rollout is paused again", Duration.ofSeconds(5), () ->
                    service.eventsSince(timelineBefore).stream().anyMatch(event -> event.endsWith("pause until promoted")));
        }
        ServiceUnderTest.RolloutView after = service.rolloutView();
        assertThat(new HashSet<>(after.running())).as("revisions running after a crash and resume")
                .isEqualTo(new HashSet<>(before.running()));
        assertThat(after.latest()).as("the rollout after a crash and resume").isEqualTo(before.latest());
        assertThat(after.canaryWeight()).as("the canary weight after a crash and resume").isEqualTo(before.canaryWeight());
    }

    private Optional<ForceOverride> force(boolean forced) {
        return forced ? Optional.of(service.force()) : Optional.empty();
    }

    /** Every running binary and rollback target reads at least one version of the schema state. */
    private void checkInvariant(SortedSet<Integer> state) {
        for (RevisionRef revision : service.controller().mustKeepWorking()) {
            assertThat(revision.schema().readsAnyOf(state))
                    .as("%s %s reads schema %s, the state is %s", revision.role().label(), revision.version(),
                            revision.schema(), CompatibilityGuard.formatState(state))
                    .isTrue();
        }
    }

    /**
     * Once the guard was overridden, the invariant may break; the audit history must say so, with the backup.
     * Returns whether this step recorded a forced override.
     */
    private boolean checkForcedOverridesAreAudited(int newEntries) {
        List<AuditEntry> added = newEntries <= 0 ? List.of() : service.store.history(ServiceUnderTest.SERVICE, newEntries);
        boolean forced = false;
        for (AuditEntry entry : added) {
            if (entry.outcome().equals("forced")) {
                forced = true;
                forcedEarlier = true;
                assertThat(entry.detail()).as("the audit entry of a forced " + entry.action())
                        .contains(service.backup.toAbsolutePath().toString())
                        .contains(service.backupSha256());
                assertThat(entry.actor()).isEqualTo(ServiceUnderTest.ACTOR);
            }
        }
        return forced;
    }

    private static String firstLine(String text) {
        int end = text.indexOf('\n');
        return end < 0 ? text : text.substring(0, end);
    }
}
