package dev.slipway.analysis;

/** Reads the current cumulative counters of a revision from somewhere (the router, Prometheus, ...). */
public interface MetricProvider {
    MetricSample sample(String revision);
}
