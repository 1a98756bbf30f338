package dev.slipway.router;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.List;
import java.util.Optional;

/**
 * The routing table as JSON: written for {@code GET /routes}, read for {@code PUT /routes}. Endpoints are written
 * as {@code "host:port"}; the reader also accepts {@code {"host": ..., "port": ...}} objects. {@code "previewRevision"}
 * is written only when the table has one, so tables without it read the same as before the field existed.
 * Missing lists are empty; the other fields are {@link Required}. Strict: see {@link StrictJson}.
 */
final class RouteTableJson {

    private RouteTableJson() {
    }

    static String render(RouteTable table) {
        return StrictJson.write(new TableJson(
                table.backends().stream().map(backend -> new BackendJson(backend.revision(), backend.weight(),
                        backend.endpoints().stream().map(EndpointJson::new).toList())).toList(),
                table.headerRoutes().stream().map(route -> new HeaderRouteJson(route.name(), route.value(),
                        route.revision())).toList(),
                table.previewRevision().orElse(null)));
    }

    /**
     * Reads a table in the shape {@link #render} writes; errors name the field, e.g.
     * {@code backends[0].weight: expected an integer, got "ten"}.
     */
    static RouteTable parse(String json) {
        TableJson table = StrictJson.read(json, TableJson.class);
        return new RouteTable(
                table.backends().stream().map(backend -> new Backend(backend.revision(), backend.weight(),
                        backend.endpoints().stream().map(EndpointJson::endpoint).toList())).toList(),
                table.headerRoutes().stream().map(route -> new HeaderRoute(route.name(), route.value(),
                        route.revision())).toList(),
                Optional.ofNullable(table.previewRevision()));
    }

    record TableJson(List<BackendJson> backends, List<HeaderRouteJson> headerRoutes, String previewRevision) {
        TableJson {
            backends = backends == null ? List.of() : backends;
            headerRoutes = headerRoutes == null ? List.of() : headerRoutes;
        }
    }

    record BackendJson(@Required String revision, @Required int weight, List<EndpointJson> endpoints) {
        BackendJson {
            if (weight < 0) {
                throw new StrictJson.FieldError("weight", weight + " is negative");
            }
            endpoints = endpoints == null ? List.of() : endpoints;
        }
    }

    record HeaderRouteJson(@Required String name, @Required String value, @Required String revision) {
    }

    /** {@code "host:port"} on the wire, or {@code {"host": ..., "port": ...}} when read. */
    record EndpointJson(Endpoint endpoint) {

        @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
        static EndpointJson of(String hostAndPort) {
            return new EndpointJson(Endpoint.parse(hostAndPort));
        }

        @JsonCreator(mode = JsonCreator.Mode.PROPERTIES)
        static EndpointJson of(@Required @JsonProperty(value = "host", required = true) String host,
                               @Required @JsonProperty(value = "port", required = true) int port) {
            if (port < 1 || port > 65535) {
                throw new StrictJson.FieldError("port", "port " + port + " is not in 1..65535");
            }
            return new EndpointJson(new Endpoint(host, port));
        }

        @JsonValue
        String hostAndPort() {
            return endpoint.toString();
        }
    }
}
