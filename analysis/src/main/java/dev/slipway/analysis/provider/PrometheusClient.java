package dev.slipway.analysis.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A client of the Prometheus HTTP API ({@code /api/v1/query} and {@code /api/v1/query_range}). Anything other
 * than a successful answer — unreachable server, HTTP error, {@code "status":"error"} (a bad query), a timeout —
 * is a {@link PrometheusException} carrying Prometheus' own words.
 */
public final class PrometheusClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final URI address;
    private final Duration timeout;
    private final HttpClient http;

    public PrometheusClient(String address, Duration timeout) {
        String base = address.endsWith("/") ? address.substring(0, address.length() - 1) : address;
        this.address = URI.create(base);
        if (this.address.getScheme() == null || this.address.getHost() == null) {
            throw new IllegalArgumentException("'" + address + "' is not a Prometheus address (http://host:port)");
        }
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout.compareTo(Duration.ofSeconds(5)) < 0 ? timeout : Duration.ofSeconds(5)).build();
    }

    /** A query failed: the server could not be reached, or refused the query. */
    public static final class PrometheusException extends Exception {
        public PrometheusException(String message) {
            super(message);
        }
    }

    /**
     * Runs an instant query. A scalar is a Double, a vector a List of Doubles (one per series, in the server's
     * order), a string a String. A range vector (matrix) is refused: conditions need one value per series.
     */
    public Object query(String promql, Instant at) throws PrometheusException {
        JsonNode data = get("/api/v1/query?query=" + encode(promql) + "&time=" + seconds(at), promql);
        String type = data.path("resultType").asText();
        JsonNode result = data.path("result");
        return switch (type) {
            case "scalar" -> number(result.get(1));
            case "string" -> result.get(1).asText();
            case "vector" -> {
                List<Double> values = new ArrayList<>();
                for (JsonNode series : result) {
                    values.add(number(series.path("value").get(1)));
                }
                yield values;
            }
            default -> throw new PrometheusException("query '" + promql + "' returns a " + type
                    + "; use an instant vector or scalar (e.g. wrap a range in rate())");
        };
    }

    /**
     * Runs a range query and returns the points of its one series (NaN points dropped). No series is an empty
     * array; several series are refused (aggregate them, e.g. with sum()).
     */
    public double[] range(String promql, Instant start, Instant end, Duration step) throws PrometheusException {
        JsonNode data = get("/api/v1/query_range?query=" + encode(promql) + "&start=" + seconds(start) + "&end="
                + seconds(end) + "&step=" + step.toMillis() / 1000.0, promql);
        JsonNode result = data.path("result");
        if (result.size() == 0) {
            return new double[0];
        }
        if (result.size() > 1) {
            throw new PrometheusException("query '" + promql + "' returns " + result.size()
                    + " series; aggregate them into one (e.g. sum(...) or avg(...))");
        }
        List<Double> points = new ArrayList<>();
        for (JsonNode point : result.get(0).path("values")) {
            double value = number(point.get(1));
            if (!Double.isNaN(value)) {
                points.add(value);
            }
        }
        return points.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private JsonNode get(String pathAndQuery, String promql) throws PrometheusException {
        URI uri = URI.create(address + pathAndQuery);
        HttpResponse<String> response;
        try {
            response = http.send(HttpRequest.newBuilder(uri).timeout(timeout).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new PrometheusException("Prometheus at " + address + " is unreachable: " + describe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PrometheusException("interrupted while querying Prometheus at " + address);
        }
        JsonNode body;
        try {
            body = JSON.readTree(response.body());
        } catch (IOException e) {
            throw new PrometheusException("Prometheus at " + address + " answered " + response.statusCode()
                    + " with something that is not its API's JSON");
        }
        if (!"success".equals(body.path("status").asText())) {
            throw new PrometheusException("Prometheus refused query '" + promql + "': " + body.path("errorType").asText()
                    + ": " + body.path("error").asText() + " (HTTP " + response.statusCode() + ")");
        }
        return body.path("data");
    }

    private static double number(JsonNode value) {
        String text = value.asText();
        return switch (text) {
            case "NaN" -> Double.NaN;
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(text);
        };
    }

    private static String seconds(Instant at) {
        return String.valueOf(at.toEpochMilli() / 1000.0);
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    static String describe(IOException e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + message);
    }
}
