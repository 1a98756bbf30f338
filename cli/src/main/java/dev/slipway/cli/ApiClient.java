package dev.slipway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.slipway.model.support.Tokens;
import dev.slipway.server.ApiDescriptor;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A client of the API that {@code slipway up} serves for a state directory: finds it through
 * {@code <stateDir>/api.json}, sends the bearer token, and returns the status code with the JSON body.
 */
public final class ApiClient {
    /** What a user sees when nothing serves the state directory. */
    static final String NOT_RUNNING = "no Slipway controller is running here (start one with slipway up -f slipway.yaml)";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A schema start backfills before it answers; that can take minutes on a large table. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(30);

    private final ApiDescriptor descriptor;
    private final Path stateDirectory;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    /** Who the audit history names for this client's actions. */
    private final String actor;

    private ApiClient(ApiDescriptor descriptor, Path stateDirectory, String actor) {
        this.descriptor = descriptor;
        this.stateDirectory = stateDirectory;
        this.actor = actor;
    }

    /** The client of the controller serving {@code stateDirectory}; fails with a clear message when there is none. */
    public static ApiClient fromStateDirectory(Path stateDirectory) {
        ApiDescriptor descriptor = ApiDescriptor.read(stateDirectory)
                .orElseThrow(() -> new IllegalStateException(NOT_RUNNING));
        return new ApiClient(descriptor, stateDirectory, System.getProperty("user.name", "cli"));
    }

    /** The same client acting as {@code actor} in the audit history (e.g. "alice via env promote from test"). */
    public ApiClient as(String actor) {
        return new ApiClient(descriptor, stateDirectory, actor);
    }

    /** The service the controller runs. */
    public String service() {
        return descriptor.service();
    }

    /** {@code GET path}, e.g. {@code get("/api/v1/status")}. */
    public ApiResponse get(String path) {
        return send(request(path).GET());
    }

    /** {@code POST path} with a text body (may be empty). */
    public ApiResponse post(String path, String body) {
        return post(path, body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code POST path} with a binary body, e.g. a migration file as read from disk. */
    public ApiResponse post(String path, byte[] body) {
        return send(request(path).POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(descriptor.url().resolve(path))
                .timeout(REQUEST_TIMEOUT)
                .header("Authorization", Tokens.bearer(descriptor.token()))
                .header("X-Slipway-Actor", actor);
    }

    private ApiResponse send(HttpRequest.Builder request) {
        HttpResponse<byte[]> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (ConnectException e) {
            // api.json outlived its controller (kill -9, power loss): say so instead of "connection refused"
            throw new IllegalStateException(NOT_RUNNING + "; " + ApiDescriptor.file(stateDirectory) + " names "
                    + descriptor.url() + " (pid " + descriptor.pid() + "), which does not answer", e);
        } catch (IOException e) {
            throw new IllegalStateException("the Slipway controller at " + descriptor.url() + " did not answer: "
                    + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        return new ApiResponse(response.statusCode(), parse(response.body()));
    }

    private static JsonNode parse(byte[] body) {
        if (body.length == 0) {
            return JsonNodeFactory.instance.objectNode();
        }
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return JsonNodeFactory.instance.objectNode().put("error", new String(body, StandardCharsets.UTF_8));
        }
    }

    /** The API's URL, e.g. {@code http://127.0.0.1:40123}. */
    public URI url() {
        return descriptor.url();
    }

    /** One answer of the API: the HTTP status and the JSON body ({@code {"error": ...}} when not 2xx). */
    public record ApiResponse(int status, JsonNode body) {
        public boolean ok() {
            return status >= 200 && status < 300;
        }

        /** The server's message for a failed request. */
        public String error() {
            return body.path("error").asText("HTTP " + status);
        }

        /** What kind of failure: {@code refused} (by the guard), {@code conflict}, {@code bad-input}, {@code not-found}. */
        public String kind() {
            return body.path("kind").asText("");
        }
    }
}
