package dev.slipway.controller.state;

import dev.slipway.controller.guard.RevisionRef;

/** Where a revision stands in the service: what it is to the guard follows from it. */
public enum Slot {
    STABLE(RevisionRef.Role.STABLE),
    CANARY(RevisionRef.Role.CANARY),
    /** Blue-green: the release just replaced, kept running without traffic for its scale-down delay. */
    PREVIOUS(RevisionRef.Role.ROLLBACK_TARGET),
    /** An experiment's baseline: fresh replicas of the stable release, compared with the canary at its weight. */
    BASELINE(RevisionRef.Role.BASELINE);

    private final RevisionRef.Role role;

    Slot(RevisionRef.Role role) {
        this.role = role;
    }

    public RevisionRef.Role role() {
        return role;
    }
}
