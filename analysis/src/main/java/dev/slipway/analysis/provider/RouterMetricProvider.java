package dev.slipway.analysis.provider;

import dev.slipway.analysis.MetricProvider;
import dev.slipway.analysis.MetricSample;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Reads a revision's counters from the built-in router's admin endpoint ({@code GET /metrics}), the same
 * numbers a Prometheus server would scrape. Errors are 5xx answers plus upstream errors.
 */
public final class RouterMetricProvider implements MetricProvider {
    private final URI metricsUri;
    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();

    public RouterMetricProvider(URI metricsUri) {
        this.metricsUri = metricsUri;
    }

    @Override
    public MetricSample sample(String revision) {
        String text;
        try {
            HttpResponse<String> response = client.send(
                    HttpRequest.newBuilder(metricsUri).timeout(Duration.ofSeconds(5)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("router metrics at " + metricsUri + " answered " + response.statusCode());
            }
            text = response.body();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read router metrics at " + metricsUri + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading router metrics", e);
        }
        return fromText(revision, text);
    }

    /** Extracts one revision's sample from the router's exposition text. */
    public static MetricSample fromText(String revision, String text) {
        long requests = 0;
        long errors = 0;
        TreeMap<Double, Long> buckets = new TreeMap<>();
        for (PrometheusText.Sample sample : PrometheusText.parse(text)) {
            if (!revision.equals(sample.labels().get("revision"))) {
                continue;
            }
            switch (sample.name()) {
                case "slipway_router_requests_total" -> {
                    requests += (long) sample.value();
                    if ("5xx".equals(sample.labels().get("code"))) {
                        errors += (long) sample.value();
                    }
                }
                case "slipway_router_upstream_errors_total" -> {
                    // upstream errors were answered 502/504 by the router, so they are in the 5xx count
                    // already; they only matter on their own when the router was told not to count them.
                }
                case "slipway_router_request_duration_seconds_bucket" -> {
                    String bound = sample.labels().get("le");
                    double millis = "+Inf".equals(bound) ? Double.POSITIVE_INFINITY : Double.parseDouble(bound) * 1000;
                    buckets.put(millis, (long) sample.value());
                }
                default -> {
                }
            }
        }
        List<Double> bounds = new ArrayList<>(buckets.keySet());
        double[] bucketBounds = new double[bounds.size()];
        long[] bucketCounts = new long[bounds.size()];
        for (int i = 0; i < bounds.size(); i++) {
            bucketBounds[i] = bounds.get(i);
            bucketCounts[i] = buckets.get(bounds.get(i));
        }
        return new MetricSample(revision, requests, errors, bucketBounds, bucketCounts);
    }
}
