package dev.slipway.analysis.provider;

import dev.slipway.analysis.MetricProvider;
import dev.slipway.analysis.MetricSample;
import dev.slipway.analysis.run.Measurer;
import dev.slipway.analysis.run.Observation;
import dev.slipway.model.ProviderSpec;

/**
 * A router metric: the built-in router's counters for one revision over the time since the previous measurement
 * (since the analysis started, for the first). Fewer than {@code minRequests} requests is no data. Latencies are
 * in milliseconds, read from the router's histogram as the upper bound of the bucket holding the quantile.
 */
public final class RouterMeasurer implements Measurer {
    private final MetricProvider router;
    private final String revision;
    private final ProviderSpec.RouterMetric metric;
    private final long minRequests;
    private MetricSample previous;

    public RouterMeasurer(MetricProvider router, String revision, ProviderSpec.RouterMetric metric, long minRequests) {
        this.router = router;
        this.revision = revision;
        this.metric = metric;
        this.minRequests = minRequests;
        try {
            this.previous = router.sample(revision);
        } catch (RuntimeException e) {
            this.previous = null; // the first measurement reports it
        }
    }

    @Override
    public Observation measure() {
        if (previous == null) {
            previous = router.sample(revision);
            throw new IllegalStateException("the router's counters could not be read when the window began;"
                    + " it begins now");
        }
        MetricSample now = router.sample(revision);
        MetricSample window = now.since(previous);
        previous = now;
        if (metric == ProviderSpec.RouterMetric.REQUESTS) {
            return Observation.of((double) window.requests(), String.valueOf(window.requests()));
        }
        if (window.requests() < minRequests) {
            return Observation.noData(revision + " answered " + window.requests() + " requests, fewer than the "
                    + minRequests + " needed");
        }
        double value = switch (metric) {
            case ERROR_RATE -> window.errorRate();
            case LATENCY_P50 -> window.latencyQuantileMillis(0.50);
            case LATENCY_P90 -> window.latencyQuantileMillis(0.90);
            default -> window.latencyQuantileMillis(0.99);
        };
        return new Observation(value, PrometheusMeasurer.format(value), java.util.Optional.empty(),
                window.requests() + " requests, " + window.errors() + " errors");
    }
}
