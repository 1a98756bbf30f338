package dev.slipway.controller.guard;

import java.util.List;
import java.util.Set;

/**
 * The guard's answer for one proposed action: allowed, or refused with every revision that would break.
 *
 * @param broken the revisions that would read none of {@code resultingState}
 */
public record GuardDecision(String action, Set<Integer> resultingState, List<RevisionRef> broken, List<String> waysForward) {
    public GuardDecision {
        resultingState = Set.copyOf(resultingState);
        broken = List.copyOf(broken);
        waysForward = List.copyOf(waysForward);
    }

    public boolean allowed() {
        return broken.isEmpty();
    }

    /** The refusal as the user reads it; empty when allowed. */
    public String message() {
        if (allowed()) {
            return "";
        }
        StringBuilder text = new StringBuilder("refused: ").append(action).append(" would leave the schema at ")
                .append(CompatibilityGuard.formatState(resultingState)).append(", but");
        for (int i = 0; i < broken.size(); i++) {
            RevisionRef revision = broken.get(i);
            text.append(i == 0 ? " " : "; and ")
                    .append(revision.role().label()).append(' ').append(revision.service()).append(' ')
                    .append(revision.version()).append(" reads schema ").append(revision.schema());
        }
        text.append('.');
        for (String way : waysForward) {
            text.append("\n  ").append(way);
        }
        return text.toString();
    }
}
