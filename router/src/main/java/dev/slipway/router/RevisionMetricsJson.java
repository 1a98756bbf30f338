package dev.slipway.router;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.math.BigDecimal;

/**
 * {@link RevisionMetrics} as JSON for {@code GET /metrics/<revision>.json}. The last latency bucket bound is
 * infinite, which JSON cannot express: it is written as the string {@code "+Inf"}, as Prometheus does.
 */
final class RevisionMetricsJson {

    private static final String INFINITY = "+Inf";

    private RevisionMetricsJson() {
    }

    static String render(RevisionMetrics metrics) {
        double[] bounds = metrics.latencyBucketsMillis();
        Bound[] written = new Bound[bounds.length];
        for (int i = 0; i < bounds.length; i++) {
            written[i] = new Bound(bounds[i]);
        }
        return StrictJson.write(new MetricsJson(metrics.revision(), metrics.requests(), metrics.status2xx(),
                metrics.status3xx(), metrics.status4xx(), metrics.status5xx(), metrics.upstreamErrors(), written,
                metrics.latencyCounts()));
    }

    static RevisionMetrics parse(String json) {
        MetricsJson metrics = StrictJson.read(json, MetricsJson.class);
        double[] bounds = new double[metrics.latencyBucketsMillis().length];
        for (int i = 0; i < bounds.length; i++) {
            bounds[i] = metrics.latencyBucketsMillis()[i].millis();
        }
        return new RevisionMetrics(metrics.revision(), metrics.requests(), metrics.status2xx(), metrics.status3xx(),
                metrics.status4xx(), metrics.status5xx(), metrics.upstreamErrors(), bounds, metrics.latencyCounts());
    }

    record MetricsJson(@Required String revision, @Required long requests, @Required long status2xx,
                       @Required long status3xx, @Required long status4xx, @Required long status5xx,
                       @Required long upstreamErrors, Bound[] latencyBucketsMillis, long[] latencyCounts) {
        MetricsJson {
            latencyBucketsMillis = latencyBucketsMillis == null ? new Bound[0] : latencyBucketsMillis;
            latencyCounts = latencyCounts == null ? new long[0] : latencyCounts;
            if (latencyCounts.length != latencyBucketsMillis.length) {
                throw new StrictJson.FieldError("latencyCounts", "has " + latencyCounts.length
                        + " entries but latencyBucketsMillis has " + latencyBucketsMillis.length);
            }
        }
    }

    /** A bucket's upper bound in milliseconds: a number, or {@code "+Inf"} for the last one. */
    record Bound(double millis) {

        @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
        static Bound of(Object value) {
            if (value instanceof Number number) {
                return new Bound(number.doubleValue());
            }
            if (INFINITY.equals(value)) {
                return new Bound(Double.POSITIVE_INFINITY);
            }
            throw new IllegalArgumentException("expected a number or \"+Inf\", got " + StrictJson.write(value));
        }

        @JsonValue
        Object written() {
            return Double.isInfinite(millis) ? INFINITY : BigDecimal.valueOf(millis).stripTrailingZeros();
        }
    }
}
