package dev.slipway.examples.orders;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API, identical for every release: routing, JSON in and out, and the mapping of
 * failures to status codes. The storage layout comes in as a {@link CustomerStore}.
 */
final class OrdersApi implements HttpHandler {

    private static final Logger log = LoggerFactory.getLogger(OrdersApi.class);

    static final String VERSION_HEADER = "X-Orders-Version";
    private static final int DEFAULT_PAGE_SIZE = 50;
    private static final int MAX_PAGE_SIZE = 500;
    private static final int MAX_BODY_BYTES = 64 * 1024;

    private final OrdersVersion version;
    private final DataSource database;
    private final DataSource readinessDatabase;
    private final CustomerStore customers;
    private final OrderStore orders = new OrderStore();
    private final FaultInjector faults;
    private final BooleanSupplier shuttingDown;
    /** The last readiness answered, so that only changes are logged; null before the first probe. */
    private final AtomicReference<Boolean> lastReady = new AtomicReference<>();
    private final ObjectMapper json = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    OrdersApi(OrdersVersion version, DataSource database, DataSource readinessDatabase, FaultInjector faults,
            BooleanSupplier shuttingDown) {
        this.version = version;
        this.database = database;
        this.readinessDatabase = readinessDatabase;
        this.customers = version.customerStore();
        this.faults = faults;
        this.shuttingDown = shuttingDown;
    }

    /** What to send back: a status, a body rendered as JSON, and extra headers. */
    private record Reply(int status, Object body, Map<String, String> headers) {
        Reply(int status, Object body) {
            this(status, body, Map.of());
        }

        static Reply error(int status, String message) {
            return new Reply(status, Map.of("error", message));
        }
    }

    @Override
    public void handle(HttpExchange exchange) {
        long started = System.nanoTime();
        try {
            Reply reply = replyTo(exchange);
            if (!exchange.getRequestURI().getPath().equals("/live") && !exchange.getRequestURI().getPath().equals("/ready")) {
                faults.delay(started);
            }
            send(exchange, reply);
        } catch (IOException e) {
            // The client went away mid-response; nothing left to tell it.
            log.debug("could not send response to {}: {}", exchange.getRemoteAddress(), e.toString());
        } finally {
            exchange.close();
        }
    }

    private Reply replyTo(HttpExchange exchange) {
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getPath();
        try {
            return route(exchange, method, segments(path));
        } catch (ApiException e) {
            return new Reply(e.status(), Map.of("error", e.getMessage()), e.headers());
        } catch (SQLException e) {
            log.warn("{} {} failed in the database: {} (SQLSTATE {})", method, path, describe(e), e.getSQLState());
            return Reply.error(503, "database error: " + describe(e));
        } catch (RuntimeException e) {
            log.error("{} {} failed", method, path, e);
            return Reply.error(500, "internal error: " + e);
        }
    }

    private Reply route(HttpExchange exchange, String method, List<String> path) throws SQLException {
        if (path.equals(List.of("live"))) {
            requireMethod(method, "GET");
            return new Reply(200, Map.of("status", "live"));
        }
        if (path.equals(List.of("ready"))) {
            requireMethod(method, "GET");
            return readiness();
        }
        // The faulty release fails before touching the database, like a broken build would;
        // health endpoints stay honest so that only analysis, not the runtime, catches it.
        if (faults.shouldFail()) {
            return Reply.error(500, "injected fault");
        }
        if (path.size() == 1 && path.get(0).equals("customers")) {
            if (method.equals("POST")) {
                return createCustomer(readObject(exchange));
            }
            requireMethod(method, "GET", "POST");
            Map<String, String> query = query(exchange);
            return listCustomers(longParameter(query, "afterId", 0), pageSize(query));
        }
        if (path.size() == 2 && path.get(0).equals("customers")) {
            requireMethod(method, "GET");
            long id = id("customer", path.get(1));
            return new Reply(200, findCustomer(id));
        }
        if (path.size() == 3 && path.get(0).equals("customers") && path.get(2).equals("orders")) {
            requireMethod(method, "GET");
            Map<String, String> query = query(exchange);
            return listOrders(id("customer", path.get(1)), longParameter(query, "afterId", 0), pageSize(query));
        }
        if (path.size() == 1 && path.get(0).equals("orders")) {
            requireMethod(method, "POST");
            return createOrder(readObject(exchange));
        }
        if (path.size() == 2 && path.get(0).equals("orders")) {
            requireMethod(method, "GET");
            return getOrder(id("order", path.get(1)));
        }
        throw ApiException.notFound("no route for " + method + " " + exchange.getRequestURI().getPath());
    }

