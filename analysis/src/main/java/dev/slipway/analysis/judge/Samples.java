package dev.slipway.analysis.judge;

/** What one revision showed of one compared metric over a window. */
public sealed interface Samples {

    /** How many observations there are (requests for counts, points or requests for values). */
    long size();

    /** Observations to compare by rank: per-request latencies, or the points of a time series. */
    record Values(double[] values) implements Samples {
        @Override
        public long size() {
            return values.length;
        }
    }

    /** Trials and failures to compare as proportions: requests and the ones that failed. */
    record Counts(long trials, long failures) implements Samples {
        public Counts {
            if (failures < 0 || trials < failures) {
                throw new IllegalArgumentException(failures + " failures out of " + trials + " trials");
            }
        }

        @Override
        public long size() {
            return trials;
        }

        public double share() {
            return trials == 0 ? 0 : (double) failures / trials;
        }
    }
}
