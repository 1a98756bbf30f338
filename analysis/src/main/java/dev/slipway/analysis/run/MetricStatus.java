package dev.slipway.analysis.run;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One metric of a running or finished analysis: its phase, its counts, and its latest measurements (at most
 * {@link AnalysisRun#MEASUREMENTS_KEPT}; the counts cover all of them).
 */
public record MetricStatus(String name, String provider, Phase phase, boolean dryRun, int successful, int failed,
                           int inconclusive, int errors, int consecutiveErrors, String message,
                           Optional<Instant> lastStartedAt, List<Measurement> measurements) {
    public MetricStatus {
        measurements = List.copyOf(measurements);
    }

    /** Measurements that reached a verdict (errors are retried, so they do not count toward {@code count}). */
    public int measured() {
        return successful + failed + inconclusive;
    }
}
