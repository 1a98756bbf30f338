package dev.slipway.analysis.run;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * An analysis run as stored and shown: its name (e.g. {@code step 3: error-rate}), phase, a one-line summary and
 * each metric. Dry-run metrics are recorded with their own phase but never decide the run's.
 */
public record AnalysisStatus(String name, Phase phase, String message, Instant startedAt, Optional<Instant> finishedAt,
                             List<MetricStatus> metrics) {
    public AnalysisStatus {
        metrics = List.copyOf(metrics);
    }

    public Optional<MetricStatus> metric(String name) {
        return metrics.stream().filter(metric -> metric.name().equals(name)).findFirst();
    }

    /** Dry-run metrics that failed or errored: what would have aborted the rollout. */
    public List<MetricStatus> dryRunFailures() {
        return metrics.stream().filter(MetricStatus::dryRun)
                .filter(metric -> metric.phase() == Phase.FAILED || metric.phase() == Phase.ERROR || metric.failed() > 0)
                .toList();
    }
}
