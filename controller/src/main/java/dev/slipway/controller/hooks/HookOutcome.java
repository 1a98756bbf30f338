package dev.slipway.controller.hooks;

import java.time.Duration;

/**
 * How one hook run ended: passed (exit 0, or a 2xx answer) or not, with what the user needs to see — the exit
 * code or HTTP status and the tail of its output, or that it timed out or could not start.
 */
public record HookOutcome(String hook, String moment, boolean passed, String detail, Duration took) {

    /** One line for the timeline, the audit history and a rollout's status message. */
    public String describe() {
        return moment + " hook " + hook + (passed ? " passed" : " failed") + (detail.isEmpty() ? "" : ": " + detail);
    }
}
