package dev.slipway.controller.guard;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The central rule: every running revision, and every rollback target inside its rollback window, reads at
 * least one version of the schema state. Consulted before every action with the state the action would
 * produce; a refusal names who would break and the ways forward. Pure: no I/O, so it is checked exhaustively.
 */
public final class CompatibilityGuard {

    public static final String FORCE_HINT = "Or pass --force --backup <file> to override (recorded in the audit history).";

    /**
     * @param action          what the user asked, e.g. "schema complete of version 2" or "rollout of orders 3.0.0"
     * @param resultingState  the schema state once the action has run
     * @param mustKeepWorking the running revisions and rollback targets after the action
     */
    public GuardDecision check(String action, Collection<Integer> resultingState, List<RevisionRef> mustKeepWorking,
                               List<String> waysForward) {
        List<RevisionRef> broken = new ArrayList<>();
        for (RevisionRef revision : mustKeepWorking) {
            if (!revision.schema().readsAnyOf(resultingState)) {
                broken.add(revision);
            }
        }
        List<String> ways = new ArrayList<>(waysForward);
        if (!broken.isEmpty()) {
            ways.add(FORCE_HINT);
        }
        return new GuardDecision(action, Set.copyOf(resultingState), broken, broken.isEmpty() ? List.of() : ways);
    }

    /** {@code {1, 2}} in version order. */
    public static String formatState(Collection<Integer> state) {
        return new TreeSet<>(state).stream().map(String::valueOf).collect(Collectors.joining(", ", "{", "}"));
    }
}
