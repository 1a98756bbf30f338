package dev.slipway.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.slipway.analysis.MetricProvider;
import dev.slipway.controller.store.DatabaseOutage;
import dev.slipway.controller.BadInputException;
import dev.slipway.controller.ConflictException;
import dev.slipway.controller.NotFoundException;
import dev.slipway.controller.RolloutController;
import dev.slipway.controller.SchemaCoordinator;
import dev.slipway.controller.ServiceStatus;
import dev.slipway.controller.guard.Backups;
import dev.slipway.controller.guard.ForceOverride;
import dev.slipway.controller.guard.GuardRefusedException;
import dev.slipway.controller.store.RolloutRecord;
import dev.slipway.controller.rollout.StartedRollout;
import dev.slipway.model.ReleaseSpec;
import dev.slipway.model.ServiceSpec;
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
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The local HTTP JSON API over one service's {@link RolloutController} and {@link SchemaCoordinator}: what the
 * {@code slipway} client commands talk to while {@code slipway up} runs. It listens on 127.0.0.1 only, wants
 * {@code Authorization: Bearer <token>} on every request (the token is random per start and published in
 * {@code <stateDir>/api.json}, mode 0600), and answers JSON. A failed request answers
 * {@code {"error": "...", "kind": "..."}} with a status by kind: 400 {@code bad-input}, 404 {@code not-found},
 * 409 {@code conflict} (the service's state does not allow it now), 409 {@code refused} (the compatibility guard
 * refused it; the body also carries the guard's decision) and 413 {@code too-large} (a body over 4 MiB), besides 401
 * and 405, and 503 {@code busy} when too many commands wait. Reads answer on a few request threads; commands run on
 * their own threads, so status answers during a long backfill; a request that is not read or whose answer is not
 * taken within the request timeout loses its connection (see {@link RequestThreads}).
 */
public final class ApiServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ApiServer.class);
    private static final String PREFIX = "/api/v1";
    /** The audit's actor for a bearer-token caller: the token says only that, not which person holds it. */
    static final String TOKEN_ACTOR = "api-token";
    static final String DASHBOARD_ACTOR = "dashboard";
    /** A client's own word on who it is (the CLI sends its user name): kept only as a labelled, bounded claim. */
    private static final String CLAIMED_ACTOR_HEADER = "X-Slipway-Actor";
    private static final int MAX_CLAIM_LENGTH = 200;
    /** How long reading a request or writing a response may take before its connection is closed. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    /** Few threads answer reads (status, dashboard); commands, which may wait long, have threads of their own. */
    private static final int REQUEST_THREADS = 4;
    private static final int COMMAND_THREADS = 4;
    private static final int MAX_WAITING_COMMANDS = 32;
    private static final int MAX_BODY_BYTES = 4 * 1024 * 1024;
    private static final int MAX_EVENT_LISTENERS = 32;
    private static final String CSRF_HEADER = "X-Slipway-CSRF";

    private final String service;
    private final RolloutController controller;
    private final SchemaCoordinator schema;
    private final Path stateDirectory;
    private final String token;
    private final HttpServer http;
    private final RequestThreads requestThreads;
    /**
     * Runs the commands (apply, promote, schema start with its backfill, anything that may take a backup): they wait
     * for the guard's gate, the database or pg_dump, and must not take the request threads from status and the
     * dashboard meanwhile.
     */
    private final ExecutorService commandThreads;
    private final Map<String, Route> routes = new LinkedHashMap<>();
    private final ApiDescriptor descriptor;
    /** Takes a fresh backup (pg_dump) for {@code ?force=true&backup=auto}; unset means only named backups work. */
    private volatile java.util.function.Function<String, ForceOverride> automaticBackup;
    private final DashboardSessions sessions = new DashboardSessions(Clock.systemUTC());
    private final DashboardAssets assets = DashboardAssets.load();
    private final LiveSeries series = new LiveSeries();
    /** The dashboard's live view: one snapshot a second while a page is open. */
    private final EventStream events = new EventStream(() -> dashboardSnapshot(true), Duration.ofSeconds(1), MAX_EVENT_LISTENERS);
    /** Checks an applied spec against the controller's machine (secrets, hook programs); throws a located error. */
    private volatile java.util.function.Consumer<ServiceSpec> specCheck = spec -> { };
    /** Told about every spec {@code POST /apply} applied: its rollout policy is the one in force from then on. */
    private volatile java.util.function.Consumer<ServiceSpec> specApplied = spec -> { };
    /** The latest backfill progress of a schema start made through this API, for the dashboard. */
    private volatile DashboardView.Backfill backfill;

    private ApiServer(RolloutController controller, Path stateDirectory, int port, Duration requestTimeout) throws IOException {
        this.service = controller.service();
        this.controller = controller;
        this.schema = controller.schema();
        this.stateDirectory = stateDirectory;
        this.token = Tokens.newToken();
        this.requestThreads = new RequestThreads(REQUEST_THREADS, requestTimeout);
        this.commandThreads = new ThreadPoolExecutor(COMMAND_THREADS, COMMAND_THREADS, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(MAX_WAITING_COMMANDS), DaemonThreads.named("slipway-api-command"));
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
        return start(controller, stateDirectory, port, DEFAULT_REQUEST_TIMEOUT);
    }

    /** {@link #start(RolloutController, Path, int)} with another bound on reading a request and writing its answer. */
    public static ApiServer start(RolloutController controller, Path stateDirectory, int port, Duration requestTimeout) {
        Optional<ApiDescriptor> existing = ApiDescriptor.read(stateDirectory);
        if (existing.isPresent() && existing.get().pid() != ProcessHandle.current().pid()
                && ProcessHandle.of(existing.get().pid()).map(ProcessHandle::isAlive).orElse(false)) {
            throw new IllegalStateException("another Slipway controller (pid " + existing.get().pid() + ", service "
                    + existing.get().service() + ") serves " + stateDirectory + " at " + existing.get().url()
                    + "; stop it first (or remove " + ApiDescriptor.file(stateDirectory) + " if that process is not Slipway)");
        }
        ApiServer server;
        try {
            server = new ApiServer(controller, stateDirectory, port, requestTimeout);
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
        route("GET", "/analyses", request -> {
            ObjectNode body = JsonViews.JSON.createObjectNode();
            body.put("service", service);
            body.set("analyses", JsonViews.analyses(controller.analyses()));
            return respond(200, body);
        });
        route("GET", "/stable", request -> controller.stableSnapshot()
                .map(stable -> respond(200, JsonViews.stable(service, stable)))
                .orElseGet(() -> respond(404, JsonViews.error(JsonViews.NOT_FOUND, service + " runs no release yet"))));
        command("POST", "/apply", request -> {
            String file = request.query("file").orElse("slipway.yaml");
            var spec = SpecParser.parse(file, request.bodyText());
            if (!spec.service().equals(service)) {
                throw new BadRequest(file + ": describes service '" + spec.service() + "', but this controller runs '"
                        + service + "'");
            }
            specCheck.accept(spec);
            StartedRollout started = controller.apply(spec.release(), request.actor(), force(request));
            specApplied.accept(spec);
            return respond(202, JsonViews.started(started.recorded()));
        });
        command("POST", "/rollout/promote", request -> {
            controller.promote(request.actor(), request.booleanQuery("full"));
            return respond(202, JsonViews.accepted());
        });
        command("POST", "/rollout/abort", request -> {
            String reason = request.bodyText().strip();
            controller.abort(request.actor(), reason.isEmpty() ? null : reason);
            return respond(202, JsonViews.accepted());
        });
        command("POST", "/rollout/retry", request ->
                respond(202, JsonViews.started(controller.retry(request.actor(), force(request)).recorded())));
        command("POST", "/rollout/undo", request -> {
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
        command("POST", "/schema/start", request -> {
            String file = request.query("file").orElseThrow(() -> new BadRequest(
                    "?file=NAME is required: the migration's file name (e.g. 002_split_name.yaml)"));
            Migration migration = MigrationFile.parse(file, request.body());
            try {
                schema.start(migration, request.actor(),
                        progress -> backfill = new DashboardView.Backfill(progress, Instant.now(), true), force(request));
            } finally {
                DashboardView.Backfill last = backfill;
                if (last != null && last.running()) {
                    backfill = new DashboardView.Backfill(last.progress(), last.at(), false);
                }
            }
            return respond(200, JsonViews.schemaState(schema.state()));
        });
        route("POST", "/dashboard/login-link", request -> {
            if (request.caller().session().isPresent()) {
                throw new Forbidden("a login link is handed out to holders of the API token only (slipway dashboard)");
            }
            ObjectNode body = JsonViews.JSON.createObjectNode();
            body.put("url", url().resolve("/login?code=" + sessions.newCode()).toString());
            body.put("expiresInSeconds", DashboardSessions.CODE_LIFETIME.toSeconds());
            return respond(200, body);
        });
        route("GET", "/dashboard/snapshot", request -> new Response(200, dashboardSnapshot(false), JSON_TYPE, Map.of()));
        command("POST", "/schema/complete", request -> {
            schema.complete(request.actor(), force(request));
            return respond(200, JsonViews.schemaState(schema.state()));
        });
        command("POST", "/schema/rollback", request -> {
            schema.rollback(request.actor(), force(request));
            return respond(200, JsonViews.schemaState(schema.state()));
        });
    }

    /**
     * Runs {@code check} on every spec {@code POST /apply} receives, before anything is applied: what only the
     * controller's machine can tell (environment variables, hook programs). A {@link SpecException} is a 400.
     */
    public void checkSpecsWith(java.util.function.Consumer<ServiceSpec> check) {
        this.specCheck = check;
    }

    /** Runs {@code applied} after each spec {@code POST /apply} applied (its policy takes over). */
    public void onSpecApplied(java.util.function.Consumer<ServiceSpec> applied) {
        this.specApplied = applied;
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
        routes.put(PREFIX + path, new Route(method, handler, false));
    }

    /** A route that changes the service: it runs on the command threads (see {@link #commandThreads}). */
    private void command(String method, String path, Handler handler) {
        routes.put(PREFIX + path, new Route(method, handler, true));
    }

    // ------------------------------------------------------------------ HTTP plumbing

    private void handle(HttpExchange exchange) throws IOException {
        RequestThreads.requestHeadRead();
        Response response = answer(exchange, () -> dispatch(exchange));
        if (response == TAKEN_OVER) {
            return; // a live stream or a command: its exchange stays open and is answered elsewhere
        }
        send(exchange, response);
    }

    /** What {@code work} answers: its response, or its failure by kind. */
    private static Response answer(HttpExchange exchange, java.util.concurrent.Callable<Response> work) {
        try {
            return work.call();
        } catch (Forbidden e) {
            return respond(403, JsonViews.error("forbidden", e.getMessage()));
        } catch (Exception e) {
            if (e instanceof IOException && RequestThreads.timedOutHere()) {
                return TIMED_OUT;
            }
            return failure(exchange, e);
        }
    }

    /**
     * Runs a command on the command threads: its body is read here, on the request thread and under the request
     * timeout; its answer is written by a request thread again, under the same timeout.
     */
    private Response runCommand(HttpExchange exchange, Request request, Handler handler) throws IOException {
        request.body();
        try {
            commandThreads.execute(() -> {
                Response response = answer(exchange, () -> handler.handle(request));
                try {
                    requestThreads.execute(() -> sendQuietly(exchange, response));
                } catch (RejectedExecutionException stopped) {
                    exchange.close(); // the API is closing
                }
            });
        } catch (RejectedExecutionException busy) {
            return respond(503, JsonViews.error("busy", MAX_WAITING_COMMANDS + " commands are waiting already; try again"));
        }
        return TAKEN_OVER;
    }

    private void sendQuietly(HttpExchange exchange, Response response) {
        try {
            send(exchange, response);
        } catch (IOException e) {
            log.debug("could not answer {} {}: {}", exchange.getRequestMethod(), exchange.getRequestURI(), e.toString());
            exchange.close();
        }
    }

    private void send(HttpExchange exchange, Response response) throws IOException {
        if (response == TIMED_OUT || RequestThreads.timedOutHere()) {
            exchange.close(); // the client was too slow to send its request: its connection is closed already
            return;
        }
        RequestThreads.io(() -> {
            write(exchange, response);
            return null;
        });
    }

    private static void write(HttpExchange exchange, Response response) throws IOException {
        try (exchange) {
            var headers = exchange.getResponseHeaders();
            headers.set("Content-Type", response.contentType());
            headers.set("Cache-Control", "no-store");
            headers.set("X-Content-Type-Options", "nosniff");
            headers.set("X-Frame-Options", "DENY");
            headers.set("Referrer-Policy", "no-referrer");
            response.headers().forEach(headers::set);
            if (response.status() == 401 && response.contentType().equals(JSON_TYPE)) {
                headers.set("WWW-Authenticate", "Bearer realm=\"slipway\"");
            }
            exchange.sendResponseHeaders(response.status(), response.body().length == 0 ? -1 : response.body().length);
            if (response.body().length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(response.body());
                }
            }
        }
    }

    /** A failed request answered by the kind of failure: the client tells them apart by status and {@code kind}. */
    static final String DATABASE_UNAVAILABLE = "database-unavailable";

    private static Response failure(HttpExchange exchange, Exception e) {
        if (DatabaseOutage.of(e).isPresent()) {
            // not the request's fault, nor the state's: the same command may succeed once the database is back
            return respond(503, JsonViews.error(DATABASE_UNAVAILABLE, "the database is unavailable: " + e.getMessage()));
        }
        if (e instanceof GuardRefusedException refused) {
            return respond(409, JsonViews.refused(refused.decision()));
        }
        if (e instanceof PayloadTooLarge) {
            return respond(413, JsonViews.error(JsonViews.TOO_LARGE, e.getMessage()));
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
        String path = exchange.getRequestURI().getPath();
        String method = exchange.getRequestMethod();
        if (!hostIsThisServer(exchange.getRequestHeaders().getFirst("Host"))) {
            // a page on another site that resolves its own name to 127.0.0.1 (DNS rebinding) gets nothing
            return respond(403, JsonViews.error("forbidden", "unexpected Host header: use " + url()));
        }
        if (path.equals("/login")) {
            return login(new Request(exchange, Caller.NOBODY));
        }
        boolean page = path.equals("/") || path.startsWith(DashboardAssets.PREFIX);
        // Authentication comes before routing, so a caller without the token learns nothing about the paths.
        Optional<Caller> caller = authenticate(exchange);
        if (caller.isEmpty()) {
            if (page) {
                return new Response(401, assets.loginNeeded(), HTML_TYPE, Map.of());
            }
            return respond(401, JsonViews.error("unauthorized", "missing or wrong bearer token (see "
                    + ApiDescriptor.FILE_NAME + " in the state directory)"));
        }
        Request request = new Request(exchange, caller.get());
        if (caller.get().session().isPresent() && !method.equals("GET") && !method.equals("HEAD")) {
            requireSameOrigin(request);
        }
        if (page && (method.equals("GET") || method.equals("HEAD"))) {
            return dashboardPage(path, caller.get());
        }
        if (path.equals("/logout") && method.equals("POST")) {
            sessions.end(caller.get().sessionId());
            return new Response(303, new byte[0], HTML_TYPE, Map.of("Location", "/", "Set-Cookie", expiredCookie()));
        }
        if (path.equals(PREFIX + "/dashboard/events") && method.equals("GET")) {
            return events.subscribe(exchange) ? TAKEN_OVER
                    : respond(503, JsonViews.error("unavailable", "too many open dashboards (" + MAX_EVENT_LISTENERS + ")"));
        }
        Route route = routes.get(path);
        if (route == null) {
            return respond(404, JsonViews.error(JsonViews.NOT_FOUND, "no such endpoint: " + path));
        }
        if (!route.method().equals(method)) {
            return new Response(405, json(JsonViews.error("method-not-allowed", method + " is not allowed on " + path
                    + " (use " + route.method() + ")")), JSON_TYPE, Map.of("Allow", route.method()));
        }
        if (route.command()) {
            return runCommand(exchange, request, route.handler());
        }
        return route.handler().handle(request);
    }

    /**
     * Who is asking: the bearer token (the CLI, scripts) or a dashboard session cookie (a browser). Empty when
     * neither is valid.
     */
    private Optional<Caller> authenticate(HttpExchange exchange) {
        if (Tokens.presents(exchange.getRequestHeaders().getFirst("Authorization"), token)) {
            return Optional.of(Caller.TOKEN);
        }
        String sessionId = cookie(exchange.getRequestHeaders().getFirst("Cookie"), cookieName());
        return sessions.session(sessionId).map(session -> new Caller(sessionId, Optional.of(session)));
    }

    /**
     * A browser's state-changing request must carry the session's CSRF token (which only the dashboard page
     * knows) and, when the browser names an origin, come from this server's own. SameSite=Strict already keeps
     * the cookie off other sites' requests; these checks hold even in a browser that ignores SameSite.
     */
    private void requireSameOrigin(Request request) {
        String origin = request.header("Origin");
        if (origin != null && !hostIsThisServer(origin.replaceFirst("^http://", ""))) {
            throw new Forbidden("cross-origin request from " + origin + " refused");
        }
        if (!DashboardSessions.csrfMatches(request.caller().session().orElseThrow(), request.header(CSRF_HEADER))) {
            throw new Forbidden("missing or wrong " + CSRF_HEADER + " header: reload the dashboard");
        }
    }

    /** Host header (or origin without scheme) naming this server: 127.0.0.1 or localhost with our port. */
    private boolean hostIsThisServer(String host) {
        if (host == null) {
            return false;
        }
        int port = url().getPort();
        return host.equals("127.0.0.1:" + port) || host.equals("localhost:" + port) || host.equals("[::1]:" + port);
    }

    /** {@code GET /login?code=...}: a one-time code from {@code slipway dashboard} becomes a session cookie. */
    private Response login(Request request) {
        if (!request.exchange.getRequestMethod().equals("GET")) {
            return respond(405, JsonViews.error("method-not-allowed", "use GET /login?code=..."));
        }
        Optional<String> session = sessions.redeem(request.query("code").orElse(null));
        if (session.isEmpty()) {
            return new Response(401, assets.loginExpired(), HTML_TYPE, Map.of());
        }
        return new Response(303, new byte[0], HTML_TYPE, Map.of("Location", "/",
                "Set-Cookie", cookieName() + "=" + session.get() + "; Path=/; HttpOnly; SameSite=Strict"));
    }

    private Response dashboardPage(String path, Caller caller) {
        if (path.equals("/")) {
            // a token holder (no session) gets the page too, but its actions need a session: no CSRF token then
            String csrf = caller.session().map(DashboardSessions.Session::csrfToken).orElse("");
            return new Response(200, assets.index(service, csrf), HTML_TYPE,
                    Map.of("Content-Security-Policy", DashboardAssets.CONTENT_SECURITY_POLICY));
        }
        return assets.asset(path)
                .map(asset -> new Response(200, asset.bytes(), asset.contentType(), Map.of()))
                .orElseGet(() -> respond(404, JsonViews.error(JsonViews.NOT_FOUND, "no such asset: " + path)));
    }

    /** Cookies are per host, not per port: each controller on 127.0.0.1 needs a name of its own. */
    private String cookieName() {
        return "slipway_session_" + url().getPort();
    }

    private String expiredCookie() {
        return cookieName() + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0";
    }

    private static String cookie(String header, String name) {
        if (header == null) {
            return null;
        }
        for (String pair : header.split(";")) {
            String trimmed = pair.strip();
            if (trimmed.startsWith(name + "=")) {
                return trimmed.substring(name.length() + 1);
            }
        }
        return null;
    }

    /** The dashboard's snapshot now; with {@code tick}, the chart series gains a point first (the stream's tick). */
    private byte[] dashboardSnapshot(boolean tick) {
        ServiceStatus status = controller.status();
        Instant now = Instant.now();
        if (tick) {
            series.record(now, weights(status));
        }
        // the rollout's release, for its steps: known to the controller even after a restart (the store keeps it)
        Optional<ReleaseSpec> release = status.rollout().map(RolloutRecord::toVersion).flatMap(controller::release);
        DashboardView.Parts parts = new DashboardView.Parts(status, release, controller.history(20), series.points(),
                Optional.ofNullable(backfill), now);
        return json(DashboardView.snapshot(parts));
    }

    /** Each running version's share of the traffic, in percent: the canary's weight, the rest to stable. */
    private static Map<String, Integer> weights(ServiceStatus status) {
        Map<String, Integer> weights = new LinkedHashMap<>();
        int canaryWeight = status.canary().isPresent() ? status.canaryWeight() : 0;
        status.stable().ifPresent(stable -> weights.put(stable.version(), 100 - canaryWeight));
        status.canary().ifPresent(canary -> weights.merge(canary.version(), canaryWeight, Integer::sum));
        return weights;
    }

    /** Lets the dashboard chart the router's counters per version (the ones the canary analysis judges). */
    public void useMetrics(MetricProvider metrics) {
        series.use(metrics);
    }

    private static Response respond(int status, ObjectNode body) {
        return new Response(status, json(body), JSON_TYPE, Map.of());
    }

    private static byte[] json(ObjectNode body) {
        try {
            return JsonViews.JSON.writeValueAsBytes(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON: " + e.getMessage(), e);
        }
    }

    /** Stops answering, removes {@code api.json}; the controller belongs to the caller. */
    @Override
    public void close() {
        descriptor.delete(stateDirectory);
        events.close();
        http.stop(0);
        commandThreads.shutdownNow();
        requestThreads.close();
    }

    /** What one endpoint does with a request. */
    @FunctionalInterface
    private interface Handler {
        Response handle(Request request) throws Exception;
    }

    private record Route(String method, Handler handler, boolean command) {
    }

    private record Response(int status, byte[] body, String contentType, Map<String, String> headers) {
    }

    /** What a handler returns when it answered the exchange itself and keeps it open (server-sent events). */
    private static final Response TAKEN_OVER = new Response(0, new byte[0], "", Map.of());
    /** What a request answers whose client was too slow to send it: nothing, its connection is closed. */
    private static final Response TIMED_OUT = new Response(0, new byte[0], "", Map.of());
    private static final String JSON_TYPE = "application/json; charset=utf-8";
    private static final String HTML_TYPE = "text/html; charset=utf-8";

    /**
     * Who sent a request: the token holder, or a browser with a dashboard session (and its CSRF token).
     * {@code sessionId} is null for the token holder.
     */
    private record Caller(String sessionId, Optional<DashboardSessions.Session> session) {
        static final Caller TOKEN = new Caller(null, Optional.empty());
        static final Caller NOBODY = new Caller(null, Optional.empty());
    }

    /** A request the caller may not make whatever its input: answered with 403. */
    private static final class Forbidden extends RuntimeException {
        Forbidden(String message) {
            super(message);
        }
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
        private final Caller caller;
        private final Map<String, String> query = new LinkedHashMap<>();
        private byte[] body;

        Request(HttpExchange exchange, Caller caller) {
            this.exchange = exchange;
            this.caller = caller;
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

        Caller caller() {
            return caller;
        }

        String header(String name) {
            return exchange.getRequestHeaders().getFirst(name);
        }

        /**
         * Who the audit history names: how the caller authenticated ("api-token" or "dashboard"), never a name the
         * client merely states. A token holder's {@code X-Slipway-Actor} (the CLI sends the local user name) is kept
         * as a labelled claim, "api-token (claims: ada)"; a browser session's is ignored.
         */
        String actor() {
            if (caller.session().isPresent()) {
                return DASHBOARD_ACTOR;
            }
            return ClaimedActor.label(TOKEN_ACTOR, exchange.getRequestHeaders().getFirst(CLAIMED_ACTOR_HEADER), MAX_CLAIM_LENGTH);
        }

        /** The request body, read once (under the request timeout) and kept for the handler. */
        byte[] body() throws IOException {
            if (body == null) {
                body = RequestThreads.io(this::readBody);
            }
            return body;
        }

        private byte[] readBody() throws IOException {
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
