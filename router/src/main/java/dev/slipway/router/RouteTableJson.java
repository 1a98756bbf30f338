package dev.slipway.router;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The routing table as JSON: written for {@code GET /routes}, read for {@code PUT /routes}. By hand, to keep
 * this module free of Jackson. Endpoints are written as {@code "host:port"}; the reader also accepts
 * {@code {"host": ..., "port": ...}} objects. {@code "previewRevision"} is written only when the table has one,
 * so tables without it read the same as before the field existed.
 */
final class RouteTableJson {

    private static final Set<String> TABLE_FIELDS = Set.of("backends", "headerRoutes", "previewRevision");
    private static final Set<String> BACKEND_FIELDS = Set.of("revision", "weight", "endpoints");
    private static final Set<String> ENDPOINT_FIELDS = Set.of("host", "port");
    private static final Set<String> HEADER_ROUTE_FIELDS = Set.of("name", "value", "revision");

    private RouteTableJson() {
    }

    static String render(RouteTable table) {
        StringBuilder json = new StringBuilder(256).append("{\"backends\":[");
        for (int i = 0; i < table.backends().size(); i++) {
            Backend backend = table.backends().get(i);
            json.append(i == 0 ? "" : ",").append("{\"revision\":").append(quote(backend.revision()))
                    .append(",\"weight\":").append(backend.weight()).append(",\"endpoints\":[");
            for (int j = 0; j < backend.endpoints().size(); j++) {
                json.append(j == 0 ? "" : ",").append(quote(backend.endpoints().get(j).toString()));
            }
            json.append("]}");
        }
        json.append("],\"headerRoutes\":[");
        for (int i = 0; i < table.headerRoutes().size(); i++) {
            HeaderRoute route = table.headerRoutes().get(i);
            json.append(i == 0 ? "" : ",").append("{\"name\":").append(quote(route.name()))
                    .append(",\"value\":").append(quote(route.value()))
                    .append(",\"revision\":").append(quote(route.revision())).append('}');
        }
        json.append(']');
        table.previewRevision().ifPresent(revision -> json.append(",\"previewRevision\":").append(quote(revision)));
        return json.append('}').toString();
    }

    /**
     * Reads a table in the shape {@link #render} writes. Strict: unknown fields, missing fields and wrong types
     * are errors naming the field, e.g. {@code backends[0].weight: expected an integer, got "ten"}.
     */
    static RouteTable parse(String json) {
        JsonObject table = JsonObject.parse(json).allowOnly(TABLE_FIELDS);
        List<Backend> backends = new ArrayList<>();
        List<Object> backendValues = table.arrayOrEmpty("backends");
        for (int i = 0; i < backendValues.size(); i++) {
            backends.add(backend(JsonObject.of("backends[" + i + "]", backendValues.get(i))));
        }
        List<HeaderRoute> headerRoutes = new ArrayList<>();
        List<Object> routeValues = table.arrayOrEmpty("headerRoutes");
        for (int i = 0; i < routeValues.size(); i++) {
            JsonObject route = JsonObject.of("headerRoutes[" + i + "]", routeValues.get(i)).allowOnly(HEADER_ROUTE_FIELDS);
            headerRoutes.add(new HeaderRoute(route.string("name"), route.string("value"), route.string("revision")));
        }
        Optional<String> previewRevision = table.fields().containsKey("previewRevision")
                ? Optional.of(table.string("previewRevision")) : Optional.empty();
        return new RouteTable(backends, headerRoutes, previewRevision);
    }

    private static Backend backend(JsonObject backend) {
        backend.allowOnly(BACKEND_FIELDS);
        String revision = backend.string("revision");
        int weight = backend.intValue("weight");
        if (weight < 0) {
            throw new IllegalArgumentException(backend.child("weight") + ": " + weight + " is negative");
        }
        List<Endpoint> endpoints = new ArrayList<>();
        List<Object> endpointValues = backend.arrayOrEmpty("endpoints");
        for (int i = 0; i < endpointValues.size(); i++) {
            endpoints.add(endpoint(backend.child("endpoints") + "[" + i + "]", endpointValues.get(i)));
        }
        return new Backend(revision, weight, endpoints);
    }

    private static Endpoint endpoint(String path, Object value) {
        if (value instanceof String hostAndPort) {
            try {
                return parseEndpoint(hostAndPort);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(path + ": " + e.getMessage(), e);
            }
        }
        JsonObject endpoint = JsonObject.of(path, value).allowOnly(ENDPOINT_FIELDS);
        int port = endpoint.intValue("port");
        checkPort(endpoint.child("port"), port);
        return new Endpoint(endpoint.string("host"), port);
    }

    /** {@code host:port}, {@code [v6]:port} or {@code v6:port} (the last colon separates the port). */
    static Endpoint parseEndpoint(String hostAndPort) {
        return parseEndpoint(hostAndPort, 1);
    }

    /** As {@link #parseEndpoint(String)}, but port 0 ("any free port") is allowed: for addresses to listen on. */
    static Endpoint parseEndpointAllowingPortZero(String hostAndPort) {
        return parseEndpoint(hostAndPort, 0);
    }

    private static Endpoint parseEndpoint(String hostAndPort, int lowestPort) {
        int colon = hostAndPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostAndPort.length() - 1) {
            throw new IllegalArgumentException(quote(hostAndPort) + " is not host:port");
        }
        String host = hostAndPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(hostAndPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(quote(hostAndPort) + " is not host:port (port is not a number)");
        }
        if (port < lowestPort || port > 65535) {
            throw new IllegalArgumentException(quote(hostAndPort) + ": port " + port + " is not in " + lowestPort + "..65535");
        }
        return new Endpoint(host, port);
    }

    private static void checkPort(String what, int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(what + ": port " + port + " is not in 1..65535");
        }
    }

    static String quote(String value) {
        StringBuilder quoted = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                case '\n' -> quoted.append("\\n");
                case '\r' -> quoted.append("\\r");
                case '\t' -> quoted.append("\\t");
                default -> {
                    if (c < 0x20) {
                        quoted.append(String.format("\\u%04x", (int) c));
                    } else {
                        quoted.append(c);
                    }
                }
            }
        }
        return quoted.append('"').toString();
    }
}
