package dev.slipway.analysis;

/** The outcome of an analysis, with the numbers behind it in words a user can act on. */
public record Verdict(Outcome outcome, String reason, long requests, double errorRate, double latencyP99Millis) {

    public enum Outcome {
        /** Enough requests, every threshold held. */
        PASS,
        /** A threshold was broken: abort and roll back. */
        FAIL,
        /** Too few requests to say: wait, never pass. */
        INCONCLUSIVE
    }
}
