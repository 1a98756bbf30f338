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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the built-in router's per-request samples ({@code GET /samples?since=EPOCH_MS&revision=..} on its admin
 * port): latencies in microseconds and status classes of a bounded random sample of requests, with exact counts.
 * The router keeps the last ten minutes; a longer window covers only those.
 */
public final class RouterRequestSamples implements RequestSamples {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final URI admin;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    /** @param admin the router's admin base URI, e.g. {@code http://127.0.0.1:9901} */
    public RouterRequestSamples(URI admin) {
        this.admin = admin;
    }

    @Override
    public Map<String, Window> since(Instant start, List<String> revisions) throws IOException {
        StringBuilder query = new StringBuilder("/samples?since=").append(start.toEpochMilli());
        for (String revision : revisions) {
            query.append("&revision=").append(URLEncoder.encode(revision, StandardCharsets.UTF_8));
        }
        URI uri = admin.resolve(query.toString());
        HttpResponse<String> response;
        try {
            response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reading the router's samples");
        } catch (IOException e) {
            throw new IOException("the router's samples at " + uri + " are unreachable: " + PrometheusClient.describe(e), e);
        }
        if (response.statusCode() != 200) {
            throw new IOException("the router's samples at " + uri + " answered " + response.statusCode() + ": "
                    + response.body().strip());
        }
        return parse(response.body(), revisions);
    }

    static Map<String, Window> parse(String body, List<String> revisions) throws IOException {
        JsonNode root = JSON.readTree(body);
        Map<String, Window> windows = new LinkedHashMap<>();
        revisions.forEach(revision -> windows.put(revision, new Window(new double[0], 0, 0)));
        for (JsonNode revision : root.path("revisions")) {
            JsonNode latencies = revision.path("latencyMicros");
            double[] millis = new double[latencies.size()];
            for (int i = 0; i < millis.length; i++) {
                millis[i] = latencies.get(i).asLong() / 1000.0;
            }
            windows.put(revision.path("revision").asText(),
                    new Window(millis, revision.path("requests").asLong(), revision.path("status5xx").asLong()));
        }
        return windows;
    }
}
