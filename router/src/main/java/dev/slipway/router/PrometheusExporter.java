package dev.slipway.router;

import java.util.List;

/**
 * Renders the per-revision counters in the Prometheus text format (version 0.0.4). The metric names are
 * a contract: the analysis module queries them.
 */
final class PrometheusExporter {

    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    /** Bucket bounds as Prometheus writes them, matching {@link RevisionCounters#BUCKET_BOUNDS_MILLIS}. */
    private static final String[] BUCKET_LABELS = {"0.001", "0.002", "0.005", "0.01", "0.025", "0.05", "0.1",
            "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"};

    private PrometheusExporter() {
    }

    static String render(List<RevisionCounters> revisions) {
        StringBuilder text = new StringBuilder(512 + revisions.size() * 1024);
        text.append("# TYPE slipway_router_requests_total counter\n");
        for (RevisionCounters revision : revisions) {
            String label = escape(revision.revision());
            for (int statusClass = 2; statusClass <= 5; statusClass++) {
                text.append("slipway_router_requests_total{revision=\"").append(label).append("\",code=\"")
                        .append(statusClass).append("xx\"} ").append(revision.statusClass(statusClass)).append('\n');
            }
        }
        text.append("# TYPE slipway_router_upstream_errors_total counter\n");
        for (RevisionCounters revision : revisions) {
            text.append("slipway_router_upstream_errors_total{revision=\"").append(escape(revision.revision()))
                    .append("\"} ").append(revision.upstreamErrors()).append('\n');
        }
        text.append("# TYPE slipway_router_request_duration_seconds histogram\n");
        for (RevisionCounters revision : revisions) {
            String label = escape(revision.revision());
            long[] cumulative = revision.cumulativeLatencyCounts();
            for (int i = 0; i < cumulative.length; i++) {
                text.append("slipway_router_request_duration_seconds_bucket{revision=\"").append(label)
                        .append("\",le=\"").append(BUCKET_LABELS[i]).append("\"} ").append(cumulative[i]).append('\n');
            }
            text.append("slipway_router_request_duration_seconds_sum{revision=\"").append(label).append("\"} ")
                    .append(revision.latencySumSeconds()).append('\n');
            text.append("slipway_router_request_duration_seconds_count{revision=\"").append(label).append("\"} ")
                    .append(cumulative[cumulative.length - 1]).append('\n');
        }
        text.append("# TYPE slipway_router_in_flight gauge\n");
        for (RevisionCounters revision : revisions) {
            text.append("slipway_router_in_flight{revision=\"").append(escape(revision.revision())).append("\"} ")
                    .append(revision.inFlight()).append('\n');
        }
        return text.toString();
    }

    /** Label values escape backslash, double quote and line feed. */
    static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
