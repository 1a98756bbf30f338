package dev.slipway.analysis.judge;

/**
 * One compared metric's outcome, with the numbers behind it.
 *
 * @param pValue the test's p-value in the direction that matters (NaN without data)
 * @param detail in words: the medians or shares, their ratio or difference, the p-value
 */
public record MetricComparison(String name, String group, Classification classification, boolean critical,
                               double pValue, String detail) {
    @Override
    public String toString() {
        return name + " " + classification.name().toLowerCase().replace('_', ' ') + (critical ? " (critical)" : "")
                + ": " + detail;
    }
}
