package dev.slipway.analysis.judge;

/** How a compared metric came out (Kayenta's classifications). */
public enum Classification {
    /** No significant change, or one smaller than the effect size that counts. */
    PASS,
    /** Significantly and meaningfully higher on the canary. */
    HIGH,
    /** Significantly and meaningfully lower on the canary. */
    LOW,
    /** Too few samples on either side to test. */
    NO_DATA;

    public boolean failed() {
        return this == HIGH || this == LOW;
    }
}
