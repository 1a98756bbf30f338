package dev.slipway.analysis.run;

/** Where a measurement, a metric or a whole analysis stands (Argo Rollouts' analysis phases). */
public enum Phase {
    /** Not started yet (a background analysis before its starting step, a metric in its initial delay). */
    PENDING,
    /** Measuring. */
    RUNNING,
    SUCCESSFUL,
    /** A condition said the release is bad: abort. */
    FAILED,
    /** Measurements could not be taken (too many in a row): abort, never a silent pass. */
    ERROR,
    /** Neither good nor bad, or no data: pause for a human. */
    INCONCLUSIVE;

    public boolean finished() {
        return this != PENDING && this != RUNNING;
    }

    /** How bad an outcome is, for the worst-of rule: failed, error, inconclusive, successful. */
    int severity() {
        return switch (this) {
            case FAILED -> 4;
            case ERROR -> 3;
            case INCONCLUSIVE -> 2;
            case SUCCESSFUL -> 1;
            default -> 0;
        };
    }
}
