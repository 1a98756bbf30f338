package dev.slipway.analysis.run;

import dev.slipway.model.MetricSpec;

import java.util.Map;

/** Makes the measurer of a metric once its arguments are known (every placeholder filled in). */
@FunctionalInterface
public interface MeasurerFactory {
    /** @throws IllegalArgumentException when the metric cannot be measured as written (an argument makes a bad URL) */
    Measurer create(MetricSpec metric, Map<String, String> args);
}
