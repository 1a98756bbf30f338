package dev.slipway.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.slipway.controller.BadInputException;
import dev.slipway.controller.ConflictException;
import dev.slipway.controller.NotFoundException;
import dev.slipway.controller.RolloutController;
import dev.slipway.controller.SchemaCoordinator;
import dev.slipway.controller.guard.Backups;
import dev.slipway.controller.guard.ForceOverride;
import dev.slipway.controller.guard.GuardRefusedException;
import dev.slipway.controller.rollout.StartedRollout;
import dev.slipway.model.ReleaseSpec;
import dev.slipway.model.SpecException;
import dev.slipway.model.SpecParser;
import dev.slipway.model.support.DaemonThreads;
import dev.slipway.model.support.Tokens;
import dev.slipway.schema.Migration;
import dev.slipway.schema.MigrationException;
import dev.slipway.schema.MigrationFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The local HTTP JSON API over one service's {@link RolloutController} and {@link SchemaCoordinator}: what the
 * {@code slipway} client commands talk to while {@code slipway up} runs. It listens on 127.0.0.1 only, wants
 * {@code Authorization: Bearer <token>} on every request (the token is random per start and published in
 * {@code <stateDir>/api.json}, mode 0600), and answers JSON. A failed request answers
 * {@code {"error": "...", "kind": "..."}} with a status by kind: 400 {@code bad-input}, 404 {@code not-found},
 * 409 {@code conflict} (the service's state does not allow it now) and 409 {@code refused} (the compatibility guard
 * refused it; the body also carries the guard's decision), besides 401 and 405.
 */
public final class ApiServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ApiServer.class);
    private static final String PREFIX = "/api/v1";
    private static final String DEFAULT_ACTOR = "cli";
    private static final int MAX_BODY_BYTES = 4 * 1024 * 1024;

    private final String service;
    private final RolloutController controller;
    private final SchemaCoordinator schema;
    private final Path stateDirectory;
    private final String token;
    private final HttpServer http;
    private final ExecutorService requestThreads;
    private final Map<String, Route> routes = new LinkedHashMap<>();
    private final ApiDescriptor descriptor;
    /** Takes a fresh backup (pg_dump) for {@code ?force=true&backup=auto}; unset means only named backups work. */
    private volatile java.util.function.Function<String, ForceOverride> automaticBackup;

    private ApiServer(RolloutController controller, Path stateDirectory, int port) throws IOException {
        this.service = controller.service();
        this.controller = controller;
        this.schema = controller.schema();
        this.stateDirectory = stateDirectory;
        this.token = Tokens.newToken();
        this.requestThreads = Executors.newFixedThreadPool(4, DaemonThreads.named("slipway-api"));
        defineRoutes();
        this.http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        http.createContext("/", this::handle);
        http.setExecutor(requestThreads);
        http.start();
        InetSocketAddress address = http.getAddress();
        this.descriptor = new ApiDescriptor(URI.create("http://" + address.getAddress().getHostAddress() + ":"
                + address.getPort()), token, ProcessHandle.current().pid(), service);
    }

    /**
     * Starts the API on 127.0.0.1:{@code port} (0 picks a free port) and publishes {@code <stateDirectory>/api.json}.
     * Refused when that file names another live process: one controller per state directory.
     */
    public static ApiServer start(RolloutController controller, Path stateDirectory, int port) {
        Optional<ApiDescriptor> existing = ApiDescriptor.read(stateDirectory);
        if (existing.isPresent() && existing.get().pid() != ProcessHandle.current().pid()
                && ProcessHandle.of(existing.get().pid()).map(ProcessHandle::isAlive).orElse(false)) {
            throw new IllegalStateException("another Slipway controller (pid " + existing.get().pid() + ", service "
                    + existing.get().service() + ") serves " + stateDirectory + " at " + existing.get().url()
                    + "; stop it first (or remove " + ApiDescriptor.file(stateDirectory) + " if that process is not Slipway)");
        }
        ApiServer server;
        try {
            server = new ApiServer(controller, stateDirectory, port);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the API on 127.0.0.1:" + port + ": " + e.getMessage(), e);
        }
        try {
            server.descriptor.write(stateDirectory);
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    /** The API's base URL, e.g. {@code http://127.0.0.1:40123}. */
    public URI url() {
        return descriptor.url();
    }

    public String token() {
        return token;
    }

    /** Where the URL and token are published for clients. */
    public Path descriptorFile() {
        return ApiDescriptor.file(stateDirectory);
    }

    /**
     * Applies a release as {@code POST /api/v1/apply} does: returns once the guard decided and the rollout is
     * recorded; the rollout runs on.
     */
    public StartedRollout apply(ReleaseSpec release, String actor) {
        return controller.apply(release, actor);
    }

    // ------------------------------------------------------------------ routes

    private void defineRoutes() {
        route("GET", "/status", request -> respond(200, JsonViews.status(controller.status())));
        route("GET", "/stable", request -> controller.stableSnapshot()
                .map(stable -> respond(200, JsonViews.stable(service, stable)))
                .orElseGet(() -> respond(404, JsonViews.error(JsonViews.NOT_FOUND, service + " runs no release yet"))));
        route("POST", "/apply", request -> {
            String file = request.query("file").orElse("slipway.yaml");
            var spec = SpecParser.parse(file, request.bodyText());
            if (!spec.service().equals(service)) {
                throw new BadRequest(file + ": describes service '" + spec.service() + "', but this controller runs '"
                        + service + "'");
            }
            StartedRollout started = controller.apply(spec.release(), request.actor(), force(request));
            return respond(202, JsonViews.started(started.recorded()));
        });
        route("POST", "/rollout/promote", request -> {
            controller.promote(request.actor(), request.booleanQuery("full"));
            return respond(202, JsonViews.accepted());
        });
        route("POST", "/rollout/abort", request -> {
            String reason = request.bodyText().strip();
            controller.abort(request.actor(), reason.isEmpty() ? null : reason);
            return respond(202, JsonViews.accepted());
        });
        route("POST", "/rollout/retry", request ->
                respond(202, JsonViews.started(controller.retry(request.actor(), force(request)).recorded())));
        route("POST", "/rollout/undo", request -> {
            StartedRollout undo = controller.startUndo(request.query("to").filter(v -> !v.isBlank()).orElse(null),
                    request.actor(), force(request));
            return respond(202, JsonViews.started(undo.recorded()));
        });
        route("GET", "/rollout/history", request -> {
            int limit = request.intQuery("limit", 20);
            if (limit < 1 || limit > 1000) {
                throw new BadRequest("limit " + limit + " is out of range (1..1000)");
            }
            return respond(200, JsonViews.history(controller.history(limit)));
        });
        route("POST", "/schema/start", request -> {
            String file = request.query("file").orElseThrow(() -> new BadRequest(
                    "?file=NAME is required: the migration's file name (e.g. 002_split_name.yaml)"));
            Migration migration = MigrationFile.parse(file, request.body());
            schema.start(migration, request.actor(), progress -> { }, force(request));
            return respond(200, JsonViews.schemaState(schema.state()));
        });
        route("POST", "/schema/complete", request -> {
            schema.complete(request.actor(), force(request));
            return respond(200, JsonViews.schemaState(schema.state()));
        });
        route("POST", "/schema/rollback", request -> {
            schema.rollback(request.actor(), force(request));
            return respond(200, JsonViews.schemaState(schema.state()));
        });
    }

    /** Lets {@code ?force=true} without a named backup take one (pg_dump of the service database). */
    public void useAutomaticBackups(java.util.function.Function<String, ForceOverride> takeBackup) {
        this.automaticBackup = takeBackup;
    }

    /**
     * {@code ?force=true&backup=FILE|auto&reason=TEXT}: an override of the guard, allowed only with a backup.
     * Empty without force.
     */
    private Optional<ForceOverride> force(Request request) {
        if (!request.query("force").map("true"::equals).orElse(false)) {
            return Optional.empty();
        }
        String reason = request.query("reason").orElse("");
        String backup = request.query("backup").filter(b -> !b.isBlank()).orElse("auto");
        if (!backup.equals("auto")) {
            return Optional.of(Backups.named(Path.of(backup), reason));
        }
        java.util.function.Function<String, ForceOverride> taker = automaticBackup;
        if (taker == null) {
            throw new BadRequest("--force needs a backup: pass --backup FILE (this controller cannot take one itself)");
        }
        return Optional.of(taker.apply(reason));
    }

    private void route(String method, String path, Handler handler) {
        routes.put(PREFIX + path, new Route(method, handler));
    }

    // ------------------------------------------------------------------ HTTP plumbing

    private void handle(HttpExchange exchange) throws IOException {
        Response response;
        try {
            response = dispatch(exchange);
        } catch (Exception e) {
            response = failure(exchange, e);
        }
        try (exchange) {
            byte[] bytes = JsonViews.JSON.writeValueAsBytes(response.body());
            exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            response.allow().ifPresent(allow -> exchange.getResponseHeaders().set("Allow", allow));
            if (response.status() == 401) {
                exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"slipway\"");
            }
            exchange.sendResponseHeaders(response.status(), bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    /** A failed request answered by the kind of failure: the client tells them apart by status and {@code kind}. */
    private static Response failure(HttpExchange exchange, Exception e) {
        if (e instanceof GuardRefusedException refused) {
            return respond(409, JsonViews.refused(refused.decision()));
        }
        if (e instanceof NotFoundException) {
            return respond(404, JsonViews.error(JsonViews.NOT_FOUND, e.getMessage()));
        }
        if (e instanceof ConflictException) {
            return respond(409, JsonViews.error(JsonViews.CONFLICT, e.getMessage()));
        }
        if (e instanceof BadRequest || e instanceof BadInputException || e instanceof SpecException
                || e instanceof MigrationException || e instanceof IllegalArgumentException) {
            return respond(400, JsonViews.error(JsonViews.BAD_INPUT, e.getMessage()));
        }
        if (e instanceof IllegalStateException) {
            // a state the action cannot run in, from a part that predates the typed errors
            return respond(409, JsonViews.error(JsonViews.CONFLICT, e.getMessage()));
        }
        log.warn("{} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
        return respond(500, JsonViews.error("failed", e.getClass().getSimpleName() + ": " + e.getMessage()));
    }

    private Response dispatch(HttpExchange exchange) throws Exception {
        // Authentication comes before routing, so a caller without the token learns nothing about the paths.
        if (!Tokens.presents(exchange.getRequestHeaders().getFirst("Authorization"), token)) {
            return respond(401, JsonViews.error("unauthorized", "missing or wrong bearer token (see "
                    + ApiDescriptor.FILE_NAME + " in the state directory)"));
        }
        String path = exchange.getRequestURI().getPath();
        Route route = routes.get(path);
        if (route == null) {
            return respond(404, JsonViews.error(JsonViews.NOT_FOUND, "no such endpoint: " + path));
        }
        if (!route.method().equals(exchange.getRequestMethod())) {
            return new Response(405, JsonViews.error("method-not-allowed", exchange.getRequestMethod()
                    + " is not allowed on " + path + " (use " + route.method() + ")"), Optional.of(route.method()));
        }
        return route.handler().handle(new Request(exchange));
    }

    private static Response respond(int status, ObjectNode body) {
        return new Response(status, body, Optional.empty());
    }

    /** Stops answering, removes {@code api.json}; the controller belongs to the caller. */
    @Override
    public void close() {
        descriptor.delete(stateDirectory);
        http.stop(0);
        requestThreads.shutdownNow();
    }

    /** What one endpoint does with a request. */
    @FunctionalInterface
    private interface Handler {
        Response handle(Request request) throws Exception;
    }

    private record Route(String method, Handler handler) {
    }

    private record Response(int status, ObjectNode body, Optional<String> allow) {
    }

    /** Bad input the client can fix: answered with 400. */
    private static final class BadRequest extends RuntimeException {
        BadRequest(String message) {
            super(message);
        }
    }

    /** The parts of an exchange the endpoints read: query parameters, body, actor. */
    private static final class Request {
        private final HttpExchange exchange;
        private final Map<String, String> query = new LinkedHashMap<>();

        Request(HttpExchange exchange) {
            this.exchange = exchange;
            String raw = exchange.getRequestURI().getRawQuery();
            if (raw != null) {
                for (String pair : raw.split("&")) {
                    if (pair.isEmpty()) {
                        continue;
                    }
                    int equals = pair.indexOf('=');
                    String name = equals < 0 ? pair : pair.substring(0, equals);
                    String value = equals < 0 ? "" : pair.substring(equals + 1);
                    query.put(URLDecoder.decode(name, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8));
                }
            }
        }

        Optional<String> query(String name) {
            return Optional.ofNullable(query.get(name));
        }

        boolean booleanQuery(String name) {
            String value = query.get(name);
            if (value == null || value.equals("false")) {
                return false;
            }
            if (value.isEmpty() || value.equals("true")) {
                return true;
            }
            throw new BadRequest(name + "=" + value + " is not true or false");
        }

        int intQuery(String name, int fallback) {
            String value = query.get(name);
            if (value == null) {
                return fallback;
            }
            try {
                return Integer.parseInt(value);
            } catch (NumberFormatException e) {
                throw new BadRequest(name + "=" + value + " is not a whole number");
            }
        }

        String actor() {
            String actor = exchange.getRequestHeaders().getFirst("X-Slipway-Actor");
            return actor == null || actor.isBlank() ? DEFAULT_ACTOR : actor.strip();
        }

        byte[] body() throws IOException {
            try (InputStream in = exchange.getRequestBody()) {
                byte[] bytes = in.readNBytes(MAX_BODY_BYTES + 1);
                if (bytes.length > MAX_BODY_BYTES) {
                    throw new BadRequest("request body larger than " + MAX_BODY_BYTES + " bytes");
                }
                return bytes;
            }
        }

        String bodyText() throws IOException {
            return new String(body(), StandardCharsets.UTF_8);
        }
    }
}
