package dev.slipway.bench;

import java.util.List;
import java.util.Locale;

/** The table's arithmetic: a rate with its 95 % confidence interval, and time-to-detection quantiles. */
final class Rates {
    private Rates() {
    }

    /**
     * Wilson's score interval for {@code hits} of {@code runs} at 95 %: sound at rates near 0 (A/A) and 1 (power),
     * where the normal approximation of the rate itself is not.
     */
    static double[] wilson(int hits, int runs) {
        if (runs == 0) {
            return new double[]{0, 1};
        }
        double z = 1.959964;
        double p = (double) hits / runs;
        double centre = (p + z * z / (2 * runs)) / (1 + z * z / runs);
        double half = z / (1 + z * z / runs) * Math.sqrt(p * (1 - p) / runs + z * z / (4.0 * runs * runs));
        return new double[]{Math.max(0, centre - half), Math.min(1, centre + half)};
    }

    /** The {@code q} quantile (nearest rank) of the times, or "-" without any. */
    static String quantile(List<Double> seconds, double q) {
        if (seconds.isEmpty()) {
            return "-";
        }
        double[] sorted = seconds.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int rank = (int) Math.ceil(q * sorted.length);
        return String.format(Locale.ROOT, "%.1f s", sorted[Math.max(0, rank - 1)]);
    }

    static String row(String scenario, String release, int runs, int failed, int inconclusive, int errors,
                      List<Double> detection, String caughtBy) {
        double[] interval = wilson(failed, runs);
        return String.format(Locale.ROOT, "%-8s %-28s %5d %7d %7d %7d %8.1f%% %-17s %9s %9s  %s", scenario, release,
                runs, failed, inconclusive, errors, 100.0 * failed / runs,
                String.format(Locale.ROOT, "%.1f–%.1f %%", interval[0] * 100, interval[1] * 100),
                quantile(detection, 0.5), quantile(detection, 0.9), caughtBy);
    }
}
