package dev.slipway.model;

import java.time.Duration;

/**
 * How long a rollout may go without progress (no step reached, no replica ready, no analysis concluded) before
 * Slipway acts: aborts it (the default) or pauses it until someone promotes or aborts. Waiting in a pause the
 * user asked for is not a lack of progress.
 */
public record ProgressDeadline(Duration after, OnDeadline action) {

    /** What happens when the deadline passes. */
    public enum OnDeadline { ABORT, PAUSE }
}
