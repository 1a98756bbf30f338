package dev.slipway.controller.guard;

import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What the guard is asked about one action: the schema state it would leave, the binaries that must keep working
 * after it, and the ways forward a refusal offers.
 *
 * @param action e.g. "schema complete of version 2" or "apply of orders 3.0.0"
 */
public record GuardQuestion(String action, SortedSet<Integer> resultingState, List<RevisionRef> mustKeepWorking,
                            List<String> waysForward) {
    public GuardQuestion {
        resultingState = new TreeSet<>(resultingState);
        mustKeepWorking = List.copyOf(mustKeepWorking);
        waysForward = List.copyOf(waysForward);
    }

    /** The guard's answer. */
    public GuardDecision decide(CompatibilityGuard guard) {
        return guard.check(action, resultingState, mustKeepWorking, waysForward);
    }
}
