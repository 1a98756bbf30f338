package dev.slipway.analysis.provider;

import dev.slipway.analysis.run.Measurer;
import dev.slipway.analysis.run.Observation;

import java.time.Clock;
import java.util.List;
import java.util.Locale;

/**
 * A Prometheus metric: one instant query per measurement. An empty vector or a NaN (a rate over no traffic)
 * is no data — inconclusive, never a pass. A query Prometheus refuses, or an unreachable server, is an error.
 */
public final class PrometheusMeasurer implements Measurer {
    private final PrometheusClient client;
    private final String query;
    private final Clock clock;

    public PrometheusMeasurer(PrometheusClient client, String query, Clock clock) {
        this.client = client;
        this.query = query;
        this.clock = clock;
    }

    @Override
    public Observation measure() throws PrometheusClient.PrometheusException {
        Object result = client.query(query, clock.instant());
        if (result instanceof List<?> vector) {
            if (vector.isEmpty()) {
                return Observation.noData("query returned no series: " + query);
            }
            if (vector.stream().allMatch(value -> ((Double) value).isNaN())) {
                return Observation.noData("query returned NaN (no traffic to take a rate of?): " + query);
            }
            return Observation.of(result, vector.size() == 1 ? format((Double) vector.get(0))
                    : vector.stream().map(value -> format((Double) value)).toList().toString());
        }
        if (result instanceof Double number && number.isNaN()) {
            return Observation.noData("query returned NaN: " + query);
        }
        return Observation.of(result, result instanceof Double number ? format(number) : String.valueOf(result));
    }

    static String format(double value) {
        if (value == Math.rint(value) && !Double.isInfinite(value) && Math.abs(value) < 1e15) {
            return String.valueOf((long) value);
        }
        return String.format(Locale.ROOT, "%.6g", value);
    }
}
