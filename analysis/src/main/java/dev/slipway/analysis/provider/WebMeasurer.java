package dev.slipway.analysis.provider;

import com.jayway.jsonpath.Configuration;
import com.jayway.jsonpath.InvalidPathException;
import com.jayway.jsonpath.JsonPath;
import com.jayway.jsonpath.PathNotFoundException;
import com.jayway.jsonpath.spi.json.JacksonJsonProvider;
import com.jayway.jsonpath.spi.mapper.JacksonMappingProvider;
import dev.slipway.analysis.run.Measurer;
import dev.slipway.analysis.run.Observation;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A web metric: an HTTP GET or POST answering JSON, with an optional JSONPath (Jayway) picking the result out of
 * it. A status other than 2xx, a body that is not JSON or a path that is not in the document is an error; a JSON
 * null (or an empty list from a filter) is no data.
 */
public final class WebMeasurer implements Measurer {
    private static final Configuration JSON = Configuration.builder().jsonProvider(new JacksonJsonProvider())
            .mappingProvider(new JacksonMappingProvider()).build();

    private final URI url;
    private final String method;
    private final Map<String, String> headers;
    private final Optional<String> body;
    private final Optional<JsonPath> path;
    private final Duration timeout;
    private final HttpClient http;

    public WebMeasurer(String url, String method, Map<String, String> headers, Optional<String> body,
                       Optional<String> jsonPath, Duration timeout) {
        this.url = URI.create(url);
        if (!"http".equals(this.url.getScheme()) && !"https".equals(this.url.getScheme())) {
            throw new IllegalArgumentException("'" + url + "' is not an http:// or https:// URL");
        }
        this.method = method;
        this.headers = Map.copyOf(headers);
        this.body = body;
        try {
            this.path = jsonPath.map(JsonPath::compile);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("'" + jsonPath.orElse("") + "' is not a JSONPath: " + e.getMessage());
        }
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    @Override
    public Observation measure() throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(url).timeout(timeout).header("Accept", "application/json");
        headers.forEach(request::header);
        if (method.equals("POST")) {
            request.POST(HttpRequest.BodyPublishers.ofString(body.orElse("")));
        } else {
            request.GET();
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IOException(method + " " + url + " failed: " + PrometheusClient.describe(e), e);
        }
        if (response.statusCode() / 100 != 2) {
            throw new IOException(method + " " + url + " answered " + response.statusCode() + ": " + excerpt(response.body()));
        }
        Object document;
        try {
            document = JSON.jsonProvider().parse(response.body());
        } catch (RuntimeException e) {
            throw new IOException(method + " " + url + " did not answer JSON: " + excerpt(response.body()));
        }
        Object result = document;
        if (path.isPresent()) {
            try {
                result = path.get().read(document, JSON);
            } catch (PathNotFoundException e) {
                throw new IOException(path.get().getPath() + " is not in the answer of " + url + ": " + e.getMessage());
            }
        }
        if (result == null || (result instanceof List<?> list && list.isEmpty() && !path.get().isDefinite())) {
            return Observation.noData(path.map(JsonPath::getPath).orElse("the answer") + " is empty");
        }
        return Observation.of(result, excerpt(String.valueOf(result)));
    }

    private static String excerpt(String text) {
        String flat = text.replaceAll("\\s+", " ").strip();
        return flat.length() <= 200 ? flat : flat.substring(0, 200) + "...";
    }
}
