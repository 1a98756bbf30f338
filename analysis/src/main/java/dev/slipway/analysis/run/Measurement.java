package dev.slipway.analysis.run;

import java.time.Instant;

/**
 * One measurement of one metric as the user sees it in status, timeline and API.
 *
 * @param value   what the provider returned, as text (a number, a score, an exit status); empty when none
 * @param message why the phase is what it is: the condition that held, the error, the judge's reasons
 */
public record Measurement(Phase phase, Instant startedAt, Instant finishedAt, String value, String message) {
}
