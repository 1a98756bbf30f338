package dev.slipway.analysis.run;

import java.util.Optional;

/**
 * What a provider saw in one measurement, before the metric's conditions judge it.
 *
 * @param result   the value conditions test ({@code result}): a Double, String, Boolean, List or Map; null for no data
 * @param value    the result as the user reads it
 * @param decided  a phase the provider decided itself (a job's exit status, a judge's score), else empty
 * @param message  details worth keeping (a job's output, a judge's reasons)
 */
public record Observation(Object result, String value, Optional<Phase> decided, String message) {

    public static Observation of(Object result, String value) {
        return new Observation(result, value, Optional.empty(), "");
    }

    /** Too little to judge by: inconclusive, never a pass. */
    public static Observation noData(String why) {
        return new Observation(null, "", Optional.of(Phase.INCONCLUSIVE), "no data: " + why);
    }

    public static Observation decided(Phase phase, String value, String message) {
        return new Observation(null, value, Optional.of(phase), message);
    }
}