    private Reply readiness() {
        if (shuttingDown.getAsBoolean()) {
            return new Reply(503, readinessBody("shutting down", null));
        }
        try (Connection connection = readinessDatabase.getConnection()) {
            customers.checkReadable(connection);
            orders.checkReadable(connection);
            if (!Boolean.TRUE.equals(lastReady.getAndSet(true))) {
                log.info("ready: schema {} is readable", version.schemaVersion());
            }
            return new Reply(200, readinessBody("ready", null));
        } catch (SQLException e) {
            if (!Boolean.FALSE.equals(lastReady.getAndSet(false))) {
                log.warn("not ready: {}", describe(e));
            }
            return new Reply(503, readinessBody("not ready", describe(e)));
        }
    }

    private Map<String, Object> readinessBody(String status, String reason) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", status);
        body.put("version", version.version());
        body.put("schemaVersion", version.schemaVersion());
        if (reason != null) {
            body.put("reason", reason);
        }
        return body;
    }

    private Reply createCustomer(JsonNode body) throws SQLException {
        String email = text(body, "email");
        String name = text(body, "name");
        String firstName = text(body, "firstName");
        String lastName = text(body, "lastName");
        NewCustomer customer;
        if (!isBlank(firstName) || !isBlank(lastName)) {
            customer = NewCustomer.fromParts(firstName, lastName, email);
        } else if (!isBlank(name)) {
            customer = NewCustomer.fromName(name, email);
        } else {
            throw ApiException.badRequest("name is required: send {\"name\":\"Ada Lovelace\"}"
                    + " or {\"firstName\":\"Ada\",\"lastName\":\"Lovelace\"}");
        }
        try (Connection connection = database.getConnection()) {
            return new Reply(201, customers.insert(connection, customer));
        }
    }

    private Customer findCustomer(long id) throws SQLException {
        try (Connection connection = database.getConnection()) {
            return customers.find(connection, id)
                    .orElseThrow(() -> ApiException.notFound("customer " + id + " not found"));
        }
    }

    private Reply listCustomers(long afterId, int limit) throws SQLException {
        try (Connection connection = database.getConnection()) {
            return new Reply(200, Map.of("customers", customers.list(connection, afterId, limit)));
        }
    }

    private Reply createOrder(JsonNode body) throws SQLException {
        long customerId = wholeNumber(body, "customerId");
        long amountCents = wholeNumber(body, "amountCents");
        if (amountCents < 0) {
            throw ApiException.badRequest("amountCents: " + amountCents + " is negative");
        }
        try (Connection connection = database.getConnection()) {
            java.time.Duration hold = faults.lockHold();
            if (!hold.isZero()) {
                return new Reply(201, insertHoldingTheLock(connection, customerId, amountCents, hold).orElseThrow(
                        () -> ApiException.notFound("customer " + customerId + " not found")));
            }
            Optional<Order> order = orders.insert(connection, customerId, amountCents);
            return new Reply(201, order.orElseThrow(
                    () -> ApiException.notFound("customer " + customerId + " not found")));
        }
    }

    /** The faulty release's heavy write: locks the orders table against other writers and sits on it. */
    private Optional<Order> insertHoldingTheLock(Connection connection, long customerId, long amountCents,
                                                 java.time.Duration hold) throws SQLException {
        connection.setAutoCommit(false);
        try (var statement = connection.createStatement()) {
            statement.execute("LOCK TABLE orders IN EXCLUSIVE MODE");
            statement.execute("SELECT pg_sleep(" + hold.toMillis() / 1000.0 + ")");
            Optional<Order> order = orders.insert(connection, customerId, amountCents);
            connection.commit();
            return order;
        } catch (SQLException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(true);
        }
    }

    private Reply getOrder(long id) throws SQLException {
        try (Connection connection = database.getConnection()) {
            return new Reply(200, orders.find(connection, id)
                    .orElseThrow(() -> ApiException.notFound("order " + id + " not found")));
        }
    }

    private Reply listOrders(long customerId, long afterId, int limit) throws SQLException {
        try (Connection connection = database.getConnection()) {
            if (customers.find(connection, customerId).isEmpty()) {
                throw ApiException.notFound("customer " + customerId + " not found");
            }
            return new Reply(200, Map.of("orders", orders.listByCustomer(connection, customerId, afterId, limit)));
        }
    }

    private void send(HttpExchange exchange, Reply reply) throws IOException {
        byte[] bytes = json.writeValueAsBytes(reply.body());
        var headers = exchange.getResponseHeaders();
        headers.set("Content-Type", "application/json");
        headers.set(VERSION_HEADER, version.version());
        reply.headers().forEach(headers::set);
        if (shuttingDown.getAsBoolean()) {
            // Keep-alive clients (the router) should open their next connection elsewhere.
            headers.set("Connection", "close");
        }
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.sendResponseHeaders(reply.status(), -1);
            return;
        }
        exchange.sendResponseHeaders(reply.status(), bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /**
     * The message plus its cause's: the pool's "connection is not available" alone hides
     * why (refused, authentication failed, unknown database).
     */
    private static String describe(SQLException e) {
        Throwable cause = e.getCause();
        if (cause == null || cause.getMessage() == null || String.valueOf(e.getMessage()).contains(cause.getMessage())) {
            return e.getMessage();
        }
        return e.getMessage() + ": " + cause.getMessage();
    }

    private static void requireMethod(String method, String... allowed) {
        for (String candidate : allowed) {
            if (candidate.equals(method)) {
                return;
            }
        }
        String allowList = String.join(", ", allowed);
        throw new ApiException(405, "method " + method + " not allowed here (allowed: " + allowList + ")",
                Map.of("Allow", allowList));
    }

    private JsonNode readObject(HttpExchange exchange) {
        byte[] bytes;
        try (InputStream in = exchange.getRequestBody()) {
            bytes = in.readNBytes(MAX_BODY_BYTES + 1);
        } catch (IOException e) {
            throw ApiException.badRequest("could not read the request body: " + e.getMessage());
        }
        if (bytes.length > MAX_BODY_BYTES) {
            throw new ApiException(413, "request body larger than " + MAX_BODY_BYTES + " bytes");
        }
        JsonNode body;
        try {
            body = json.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("malformed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiException.badRequest("could not read the request body: " + e.getMessage());
        }
        if (body == null || !body.isObject()) {
            throw ApiException.badRequest("the request body must be a JSON object");
        }
        return body;
    }

    private static String text(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw ApiException.badRequest(field + ": must be a string, got " + value);
        }
        return value.textValue();
    }

    private static long wholeNumber(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            throw ApiException.badRequest(field + " is required");
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            throw ApiException.badRequest(field + ": must be a whole number, got " + value);
        }
        return value.longValue();
    }

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }

    private static long id(String kind, String segment) {
        try {
            long id = Long.parseLong(segment);
            if (id > 0) {
                return id;
            }
        } catch (NumberFormatException e) {
            // reported below, with the same message as a non-positive id
        }
        throw ApiException.badRequest("'" + segment + "' is not a " + kind + " id (a positive whole number)");
    }

    private static int pageSize(Map<String, String> query) {
        long limit = longParameter(query, "limit", DEFAULT_PAGE_SIZE);
        if (limit < 1) {
            throw ApiException.badRequest("limit: " + limit + " must be at least 1");
        }
        return (int) Math.min(limit, MAX_PAGE_SIZE);
    }

    private static long longParameter(Map<String, String> query, String name, long defaultValue) {
        String value = query.get(name);
        if (value == null || value.isEmpty()) {
            return defaultValue;
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(name + ": '" + value + "' is not a whole number");
        }
    }

    private static Map<String, String> query(HttpExchange exchange) {
        String raw = exchange.getRequestURI().getRawQuery();
        Map<String, String> parameters = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return parameters;
        }
        for (String pair : raw.split("&")) {
            int equals = pair.indexOf('=');
            String name = equals < 0 ? pair : pair.substring(0, equals);
            String value = equals < 0 ? "" : pair.substring(equals + 1);
            try {
                parameters.put(URLDecoder.decode(name, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("malformed query parameter '" + pair + "': " + e.getMessage());
            }
        }
        return parameters;
    }

    private static List<String> segments(String path) {
        String trimmed = path.replaceAll("^/+|/+$", "");
        return trimmed.isEmpty() ? List.of() : List.of(trimmed.split("/+"));
    }
}
