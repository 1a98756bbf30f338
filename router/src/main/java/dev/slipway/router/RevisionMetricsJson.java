package dev.slipway.router;

import java.math.BigDecimal;
import java.util.List;
import java.util.Set;

/**
 * {@link RevisionMetrics} as JSON for {@code GET /metrics/<revision>.json}. The last latency bucket bound is
 * infinite, which JSON cannot express: it is written as the string {@code "+Inf"}, as Prometheus does.
 */
final class RevisionMetricsJson {

    private static final String INFINITY = "+Inf";
    private static final Set<String> FIELDS = Set.of("revision", "requests", "status2xx", "status3xx", "status4xx",
            "status5xx", "upstreamErrors", "latencyBucketsMillis", "latencyCounts");

    private RevisionMetricsJson() {
    }

    static String render(RevisionMetrics metrics) {
        StringBuilder json = new StringBuilder(512).append("{\"revision\":").append(RouteTableJson.quote(metrics.revision()))
                .append(",\"requests\":").append(metrics.requests())
                .append(",\"status2xx\":").append(metrics.status2xx())
                .append(",\"status3xx\":").append(metrics.status3xx())
                .append(",\"status4xx\":").append(metrics.status4xx())
                .append(",\"status5xx\":").append(metrics.status5xx())
                .append(",\"upstreamErrors\":").append(metrics.upstreamErrors())
                .append(",\"latencyBucketsMillis\":[");
        double[] bounds = metrics.latencyBucketsMillis();
        for (int i = 0; i < bounds.length; i++) {
            json.append(i == 0 ? "" : ",");
            if (Double.isInfinite(bounds[i])) {
                json.append('"').append(INFINITY).append('"');
            } else {
                json.append(BigDecimal.valueOf(bounds[i]).stripTrailingZeros().toPlainString());
            }
        }
        json.append("],\"latencyCounts\":[");
        long[] counts = metrics.latencyCounts();
        for (int i = 0; i < counts.length; i++) {
            json.append(i == 0 ? "" : ",").append(counts[i]);
        }
        return json.append("]}").toString();
    }

    static RevisionMetrics parse(String json) {
        JsonObject metrics = JsonObject.parse(json).allowOnly(FIELDS);
        List<Object> boundValues = metrics.arrayOrEmpty("latencyBucketsMillis");
        double[] bounds = new double[boundValues.size()];
        for (int i = 0; i < bounds.length; i++) {
            Object bound = boundValues.get(i);
            if (INFINITY.equals(bound)) {
                bounds[i] = Double.POSITIVE_INFINITY;
            } else if (bound instanceof BigDecimal number) {
                bounds[i] = number.doubleValue();
            } else {
                throw new IllegalArgumentException("latencyBucketsMillis[" + i + "]: expected a number or \"+Inf\", got "
                        + JsonObject.show(bound));
            }
        }
        List<Object> countValues = metrics.arrayOrEmpty("latencyCounts");
        long[] counts = new long[countValues.size()];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = JsonObject.integerValue("latencyCounts[" + i + "]", countValues.get(i));
        }
        if (counts.length != bounds.length) {
            throw new IllegalArgumentException("latencyCounts has " + counts.length + " entries but latencyBucketsMillis has "
                    + bounds.length);
        }
        return new RevisionMetrics(metrics.string("revision"), metrics.integer("requests"), metrics.integer("status2xx"),
                metrics.integer("status3xx"), metrics.integer("status4xx"), metrics.integer("status5xx"),
                metrics.integer("upstreamErrors"), bounds, counts);
    }
}
