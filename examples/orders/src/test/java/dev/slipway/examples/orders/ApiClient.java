package dev.slipway.examples.orders;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** A JSON client for the orders API, as a test sees it from outside the process. */
final class ApiClient {

    /** A response: status, the JSON body and the release that answered. */
    record Response(int status, JsonNode body, String version, String allow) {
        String error() {
            return body.path("error").asText();
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final URI base;

    ApiClient(URI base) {
        this.base = base;
    }

    Response get(String path) {
        return send(request(path).GET().build());
    }

    Response post(String path, String json) {
        return send(postRequest(path, json));
    }

    Response send(String method, String path) {
        return send(request(path).method(method, HttpRequest.BodyPublishers.noBody()).build());
    }

    CompletableFuture<Response> postAsync(String path, String json) {
        return http.sendAsync(postRequest(path, json), HttpResponse.BodyHandlers.ofString()).thenApply(ApiClient::parse);
    }

    private HttpRequest postRequest(String path, String json) {
        return request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build();
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10));
    }

    private Response send(HttpRequest request) {
        try {
            return parse(http.send(request, HttpResponse.BodyHandlers.ofString()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Response parse(HttpResponse<String> response) {
        try {
            return new Response(response.statusCode(), JSON.readTree(response.body()),
                    response.headers().firstValue(OrdersApi.VERSION_HEADER).orElse(null),
                    response.headers().firstValue("Allow").orElse(null));
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + response.body(), e);
        }
    }
}
