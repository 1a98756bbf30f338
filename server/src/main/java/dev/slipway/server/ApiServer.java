package dev.slipway.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.slipway.controller.RolloutController;
import dev.slipway.controller.SchemaCoordinator;
import dev.slipway.controller.ServiceStatus;
import dev.slipway.controller.guard.Backups;
import dev.slipway.controller.guard.ForceOverride;
import dev.slipway.controller.guard.GuardRefusedException;
import dev.slipway.model.ReleaseSpec;
import dev.slipway.model.SpecException;
import dev.slipway.model.SpecParser;
import dev.slipway.model.StrategySpec;
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
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The local HTTP JSON API over one service's {@link RolloutController} and {@link SchemaCoordinator}: what the
 * {@code slipway} client commands talk to while {@code slipway up} runs. It listens on 127.0.0.1 only, wants
 * {@code Authorization: Bearer <token>} on every request (the token is random per start and published in
 * {@code <stateDir>/api.json}, mode 0600), and answers JSON: {@code {"error": "..."}} with 400 for bad input,
 * 409 for a guard refusal or a state conflict, 413 for a body over 4 MiB, 401, 404 and 405.
 */
public final class ApiServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ApiServer.class);
    private static final String PREFIX = "/api/v1";
    private static final String DEFAULT_ACTOR = "cli";
    /** How long an undo may run before the API answers 202: long enough for the guard's refusal to arrive. */
    private static final Duration UNDO_REFUSAL_WAIT = Duration.ofSeconds(1);
    private static final int MAX_BODY_BYTES = 4 * 1024 * 1024;

    private final String service;
    private final RolloutController controller;
    private final SchemaCoordinator schema;
    private final Path stateDirectory;
    private final String token;
    private final HttpServer http;
    private final ExecutorService requestThreads;
    /** Undo blocks for a whole rollout; it runs here so the request can answer early. */
    private final ExecutorService undoThread;
    private final Map<String, Route> routes = new LinkedHashMap<>();
    /** Releases applied through this API, for the step count of a running canary. */
    private final Map<String, ReleaseSpec> appliedReleases = new ConcurrentHashMap<>();
    private final ApiDescriptor descriptor;
    /** Takes a fresh backup (pg_dump) for {@code ?force=true&backup=auto}; unset means only named backups work. */
    private volatile java.util.function.Function<String, ForceOverride> automaticBackup;

    private ApiServer(String service, RolloutController controller, SchemaCoordinator schema, Path stateDirectory,
                      int port) throws IOException {
        this.service = service;
        this.controller = controller;
        this.schema = schema;
        this.stateDirectory = stateDirectory;
        this.token = newToken();
        this.requestThreads = Executors.newFixedThreadPool(4, daemon("slipway-api"));
        this.undoThread = Executors.newSingleThreadExecutor(daemon("slipway-api-undo"));
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
    public static ApiServer start(String service, RolloutController controller, SchemaCoordinator schema,
                                  Path stateDirectory, int port) {
        Optional<ApiDescriptor> existing = ApiDescriptor.read(stateDirectory);
        if (existing.isPresent() && existing.get().pid() != ProcessHandle.current().pid()
                && ProcessHandle.of(existing.get().pid()).map(ProcessHandle::isAlive).orElse(false)) {
            throw new IllegalStateException("another Slipway controller (pid " + existing.get().pid() + ", service "
                    + existing.get().service() + ") serves " + stateDirectory + " at " + existing.get().url()
                    + "; stop it first (or remove " + ApiDescriptor.file(stateDirectory) + " if that process is not Slipway)");
        }
        ApiServer server;
        try {
            server = new ApiServer(service, controller, schema, stateDirectory, port);
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
     * Applies a release as {@code POST /api/v1/apply} does (guard first, then asynchronously); {@code slipway up}
     * uses it so the API knows the release's steps too.
     */
    public void apply(ReleaseSpec release, String actor) {
        controller.apply(release, actor);
        appliedReleases.put(release.version(), release);
    }

    // ------------------------------------------------------------------ routes

    private void defineRoutes() {
        route("GET", "/status", request -> {
            ServiceStatus status = controller.status();
            return respond(200, JsonViews.status(status, canarySteps(status)));
        });
        route("GET", "/stable", request -> controller.stableSnapshot()
                .map(stable -> respond(200, JsonViews.stable(service, stable)))
                .orElseGet(() -> respond(404, JsonViews.error(service + " runs no release yet"))));
        route("POST", "/apply", request -> {
            String file = request.query("file").orElse("slipway.yaml");
            var spec = SpecParser.parse(file, request.bodyText());
            if (!spec.service().equals(service)) {
                throw new BadRequest(file + ": describes service '" + spec.service() + "', but this controller runs '"
                        + service + "'");
            }
            apply(spec.release(), request.actor());
            ObjectNode body = JsonViews.accepted();
            body.put("version", spec.release().version());
            return respond(202, body);
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
        route("POST", "/rollout/retry", request -> {
            controller.retry(request.actor());
            return respond(202, JsonViews.accepted());
        });
        route("POST", "/rollout/undo", request -> undo(request.query("to").filter(v -> !v.isBlank()).orElse(null),
                request.actor(), force(request)));
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

    /**
     * Runs the undo on its own thread: it blocks for the whole switch back, but the guard decides within
     * moments, and a refusal must reach the caller as a 409 rather than a 202.
     */
    private Response undo(String toVersion, String actor, Optional<ForceOverride> force) throws Exception {
        Future<?> running = undoThread.submit(() -> controller.undo(toVersion, actor, force));
        try {
            running.get(UNDO_REFUSAL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException stillRunning) {
            return respond(202, JsonViews.accepted());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
        return respond(202, JsonViews.accepted());
    }

    private OptionalInt canarySteps(ServiceStatus status) {
        return status.canary()
                .map(canary -> appliedReleases.get(canary.version()))
                .filter(release -> release.strategy() instanceof StrategySpec.Canary)
                .map(release -> OptionalInt.of(((StrategySpec.Canary) release.strategy()).steps().size()))
                .orElse(OptionalInt.empty());
    }

    // ------------------------------------------------------------------ HTTP plumbing

    private void handle(HttpExchange exchange) throws IOException {
        Response response;
        try {
            response = dispatch(exchange);
        } catch (PayloadTooLarge e) {
            response = respond(413, JsonViews.error(e.getMessage()));
        } catch (BadRequest | SpecException | MigrationException | IllegalArgumentException e) {
            response = respond(400, JsonViews.error(e.getMessage()));
        } catch (GuardRefusedException | IllegalStateException e) {
            response = respond(409, JsonViews.error(e.getMessage()));
        } catch (Exception e) {
            log.warn("{} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
            response = respond(500, JsonViews.error(e.getClass().getSimpleName() + ": " + e.getMessage()));
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

    private Response dispatch(HttpExchange exchange) throws Exception {
        // Authentication comes before routing, so a caller without the token learns nothing about the paths.
        if (!authorized(exchange.getRequestHeaders().getFirst("Authorization"))) {
            return respond(401, JsonViews.error("missing or wrong bearer token (see " + ApiDescriptor.FILE_NAME
                    + " in the state directory)"));
        }
        String path = exchange.getRequestURI().getPath();
        Route route = routes.get(path);
        if (route == null) {
            return respond(404, JsonViews.error("no such endpoint: " + path));
        }
        if (!route.method().equals(exchange.getRequestMethod())) {
            return new Response(405, JsonViews.error(exchange.getRequestMethod() + " is not allowed on " + path
                    + " (use " + route.method() + ")"), Optional.of(route.method()));
        }
        return route.handler().handle(new Request(exchange));
    }

    private boolean authorized(String header) {
        String prefix = "Bearer ";
        if (header == null || !header.regionMatches(true, 0, prefix, 0, prefix.length())) {
            return false;
        }
        byte[] presented = header.substring(prefix.length()).strip().getBytes(StandardCharsets.UTF_8);
        // constant-time, so the token cannot be guessed byte by byte from response times
        return MessageDigest.isEqual(presented, token.getBytes(StandardCharsets.UTF_8));
    }

    private static Response respond(int status, ObjectNode body) {
        return new Response(status, body, Optional.empty());
    }

    private static String newToken() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Stops answering, removes {@code api.json}; the controller belongs to the caller. */
    @Override
    public void close() {
        descriptor.delete(stateDirectory);
        http.stop(0);
        requestThreads.shutdownNow();
        undoThread.shutdownNow();
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
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

    /** A request body over {@link #MAX_BODY_BYTES}: answered with 413; none of it is kept. */
    private static final class PayloadTooLarge extends RuntimeException {
        PayloadTooLarge() {
            super("request body larger than " + MAX_BODY_BYTES + " bytes");
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
            String length = exchange.getRequestHeaders().getFirst("Content-Length");
            try (InputStream in = exchange.getRequestBody()) {
                if (length != null && isOver(length.strip())) {
                    discard(in);
                    throw new PayloadTooLarge();
                }
                byte[] bytes = in.readNBytes(MAX_BODY_BYTES + 1);
                if (bytes.length > MAX_BODY_BYTES) {
                    discard(in);
                    throw new PayloadTooLarge();
                }
                return bytes;
            }
        }

        private static boolean isOver(String contentLength) {
            try {
                return Long.parseLong(contentLength) > MAX_BODY_BYTES;
            } catch (NumberFormatException e) {
                return false; // the HTTP server has checked it already; the read below still stops at the limit
            }
        }

        /**
         * Reads what the client still sends, keeping none of it, so that it gets the 413 rather than a connection
         * closed under its upload; up to a bound, past which the connection is closed after all.
         */
        private static void discard(InputStream in) throws IOException {
            long budget = 16L * MAX_BODY_BYTES;
            byte[] sink = new byte[64 * 1024];
            for (int read; budget > 0 && (read = in.read(sink)) > 0; ) {
                budget -= read;
            }
        }

        String bodyText() throws IOException {
            return new String(body(), StandardCharsets.UTF_8);
        }
    }
}
